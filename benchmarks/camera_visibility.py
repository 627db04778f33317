"""How well the head camera shows which way the hand moves: the scripted experts run on seeded
tasks of every skill kind, and at each hand position of their paths a 1 cm move along x, y and z
is projected into the 64-pixel image of the shipped camera (the baseline) and of a candidate
placement, in the same run.

Why: the world model imagines the robot's future only as pixels, and the IDM reads actions back
from them. The shipped camera sits behind the robot, looking forward and down at about 44 degrees,
so moving the hand away (+y) and moving it up (+z) both move it up the image: the two directions
are told apart only by faint cues (perspective, shadow), and the IDM reads about half of the
experts' y and z moves. "separation" is |sin| of the angle between two axes' image directions:
1 when they move the hand at right angles in the image, 0 when they look alike.

    .venv/bin/python benchmarks/camera_visibility.py [--episodes 10] [--candidate X Y Z] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from evals.skills_eval import MAX_STEPS, task_for  # noqa: E402
from robot_bridge.sim import layout as L  # noqa: E402
from robot_bridge.sim.experts import expert_actions  # noqa: E402
from robot_bridge.sim.tabletop import TabletopSim  # noqa: E402
from skills.library import SKILL_KINDS  # noqa: E402
from worldmodel.camera import project  # noqa: E402
from worldmodel.checkpoint import atomic_write_text  # noqa: E402

IMAGE = 64  # pixels, the models' frame size


def expert_paths(episodes: int, seed: int) -> dict[str, list[np.ndarray]]:
    """Hand positions (T, 3) of the scripted experts, per skill kind."""
    sim = TabletopSim(image_size=IMAGE)
    paths: dict[str, list[np.ndarray]] = {kind: [] for kind in SKILL_KINDS}
    for kind in SKILL_KINDS:
        for i in range(episodes):
            call = task_for(sim, kind, seed + i)
            hand = [sim.ee_pos().copy()]
            for step, action in enumerate(expert_actions(sim, call)):
                if step >= MAX_STEPS:
                    break
                sim.step(action)
                hand.append(sim.ee_pos().copy())
            paths[kind].append(np.asarray(hand, np.float32))
    sim.close()
    return paths


def visibility(paths: list[np.ndarray], camera) -> dict:
    """At every hand position of the paths: how many pixels a 1 cm move along x, y and z shifts
    the hand in the image, and how distinguishable the three directions are (|sin| of the angle
    between their image directions: 0 when two axes move the hand the same way in the image)."""
    hand = torch.from_numpy(np.concatenate(paths))
    now = project(hand, camera)
    columns = []
    for axis in range(3):
        moved = hand.clone()
        moved[:, axis] += 0.01
        columns.append((project(moved, camera) - now).numpy() * IMAGE / 2)
    jx, jy, jz = columns

    def separation(a, b):
        cross = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        return cross / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)

    return {
        "positions": int(len(hand)),
        "px_per_cm": {
            name: round(float(np.median(np.linalg.norm(j, axis=1))), 3)
            for name, j in zip("xyz", columns, strict=True)
        },
        "separation": {
            "x_y": round(float(np.median(separation(jx, jy))), 3),
            "x_z": round(float(np.median(separation(jx, jz))), 3),
            "y_z": round(float(np.median(separation(jy, jz))), 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=10, help="seeded tasks per skill kind")
    parser.add_argument("--seed", type=int, default=10_000)
    parser.add_argument(
        "--candidate",
        type=float,
        nargs=3,
        default=[0.5, -0.4, 0.55],
        metavar=("X", "Y", "Z"),
        help="candidate camera position (metres), looking at the same point",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/camera_visibility.json")
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    if args.episodes < 1:
        parser.error(f"--episodes must be >= 1; got {args.episodes}")
    cameras = {
        "shipped": (L.CAMERA_POS, L.CAMERA_TARGET, L.CAMERA_FOVY_DEG),
        "candidate": (tuple(args.candidate), L.CAMERA_TARGET, L.CAMERA_FOVY_DEG),
    }
    paths = expert_paths(args.episodes, args.seed)
    per_camera = {}
    for name, camera in cameras.items():
        per_camera[name] = {
            "position": list(camera[0]),
            "target": list(camera[1]),
            "skills": {kind: visibility(p, camera) for kind, p in paths.items()},
            "all": visibility([h for p in paths.values() for h in p], camera),
        }
    result = {
        "benchmark": "camera_visibility",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": " ".join(sys.argv),
        "episodes_per_kind": args.episodes,
        "image_pixels": IMAGE,
        "cameras": per_camera,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
        return
    for name, c in per_camera.items():
        print(f"{name} camera at {c['position']} (medians over the experts' hand positions):")
        for kind, v in {**c["skills"], "all": c["all"]}.items():
            px, sep = v["px_per_cm"], v["separation"]
            print(
                f"  {kind:>13}: px per cm x {px['x']:.2f} y {px['y']:.2f} z {px['z']:.2f}; "
                f"separation x/y {sep['x_y']:.2f} x/z {sep['x_z']:.2f} y/z {sep['y_z']:.2f}"
            )


if __name__ == "__main__":
    main()
