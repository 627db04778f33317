"""A console that crashes mid-chore: the next one shows the chore where it stopped, keeps the
queue waiting, and resumes the chore on request from its durable LangGraph thread."""

from __future__ import annotations

import httpx

from tests.console.conftest import ConsoleProcess, reverie, wait_for


def test_a_restarted_console_shows_the_interrupted_chore_and_resumes_it(tmp_path):
    fleet = tmp_path / "fleet.json"
    assert (
        reverie("fleet", "up", "--robots", "1", "--seed", "2", "--fleet", str(fleet)).returncode
        == 0
    )
    runs = tmp_path / "runs"
    first = ConsoleProcess(fleet, runs)
    second = None
    try:
        robot = first.url + "/api/robots/robot-1"

        def finished(chore_id: str):
            history = httpx.get(robot).json()["history"]
            return next((h for h in history if h["id"] == chore_id), None)

        # a chore done before the crash: the next console's mirror must replay it (or it would
        # refuse to steer, its step count and hand not matching the robot's)
        earlier = httpx.post(robot + "/chores", json={"chore": "press the button"}).json()
        assert wait_for(lambda: finished(earlier["id"]), 120, "a first chore")["outcome"] == "done"
        chore = httpx.post(robot + "/chores", json={"chore": "press the button"}).json()
        wait_for(lambda: httpx.get(robot).json()["chore"], 30, "the chore to start")
        httpx.post(robot + "/pause")  # hold it mid-chore, then crash the console
        wait_for(lambda: httpx.get(robot).json()["status"] == "paused", 60, "the chore paused")
        queued = httpx.post(robot + "/chores", json={"chore": "open the drawer"}).json()
        first.proc.kill()
        first.proc.wait()

        second = ConsoleProcess(fleet, runs)
        robot = second.url + "/api/robots/robot-1"
        state = httpx.get(robot).json()
        assert state["interrupted"] == {"id": chore["id"], "chore": "press the button"}
        assert [c["id"] for c in state["queue"]] == [queued["id"]]
        assert state["chore"] is None and state["status"] == "idle"  # waits for the operator
        assert [h["id"] for h in state["history"]] == [earlier["id"]]
        resumed = httpx.post(robot + "/interrupted/resume")
        assert resumed.status_code == 200 and resumed.json()["id"] == chore["id"]
        assert httpx.post(robot + "/interrupted/resume").status_code == 404

        done = wait_for(lambda: finished(chore["id"]), 120, "the resumed chore")
        assert done["outcome"] == "done" and done["ground_truth"] is True, done
        # then the queue goes on, on a robot whose scene the console still knows exactly
        after = wait_for(lambda: finished(queued["id"]), 120, "the queued chore")
        assert after["outcome"] == "done" and after["ground_truth"] is True, after
    finally:
        first.close()
        if second is not None:
            second.close()
        reverie("fleet", "down", "--fleet", str(fleet))


def test_a_console_over_a_restarted_fleet_forgets_the_old_scene(tmp_path):
    """`fleet down` then `fleet up` with the same runs folder: the robots start new scenes, so
    the scripted executor's mirror must not replay the chores done in the old ones."""
    fleet = tmp_path / "fleet.json"
    runs = tmp_path / "runs"

    def one_chore() -> dict:
        assert reverie("fleet", "up", "--robots", "1", "--fleet", str(fleet)).returncode == 0
        console = ConsoleProcess(fleet, runs)
        try:
            robot = console.url + "/api/robots/robot-1"
            chore = httpx.post(robot + "/chores", json={"chore": "press the button"}).json()

            def finished():
                history = httpx.get(robot).json()["history"]
                return next((h for h in history if h["id"] == chore["id"]), None)

            return wait_for(finished, 120, "the chore")
        finally:
            console.close()
            reverie("fleet", "down", "--fleet", str(fleet))

    assert one_chore()["outcome"] == "done"
    again = one_chore()  # the old run is still in runs/robot-1, and in console.json
    assert again["outcome"] == "done" and again["ground_truth"] is True, again
