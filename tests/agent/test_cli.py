import json
import subprocess
import sys
from pathlib import Path

import pytest

REVERIE = [sys.executable, "-m", "agent"]


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*REVERIE, *args], capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_scene_json_shape():
    scene = json.loads(run("scene", "--seed", "7", "--json").stdout)
    assert scene["seed"] == 7 and isinstance(scene["drawer_open"], bool)
    assert isinstance(scene["light_on"], bool)
    blocks = [o["id"] for o in scene["objects"] if o["id"].endswith("_block")]
    assert sorted(r[1] for r in scene["relations"]) == sorted(blocks)
    assert all(len(o["position"]) == 3 for o in scene["objects"])


def test_eval_skills_scripted_json():
    result = json.loads(
        run("eval", "skills", "--executor", "scripted", "--episodes", "2", "--json").stdout
    )
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


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["eval", "skills", "--executor", "telepathy"],
            "valid executors: scripted, random, worldmodel",
        ),
        (["scene", "--seed", "-1"], "--seed must be >= 0"),
        (["datagen", "--episodes", "0", "--out", "/tmp/x"], "--episodes"),
        (["record-takeovers", "--guidance", "2"], "No such option"),  # guidance is retired
        (["record-takeovers", "--checkpoints", "/nonexistent"], "no wm/ inside"),
        (["record-takeovers", "--workers", "0"], "--workers must be >= 1"),
    ],
)
def test_bad_input_gets_clear_error(args, message):
    proc = run(*args, check=False)
    assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr


def test_datagen_cli_writes_and_resumes(tmp_path: Path):
    args = [
        "datagen",
        "--episodes",
        "3",
        "--out",
        str(tmp_path),
        "--image-size",
        "32",
        "--test-episodes",
        "1",
        "--holdout-episodes",
        "1",
        "--json",
    ]
    first = json.loads(run(*args).stdout)
    assert first["splits"]["train"]["episodes"] == 3 and first["recorded_now"] == 5
    again = json.loads(run(*args).stdout)
    assert again["recorded_now"] == 0 and again["resumed_from"] == 5
    proc = run(*args[:-1], "--seed", "9", check=False)
    assert proc.returncode != 0 and "different seed" in proc.stderr


def test_demo_writes_a_video(tmp_path: Path):
    proc = run("demo", "--runs", str(tmp_path), "--executor", "scripted", "--json")
    summary = json.loads(proc.stdout)
    assert summary["success_claimed"] and len(summary["plan"]) == 3
    assert summary["ground_truth"]["success"]
    video = Path(summary["video"])
    assert video.exists() and video.stat().st_size > 5_000
    assert ["in", "red_block", "drawer"] in summary["final_scene"]["relations"]


def test_plan_json_and_refusal():
    result = json.loads(
        run(
            "plan", "put the red block in the drawer and leave it closed", "--seed", "0", "--json"
        ).stdout
    )
    assert result["chore"].startswith("put the red block") and result["seed"] == 0
    assert [s["skill"] for s in result["plan"]] == ["open_drawer", "pick_place", "close_drawer"]
    assert result["plan"][1] == {
        "skill": "pick_place",
        "args": {"object": "red_block", "target": "drawer"},
        "instruction": "put the red block in the drawer",
    }
    proc = run("plan", "put the purple cup in the bowl", check=False)
    assert proc.returncode != 0 and "purple cup" in proc.stderr and "in this scene:" in proc.stderr


def test_record_rollouts_cli(tmp_path):
    out = tmp_path / "agent_rollouts.npz"
    summary = json.loads(
        run("record-rollouts", "--episodes", "1", "--out", str(out), "--json").stdout
    )
    assert summary["clips"] == 3 and out.is_file()
    refused = run("record-rollouts", "--episodes", "0", check=False)
    assert refused.returncode != 0 and "--episodes must be >= 1" in refused.stderr
