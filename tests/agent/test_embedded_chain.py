"""Chores run in turn on one embedded robot (a long-horizon chain): no reset between them, and a
resumed chore restores the robot by replaying the chores before it too."""

import json

from agent.run import do_chore, embedded_robot, resume_chore


def _facts(scene: dict) -> tuple:
    return sorted(map(tuple, scene["relations"])), scene["drawer_open"], scene["light_on"]


def test_chores_on_one_robot_continue_the_scene_and_resume_replays_the_chain(tmp_path):
    with embedded_robot(seed=0) as robot:
        first = do_chore(
            "put the red block in the bowl", executor="scripted", runs=tmp_path, on=robot
        )
        second = do_chore("open the drawer", executor="scripted", runs=tmp_path, on=robot)
        assert robot.run_ids == [first["run_id"], second["run_id"]]
    # the second chore started where the first left the red block: no reset
    assert ["in", "red_block", "bowl"] in second["final_scene"]["relations"]
    assert second["final_scene"]["drawer_open"] and second["ground_truth"]["success"]
    settings = json.loads((tmp_path / second["run_id"] / "run.json").read_text())
    assert settings["after_runs"] == [first["run_id"]] and settings["seed"] == 0

    # a fresh embedded robot replays the first chore, then the second: the same scene
    resumed = resume_chore(second["run_id"], runs=tmp_path)
    assert _facts(resumed["final_scene"]) == _facts(second["final_scene"])
