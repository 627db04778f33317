"""Speed of one world-model policy step: imagine 4 rollouts of one chunk from a simulated scene
(skill, goal maps from perception, proprioception) and invert them with the IDM (median over runs,
after one warm-up); the robot time one call covers (the chunk the executor carries out, and the
whole imagined horizon) and the real-time factor (robot seconds per wall second). The simulator's
time to execute that horizon is measured in the same run as a reference.

    .venv/bin/python benchmarks/wm_speed.py [--runs 10] [--rollouts 4] [--steps 3] [--out FILE] [--json]
Targets (issue 19): median <= 0.5 s, real-time factor >= 2, on this 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.common import provenance, publish  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rollouts", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3, help="Euler sampling steps")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/wm_speed.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from agent.executors.worldmodel import DEFAULT_CHUNK
    from evals.skills_eval import task_for
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.goals import goal_points
    from worldmodel.imagine import Imaginer

    imaginer = Imaginer(args.checkpoints, steps=args.steps)
    sim = TabletopSim(image_size=imaginer.image_size)
    timings: dict[str, list[float]] = {}
    sim_s = []
    for run in range(args.runs + 1):
        call = task_for(sim, "pick_place", run)
        obs = sim.observe()
        state = np.array([*obs.ee_pos, obs.gripper], np.float32)
        result = imaginer.imagine(
            obs.image[None],
            call.instruction(),
            call.skill,
            state,
            rollouts=args.rollouts,
            seed=run,
            goals=goal_points(call.skill, call.args, obs.objects),
        )
        if run == 0:
            continue  # warm-up: first-call allocations
        for k, v in result.timings.items():
            timings.setdefault(k, []).append(v)
        t0 = time.perf_counter()
        for a in result.actions[result.best]:
            sim.step(np.asarray(a, np.float64))
            sim.render()
        sim_s.append(time.perf_counter() - t0)
    sim.close()
    med = {k: round(statistics.median(v), 4) for k, v in timings.items()}
    chunk_s = DEFAULT_CHUNK / imaginer.fps  # robot time the executor carries out per call
    horizon_s = imaginer.horizon_frames / imaginer.fps  # robot time one call plans
    per_call_s = med["imagine_invert_s"] + med["judge_s"]
    realtime = round(horizon_s / per_call_s, 2)
    result = {
        "benchmark": "wm_speed",
        **provenance(),
        "runs": args.runs,
        "rollouts": args.rollouts,
        "sampling_steps": args.steps,
        "load_s": round(imaginer.load_s, 3),
        "imagine_invert_s_median": med["imagine_invert_s"],
        "imagine_invert_s_all": [round(v, 4) for v in timings["imagine_invert_s"]],
        "imagine_s_median": med["imagine_s"],
        "invert_s_median": med["invert_s"],
        "judge_s_median": med["judge_s"],
        "horizon_frames": imaginer.horizon_frames,
        "horizon_s": imaginer.horizon_frames / imaginer.fps,
        "robot_s_planned_per_call": horizon_s,
        "robot_s_executed_per_call": chunk_s,
        "realtime_factor": realtime,
        "realtime_factor_executed": round(chunk_s / per_call_s, 2),
        "sim_execute_horizon_s_median": round(statistics.median(sim_s), 4),
        "target_s": 0.5,
        "meets_target": med["imagine_invert_s"] <= 0.5 and realtime >= 2,
    }
    publish(args.out, result, args.json)


if __name__ == "__main__":
    main()
