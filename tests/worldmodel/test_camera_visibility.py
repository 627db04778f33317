"""benchmarks/camera_visibility.py: the shipped head camera confuses the hand's y and z moves."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_camera_confuses_y_and_z_and_the_candidate_does_not(tmp_path):
    out = tmp_path / "vis.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/camera_visibility.py", "--episodes", "1", "--json"]
        + ["--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert json.loads(proc.stdout) == result
    shipped, candidate = (result["cameras"][k]["all"] for k in ("shipped", "candidate"))
    assert shipped["separation"]["y_z"] < 0.5 < candidate["separation"]["y_z"]
    assert shipped["positions"] == candidate["positions"] > 50
    assert all(v > 0.3 for v in shipped["px_per_cm"].values())
