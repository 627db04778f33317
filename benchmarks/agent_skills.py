"""Agent quality: success rate of the world-model executor per skill kind beside the scripted
oracle and random actions (same seeded scenes, same run), on seen and held-out compositions, with
1 vs N rollouts; multi-subtask chores with and without replanning, and with the scripted experts;
wall time per subtask and per imagine call; how often the judge's completion claim disagrees with
ground truth (per chore setting, and per skill kind for the world-model executor).

    .venv/bin/python benchmarks/agent_skills.py [--episodes 20] [--chores 10] [--out FILE] [--json]
        [--sections seen holdout chores]

Each finished section is merged into FILE at once (earlier sections stay), so a long run can be
split over several invocations and an interruption loses at most one section.
Targets (issue 19): world model >= 80% of the oracle's rate per kind on seen compositions and
>= 60% on held-out ones, the behaviour-cloning policy beside it; chores >= 70% done with the
world-model executor; <= 60 s per subtask; judge claims agree with ground truth >= 90%.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.chores_eval import ChoreSuite, SuiteEntry, eval_chores  # noqa: E402
from evals.skills_eval import (  # noqa: E402
    RandomExecutor,
    ScriptedExecutor,
    WorldModelSkillExecutor,
    eval_skills,
)

SECTIONS = ("seen", "holdout", "chores")
CHORES = [
    "put the red block in the drawer and leave it closed",
    "put the green block in the bowl and press the button",
    "stack the blue block on the yellow block then put the red block in the bin",
    "open the drawer and put the yellow block in it",
    "put the blue block in the bin and turn the light on",
]


def skills_section(split: str, episodes: int, rollouts: int) -> dict:
    """Per skill kind on one split: the oracle, random actions, the behaviour-cloning policy and
    the world-model executor with 1 and `rollouts` rollouts, on the same seeded scenes."""
    from agent.executors.policy import PolicyExecutor

    rows = {
        "policy": eval_skills(
            WorldModelSkillExecutor(executor=PolicyExecutor()), episodes, split=split
        ),
        "scripted": eval_skills(ScriptedExecutor(), episodes, split=split),
        "random": eval_skills(RandomExecutor(), episodes, split=split),
        "worldmodel_1": eval_skills(WorldModelSkillExecutor(rollouts=1), episodes, split=split),
        f"worldmodel_{rollouts}": eval_skills(
            WorldModelSkillExecutor(rollouts=rollouts), episodes, split=split
        ),
    }
    table = {}
    for kind, oracle in rows["scripted"]["skills"].items():
        table[kind] = {name: r["skills"][kind] for name, r in rows.items()}
        best = rows[f"worldmodel_{rollouts}"]["skills"][kind]["success_rate"]
        policy = rows["policy"]["skills"][kind]["success_rate"]
        for name, rate in (("worldmodel", best), ("policy", policy)):
            table[kind][f"{name}_vs_oracle"] = (
                round(rate / oracle["success_rate"], 3) if oracle["success_rate"] else None
            )
    return table


# (label, executor, replans allowed). The scripted experts succeed, so their chores measure the
# judge's "done" claims on subtasks that really are done, which the failing world-model runs cannot.
CHORE_SETTINGS = (
    ("with_replanning", "worldmodel", 1),
    ("without_replanning", "worldmodel", 0),
    ("scripted_oracle", "scripted", 0),
)


def chores_section(count: int, rollouts: int) -> dict:
    """Multi-subtask chores with the world-model executor, with and without replanning, and with
    the scripted experts (the judge still decides when each subtask is done): chore i of `count`
    is CHORES[i % 5] on scene seed i, run as a suite by `reverie eval chores`."""
    suite = ChoreSuite(
        name="agent-skills",
        chores=[
            SuiteEntry(chore=chore, seeds=list(range(k, count, len(CHORES))))
            for k, chore in enumerate(CHORES[:count])
        ],
    )
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, executor, replans in CHORE_SETTINGS:
            settings = {
                "executor": executor,
                "rollouts": rollouts,
                "max_replans": replans,
                "planner": "local",
                "judge": "local",
            }
            report = eval_chores(suite, settings, Path(tmp) / f"{label}.json", Path(tmp))
            overall = report["overall"]
            out[label] = {
                "chores": overall["runs"] - overall["refused"],
                "success_rate": overall["success_rate"],
                "median_seconds_per_subtask": overall["median_seconds_per_subtask"],
                "judge_agreement": overall["subtask_claims_agreeing"],
                "runs": report["runs"],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--episodes", type=int, default=20, help="seeded scenes per skill kind and split"
    )
    parser.add_argument("--chores", type=int, default=10, help="multi-subtask chores per setting")
    parser.add_argument("--rollouts", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/agent_skills.json"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="what to run"
    )
    args = parser.parse_args()
    result = json.loads(args.out.read_text()) if args.out.is_file() else {}
    result.setdefault("skills", {})
    result.setdefault("seconds", {})
    for section in args.sections:
        started = time.perf_counter()
        if section == "chores":
            result["chores"] = chores_section(args.chores, args.rollouts)
        else:
            result["skills"][section] = skills_section(section, args.episodes, args.rollouts)
        result["seconds"][section] = round(time.perf_counter() - started, 1)
        result.update(
            benchmark="agent_skills",
            date=date.today().isoformat(),
            machine=f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            episodes_per_kind=args.episodes,
            rollouts=args.rollouts,
        )
        _write(args.out, result)
        print(f"{section}: done in {result['seconds'][section]} s", file=sys.stderr)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


def _write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)


if __name__ == "__main__":
    main()
