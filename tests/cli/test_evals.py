"""`reverie eval skills`, `eval chores`, `eval chains` and `eval report` as a user runs them."""

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
    assert all(r["episodes"] == 2 and r["success_rate"] == 1.0 for r in result["skills"].values())


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


def test_eval_chains_generates_runs_and_reports(tmp_path):
    suite = tmp_path / "gen.json"
    made = reverie("eval", "chains", "--generate", "3", "--seed", "5", "--save-suite", suite)
    assert made.returncode == 0, made.stderr
    again = tmp_path / "again.json"
    reverie("eval", "chains", "--generate", "3", "--seed", "5", "--save-suite", again)
    assert suite.read_text() == again.read_text()  # the same seed, the same chains
    chains = json.loads(suite.read_text())["chains"]
    assert len(chains) == 3 and all(len(c["chores"]) == 5 for c in chains)

    out = tmp_path / "reports"
    args = ["--executor", "scripted", "--limit", "1", "--out", out, "--runs", tmp_path / "runs"]
    proc = reverie("eval", "chains", suite, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["chains"] == 1 and result["executor"] == "scripted"
    assert len(result["success_at_length"]) == 5 and len(result["success_at_length_ci"]) == 5
    assert result["average_length"] == sum(result["success_at_length"])
    assert (out / "generated-3-seed5.scripted.json").exists()
    assert result["html"] == str(out / "generated-3-seed5.scripted.html")
    assert "data:image/png;base64," in (out / "generated-3-seed5.scripted.html").read_text()

    compared = reverie(
        "eval", "report", out / "generated-3-seed5.scripted.json", "--out", tmp_path / "c.html"
    )
    assert compared.returncode == 0 and (tmp_path / "c.html").exists(), compared.stderr


def test_eval_chains_refuses_bad_input(tmp_path):
    suite = tmp_path / "s.json"
    suite.write_text(json.dumps({"name": "short", "chains": [{"seed": 0, "chores": []}]}))
    for args, message in [
        ([], "give a chain suite file or --generate N, not neither"),
        ([suite, "--generate", "2"], "not both"),
        (["--generate", "0"], "--generate must be >= 1; got 0"),
        (
            ["--generate", "2", "--executor", "telepathy"],
            "valid: worldmodel, policy, scripted, random",
        ),
        (["--generate", "2", "--executor", "random", "--executor", "random"], "name each once"),
        ([suite, "--save-suite", tmp_path / "x.json"], "--save-suite writes --generate'd chains"),
        ([suite], "a chain holds exactly 5 chores; got 0"),
        ([tmp_path / "missing.json"], "no such chain suite file"),
        (["--generate", "1", "--out", suite], "is a file; pass a folder"),
    ]:
        bad = reverie("eval", "chains", *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
        assert "Traceback" not in bad.stderr
    for args, message in [
        ([tmp_path / "missing.json"], "no such report"),
        ([suite], "not a chain-eval report"),
    ]:
        bad = reverie("eval", "report", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
