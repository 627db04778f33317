"""Does evaluating a policy inside the world model predict how it does on the robot? (issue 22)

For each of several policies of clearly different quality (the behaviour-cloning policy, the same
policy with 25 / 50 / 75% of its chunks replaced by random actions, random actions, and the
world-model executor), measure its real success in the simulator and its predicted success
inside the action-conditioned world model (`evals.in_world_model`: the policy acts on imagined
frames from one real first frame, the judge scores the imagined video) on the same seeded tasks
from unseen scenes. Report Pearson r, Spearman rho and the Mean Maximum Rank Violation between
the two, as SIMPLER validated its simulated evaluation, and the cost of an episode either way.

    .venv/bin/python benchmarks/wm_evaluation.py [--episodes 3] [--seed 10000] [--json]
        [--policies policy policy+25 policy+50 policy+75 random worldmodel] [--checkpoints DIR]

Targets (issue 22): Pearson >= 0.9 and MMRV <= 0.05 over >= 6 policies.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import provenance, publish  # noqa: E402
from evals.in_world_model import (  # noqa: E402
    agreement,
    evaluate_in_world_model,
    executor_by_name,
)
from skills.library import SKILL_KINDS  # noqa: E402

POLICIES = ("policy", "policy+25", "policy+50", "policy+75", "random", "worldmodel")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=3, help="tasks per skill kind")
    parser.add_argument("--seed", type=int, default=10_000, help="first task seed (unseen)")
    parser.add_argument("--policies", nargs="+", default=list(POLICIES))
    parser.add_argument("--skills", nargs="+", default=list(SKILL_KINDS))
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/wm_evaluation.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    if args.episodes < 1:
        parser.error("--episodes must be at least 1")
    if len(args.policies) < 2:
        parser.error("--policies needs at least 2 policies to compare")

    from worldmodel.imagine import Imaginer

    imaginer = Imaginer(args.checkpoints)
    started = time.perf_counter()
    rows = []
    for name in args.policies:
        try:
            executor = executor_by_name(name, imaginer, args.checkpoints, args.seed)
        except ValueError as exc:
            parser.error(str(exc))
        row = evaluate_in_world_model(
            executor,
            imaginer,
            args.episodes,
            seed=args.seed,
            kinds=tuple(args.skills),
            real=True,
        )
        row["policy"] = name
        rows.append(row)
        if not args.json:
            print(
                f"{name:<12} real {row['real_success_rate']:.3f}  predicted "
                f"{row['predicted_success_rate']:.3f}  ({row['seconds_per_real_episode']:.1f} s / "
                f"{row['seconds_per_imagined_episode']:.1f} s per episode)",
                file=sys.stderr,
                flush=True,
            )
    real = [r["real_success_rate"] for r in rows]
    predicted = [r["predicted_success_rate"] for r in rows]
    real_s = sum(r["seconds_per_real_episode"] for r in rows) / len(rows)
    imagined_s = sum(r["seconds_per_imagined_episode"] for r in rows) / len(rows)
    result = {
        "benchmark": "wm_evaluation",
        **provenance(),
        "episodes_per_skill": args.episodes,
        "skills": args.skills,
        "policies": [
            {
                "name": r["policy"],
                "real_success": r["real_success_rate"],
                "predicted_success": r["predicted_success_rate"],
                "per_skill": r["skills"],
            }
            for r in rows
        ],
        **agreement(real, predicted),
        "targets": {"pearson": 0.9, "mmrv": 0.05},
        "seconds_per_episode": {
            "simulator": round(real_s, 2),
            "world_model": round(imagined_s, 2),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    publish(args.out, result, args.json)


if __name__ == "__main__":
    main()
