"""`reverie scene`, `plan`, `do`, `resume` and `demo` as a user runs them: real processes on the
embedded simulated robot."""

import json
import time
from pathlib import Path

import pytest

from tests.cli import reverie


def test_scene_json_shape():
    scene = json.loads(reverie("scene", "--seed", "7", "--json", check=True).stdout)
    assert scene["seed"] == 7 and isinstance(scene["drawer_open"], bool)
    assert isinstance(scene["light_on"], bool)
    blocks = [o["id"] for o in scene["objects"] if o["id"].endswith("_block")]
    assert sorted(r[1] for r in scene["relations"]) == sorted(blocks)
    assert all(len(o["position"]) == 3 for o in scene["objects"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["scene", "--seed", "-1"], "--seed must be >= 0"),
        (["plan", "open the drawer", "--seed", "-2"], "--seed must be >= 0; got -2"),
        (["do", "open the drawer", "--rollouts", "65"], "--rollouts must be between 1 and 64"),
        (
            ["do", "open the drawer", "--position-noise", "-0.001"],
            "--position-noise must be a standard deviation in metres from 0 (exact) to 0.05",
        ),
    ],
)
def test_bad_input_gets_clear_error(args, message):
    proc = reverie(*args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_demo_writes_a_video(tmp_path: Path):
    proc = reverie("demo", "--runs", tmp_path, "--executor", "scripted", "--json", check=True)
    summary = json.loads(proc.stdout)
    assert summary["success_claimed"] and len(summary["plan"]) == 3
    assert summary["ground_truth"]["success"]
    video = Path(summary["video"])
    assert video.exists() and video.stat().st_size > 5_000
    assert ["in", "red_block", "drawer"] in summary["final_scene"]["relations"]


def test_plan_json_and_refusal():
    chore = "put the red block in the drawer and leave it closed"
    result = json.loads(reverie("plan", chore, "--seed", "0", "--json", check=True).stdout)
    assert result["chore"].startswith("put the red block") and result["seed"] == 0
    assert [s["skill"] for s in result["plan"]] == ["open_drawer", "pick_place", "close_drawer"]
    assert result["plan"][1] == {
        "skill": "pick_place",
        "args": {"object": "red_block", "target": "drawer"},
        "instruction": "put the red block in the drawer",
    }
    proc = reverie("plan", "put the purple cup in the bowl")
    assert proc.returncode != 0 and "purple cup" in proc.stderr and "in this scene:" in proc.stderr


def test_do_refusals_and_unreachable_robot(tmp_path):
    def do(*args):
        return reverie("do", *args, cwd=tmp_path, timeout=120)

    proc = do("put the purple cup in the bowl", "--executor", "scripted")
    assert proc.returncode == 2 and "purple cup" in proc.stderr and "the robot can:" in proc.stderr
    proc = do("", "--executor", "scripted")
    assert proc.returncode == 2 and "empty" in proc.stderr
    started = time.monotonic()
    proc = do("press the button", "--robot", "127.0.0.1:9", "--judge", "vlm")
    assert (
        proc.returncode != 0 and "did not answer" in proc.stderr and "Traceback" not in proc.stderr
    )
    assert time.monotonic() - started < 60
    proc = reverie("resume", "no-such-run", cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and "no run 'no-such-run'" in proc.stderr
