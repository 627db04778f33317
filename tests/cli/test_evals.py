"""`reverie eval skills` and `reverie eval chores` as a user runs them."""

import json

from tests.cli import reverie


def test_eval_skills_scripted_json():
    proc = reverie("eval", "skills", "--executor", "scripted", "--episodes", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["executor"] == "scripted" and result["episodes"] == 2
    assert set(result["skills"]) == {
        "pick_place",
        "stack",
        "open_drawer",
        "close_drawer",
        "press_button",
    }
    assert all(
        r["episodes"] == 2 and 0 <= r["success_rate"] <= 1 for r in result["skills"].values()
    )


def test_eval_skills_refuses_bad_input():
    for args, message in [
        (["--executor", "telepathy"], "valid executors: scripted, random, worldmodel, policy"),
        (["--split", "unseen"], "valid splits:"),
        (["--episodes", "0"], "--episodes must be >= 1; got 0"),
    ]:
        bad = reverie("eval", "skills", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


def test_eval_chores_reports_json_and_refuses_bad_input(tmp_path):
    suite = tmp_path / "s.json"
    suite.write_text(json.dumps({"name": "one", "chores": [{"chore": "press the button"}]}))
    proc = reverie("eval", "chores", suite, "--executor", "scripted", "--runs", tmp_path, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["suite"] == "one" and report["overall"]["success_rate"] == 1.0
    assert report["settings"]["position_noise"] == 0.003  # perception is noisy unless told
    assert (tmp_path / "eval" / "one.scripted.json").exists()
    for args, message in [
        ([tmp_path / "missing.json"], "no such suite file"),
        ([suite, "--executor", "telepathy"], "valid: worldmodel, policy, scripted"),
        ([suite, "--replans", "-1"], "--replans must be >= 0"),
        ([suite, "--rollouts", "0"], "--rollouts must be between 1 and 64; got 0"),
        ([suite, "--position-noise", "inf"], "--position-noise must be a standard deviation"),
    ]:
        bad = reverie("eval", "chores", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
