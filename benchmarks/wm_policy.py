"""Imagine-then-invert as a policy, beside the behaviour-cloning baseline: per skill, the agent's
world-model executor (imagine N futures of the skill from the current camera frame, invert,
reject, let the judge pick, execute a chunk, re-imagine) and the behaviour-cloning policy (same
inputs, same data, actions straight from the network), each until the judge, gated by the
skill's effects on the perceived scene, says done twice in a row or the step budget runs out.
Success (simulator ground truth) against the scripted expert and random actions on the same
seeded tasks from unseen scene seeds, on seen (`--split seen`, the default) or held-out
compositions (`--split holdout`). Short of success, `*_median_closest_cm` says how near the hand
came to what the skill acts on (its block, the drawer's handle, the button), measured on the
simulator.

Offline, on recorded success episodes of `--offline-data` (skipped when missing): how well the
IDM actions of imagined rollouts point where the expert moved next (worldmodel.evaluation
`evaluate_policy`), with the real context frames and with the current frame alone, beside
carrying on with the last real action.

    .venv/bin/python benchmarks/wm_policy.py [--episodes 10] [--split seen|holdout|all]
        [--rollouts 4] [--out FILE] [--json] [--no-policy] [--checkpoints DIR]
        [--offline-data data/episodes/test] [--offline-windows 48]
        [--ablate grasp-guard early-grasps]
Targets (issue 19): the world-model executor at >= 80% of the scripted oracle's success for
every kind on seen compositions, >= 60% on held-out ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from agent.executors.gripper import GRASPING_SKILLS  # noqa: E402
from benchmarks.common import provenance, publish  # noqa: E402
from evals.skills_eval import (  # noqa: E402
    MAX_STEPS,
    RandomExecutor,
    ScriptedExecutor,
    WorldModelSkillExecutor,
    reach_target,
    run_episode,
    task_for,
)
from robot_bridge.sim.tabletop import TabletopSim  # noqa: E402
from skills.library import SKILL_KINDS  # noqa: E402

# --ablate NAME: the world-model executor's options with that part of its gripper control off
ABLATIONS = {
    "grasp-guard": {"grasp_guard": False},
    "early-grasps": {"reject_early_grasps": False},
}


def offline_moves(imaginer, split: Path, windows: int, rollouts: int) -> dict:
    """Imagined moves against the expert's on recorded episodes, with 2 and 1 context frames."""
    from worldmodel.evaluation import evaluate_policy
    from worldmodel.goals import episode_goals
    from worldmodel.training.cache import load_split

    data = load_split(split)
    goals = episode_goals(split, data.skills, data.args)
    out = {"split": str(split)}
    for shown in (imaginer.pipeline.model.config.context_frames, 1):
        out[f"context_{shown}"] = evaluate_policy(
            imaginer.pipeline,
            imaginer.idm,
            data,
            goals,
            windows=windows,
            rollouts=rollouts,
            steps=imaginer.steps,
            context=shown,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=10, help="tasks per skill")
    parser.add_argument("--rollouts", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3, help="Euler sampling steps")
    parser.add_argument("--seed", type=int, default=10_000, help="first task seed (unseen scenes)")
    parser.add_argument(
        "--split",
        choices=("all", "seen", "holdout"),
        default="seen",
        help="which compositions (skills/configs/holdout.json)",
    )
    parser.add_argument(
        "--no-policy", action="store_true", help="skip the behaviour-cloning baseline"
    )
    parser.add_argument("--skills", nargs="+", default=list(SKILL_KINDS))
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/wm_policy.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    parser.add_argument("--offline-data", type=Path, default=Path("data/episodes/test"))
    parser.add_argument("--offline-windows", type=int, default=48)
    parser.add_argument(
        "--ablate",
        nargs="+",
        choices=sorted(ABLATIONS),
        default=[],
        help="also run the world-model executor without this part of its gripper control "
        "(agent.executors.gripper) on the grasping skills: grasp-guard (closes wait for the "
        "block), early-grasps (rollouts closing out of reach are dropped)",
    )
    args = parser.parse_args()

    from worldmodel.imagine import Imaginer

    imaginer = Imaginer(args.checkpoints, steps=args.steps)
    sim = TabletopSim(image_size=imaginer.image_size)
    started = time.perf_counter()
    per_skill = {}
    executor = WorldModelSkillExecutor(rollouts=args.rollouts, imaginer=imaginer)
    policy = None
    if not args.no_policy:
        from agent.executors.policy import PolicyExecutor

        root = args.checkpoints or Path(__file__).resolve().parents[1] / "checkpoints"
        policy = WorldModelSkillExecutor(executor=PolicyExecutor(root / "policy"))
    ablated = {
        f"worldmodel_no_{name.replace('-', '_')}": WorldModelSkillExecutor(
            rollouts=args.rollouts, imaginer=imaginer, **ABLATIONS[name]
        )
        for name in args.ablate
    }
    for kind in args.skills if args.episodes > 0 else []:  # --episodes 0: offline moves only
        wins = {"worldmodel": 0, "scripted": 0, "random": 0}
        if policy is not None:
            wins["policy"] = 0
        variants = ablated if kind in GRASPING_SKILLS else {}
        wins.update(dict.fromkeys(variants, 0))
        reach = {name: [] for name in wins}  # closest approach to the object, per episode
        start = []  # the hand's distance from it when the skill begins
        for i in range(args.episodes):
            seed = args.seed + i
            call = task_for(sim, kind, seed, args.split)
            start.append(float(np.linalg.norm(sim.ee_pos() - reach_target(sim, call))))
            wins["scripted"] += run_episode(sim, ScriptedExecutor(), call, reach["scripted"])
            task_for(sim, kind, seed, args.split)
            wins["random"] += run_episode(sim, RandomExecutor(seed), call, reach["random"])
            if policy is not None:
                task_for(sim, kind, seed, args.split)
                ok = run_episode(sim, policy, call, reach["policy"])
                policy.outcome(ok)
                wins["policy"] += ok
            for name, variant in variants.items():
                task_for(sim, kind, seed, args.split)
                wins[name] += run_episode(sim, variant, call, reach[name])
            task_for(sim, kind, seed, args.split)
            success = run_episode(sim, executor, call, reach["worldmodel"])
            executor.outcome(success)
            wins["worldmodel"] += success
            if not args.json:
                bc = f", policy {bool(ok)}" if policy is not None else ""
                print(
                    f"{kind} #{i}: {call} -> success {success}, judge claimed {executor.claimed}"
                    f"{bc}",
                    file=sys.stderr,
                    flush=True,
                )
        per_skill[kind] = {
            "episodes": args.episodes,
            **{f"{k}_success_rate": round(v / args.episodes, 3) for k, v in wins.items()},
            "median_start_distance_cm": round(100 * float(np.median(start)), 1),
            **{
                f"{k}_median_closest_cm": round(100 * float(np.median(v)), 1)
                for k, v in reach.items()
            },
            **executor.stats(),
            **({"policy_stats": policy.stats()} if policy is not None else {}),
        }
    sim.close()
    offline = None
    if args.offline_data.is_dir() and args.offline_windows > 0:
        offline = offline_moves(imaginer, args.offline_data, args.offline_windows, args.rollouts)
    elif not args.json and args.offline_windows > 0:
        print(f"{args.offline_data}: not recorded; offline moves skipped", file=sys.stderr)
    target = 0.6 if args.split == "holdout" else 0.8
    for row in per_skill.values():  # against the oracle on the same scenes (the targets)
        for k in ("worldmodel", "policy"):
            if f"{k}_success_rate" in row and row["scripted_success_rate"]:
                row[f"{k}_vs_oracle"] = round(
                    row[f"{k}_success_rate"] / row["scripted_success_rate"], 3
                )
        row["meets_target"] = row.get("worldmodel_vs_oracle", 0) >= target
    overall = {
        f"{k}_success_rate": round(
            float(np.mean([s[f"{k}_success_rate"] for s in per_skill.values()])), 3
        )
        for k in ("worldmodel", "scripted", "random", "policy")
        if per_skill and all(f"{k}_success_rate" in s for s in per_skill.values())
    }
    result = {
        "benchmark": "wm_policy",
        **provenance(),
        "split": args.split,
        "target_vs_oracle": target,
        "rollouts": args.rollouts,
        "sampling_steps": args.steps,
        "horizon_frames": imaginer.horizon_frames,
        "max_steps": MAX_STEPS,
        "skills": per_skill,
        "overall": overall,
        "offline_moves": offline,
        "seconds": round(time.perf_counter() - started, 1),
    }
    publish(args.out, result, args.json)


if __name__ == "__main__":
    main()
