"""Simulator speed: control steps per second with rendering at 64x64 and 128x128, against
physics alone in the same run, and the wall time to record N episodes with `reverie datagen`.

    .venv/bin/python benchmarks/sim_speed.py [--episodes 1000] [--workers 2] [--out FILE] [--json]
Target (issue 2): >= 200 steps/s at 64x64 on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from robot_bridge.sim.tabletop import TabletopSim  # noqa: E402
from worldmodel.data.datagen import DatagenConfig, run_datagen  # noqa: E402


def steps_per_second(image_size: int, render: bool, steps: int, repeats: int) -> list[float]:
    sim = TabletopSim(image_size=image_size)
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (steps, 4))
    rates = []
    for r in range(repeats):
        sim.reset(r)
        sim.render()  # the first frame creates the GL context; not part of the steady state
        t0 = time.perf_counter()
        for a in actions:
            sim.step(a)
            if render:
                sim.render()
        rates.append(steps / (time.perf_counter() - t0))
    sim.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--episodes", type=int, default=1000, help="episodes to record (0 skips)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/sim_speed.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    result: dict = {
        "benchmark": "sim_speed",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "mujoco_gl": os.environ["MUJOCO_GL"],
        "steps_per_run": args.steps,
        "repeats": args.repeats,
    }
    baseline = steps_per_second(64, render=False, steps=args.steps, repeats=args.repeats)
    result["physics_only_steps_per_s"] = round(statistics.median(baseline), 1)
    for size in (64, 128):
        rates = steps_per_second(size, render=True, steps=args.steps, repeats=args.repeats)
        median = statistics.median(rates)
        result[f"render_{size}_steps_per_s"] = round(median, 1)
        result[f"render_{size}_vs_physics_only"] = round(
            median / result["physics_only_steps_per_s"], 3
        )
    result["target_64_steps_per_s"] = 200
    result["meets_target"] = result["render_64_steps_per_s"] >= 200
    if args.episodes:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = DatagenConfig(
                episodes=args.episodes,
                out=Path(tmp),
                workers=args.workers,
                test_episodes=0,
                holdout_episodes=0,
            )
            t0 = time.perf_counter()
            summary = run_datagen(cfg)
            elapsed = time.perf_counter() - t0
        result["datagen"] = {
            "episodes": args.episodes,
            "workers": args.workers,
            "image_size": cfg.image_size,
            "seconds": round(elapsed, 1),
            "episodes_per_s": round(args.episodes / elapsed, 2),
            "frames": summary["splits"]["train"]["frames"],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(args.out)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>34}: {v}")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
