"""`reverie datagen`, `record-rollouts` and `record-takeovers` as a user runs them."""

import json
from pathlib import Path

import pytest

from tests.cli import reverie


@pytest.mark.parametrize(
    "args, message",
    [
        (["datagen", "--episodes", "0", "--out", "/tmp/x"], "--episodes"),
        (["record-takeovers", "--guidance", "2"], "No such option"),  # guidance is retired
        (["record-takeovers", "--checkpoints", "/nonexistent"], "no wm/ inside"),
        (["record-takeovers", "--workers", "0"], "--workers must be >= 1"),
        (["record-rollouts", "--episodes", "0"], "--episodes must be >= 1"),
    ],
)
def test_bad_input_gets_clear_error(args, message):
    proc = reverie(*args)
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
    first = json.loads(reverie(*args, check=True).stdout)
    assert first["splits"]["train"]["episodes"] == 3 and first["recorded_now"] == 5
    again = json.loads(reverie(*args, check=True).stdout)
    assert again["recorded_now"] == 0 and again["resumed_from"] == 5
    proc = reverie(*args[:-1], "--seed", "9")
    assert proc.returncode != 0 and "different seed" in proc.stderr


def test_record_rollouts_cli(tmp_path):
    out = tmp_path / "agent_rollouts.npz"
    summary = json.loads(
        reverie("record-rollouts", "--episodes", "1", "--out", out, "--json", check=True).stdout
    )
    assert summary["clips"] == 3 and out.is_file()
