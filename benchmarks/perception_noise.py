"""What perception's position noise does to completion checking, planning and whole chores.

    .venv/bin/python benchmarks/perception_noise.py [--scenes 40] [--draws 5] [--chores 10]
        [--noise 0 0.003 0.005 0.01] [--sections effects planner chores] [--out FILE] [--json]

- effects: states reached by chaining 3 expert skills per scene (so receptacles fill and stacks
  form), each skill checked at a random point mid-way and at its end. For each noise level and
  draw, the skill's symbolic effects are checked on the noisy perceived scene (as the agent's
  judge does, `agent.judges.effects`) and compared with the simulator's success predicate; also
  how often a block's inferred placement differs from the one inferred from exact positions.
  The learned video judge reads camera frames only, which position noise does not touch.
- planner: the local planner on the same states, exact vs noisy perception: identical plans.
- chores: a suite of multi-subtask chores through the whole agent (scripted executor, learned
  judge), each noise level on the same seeds: success and the judge's subtask claims vs truth.

Each finished section is merged into FILE at once (earlier sections stay).
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
from types import SimpleNamespace

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from agent.judges.effects import effects_hold  # noqa: E402
from agent.perception import PerceivedScene  # noqa: E402
from robot_bridge.sim.experts import expert_actions  # noqa: E402
from robot_bridge.sim.perception import noisy_positions, perceived_placements  # noqa: E402
from robot_bridge.sim.predicates import is_success  # noqa: E402
from robot_bridge.sim.tabletop import TabletopSim  # noqa: E402
from skills.symbolic import feasible_calls  # noqa: E402

SECTIONS = ("effects", "planner", "chores")
CHAIN = 3  # skills per scene
PLANNER_CHORES = [
    "put everything in the bin",
    "put every block in the bowl",
    "tidy up: put everything in the drawer and close it",
    "put the red block in the drawer and leave it closed",
    "stack the blue block on the yellow block then put the red block in the bin",
    "put the green block in the bowl and press the button",
    "open the drawer and put the yellow block in it",
]
CHORE_SUITE = [  # benchmarks/agent_skills.py's five, and two that fill receptacles: chore i % 7
    "put the red block in the drawer and leave it closed",  # on scene seed i
    "put the green block in the bowl and press the button",
    "stack the blue block on the yellow block then put the red block in the bin",
    "open the drawer and put the yellow block in it",
    "put the blue block in the bin and turn the light on",
    "put every block in the bin",
    "put everything in the drawer and close it",
]


def _seen(sim: TabletopSim) -> dict:
    """Exact perception (positions after occlusion, articulation states) and the step."""
    obs = sim.observe()
    return {
        "objects": obs.objects,
        "object_states": obs.object_states,
        "placements": obs.placements,
        "step": sim.steps,
    }


def collect_states(scenes: int) -> list[dict]:
    """(skill, perceived start, a perceived state mid-way or at the end, truth there)."""
    sim = TabletopSim(position_noise=0.0, camera=False)
    rng = np.random.default_rng(0)
    cases = []
    for seed in range(scenes):
        sim.reset(seed)
        for _ in range(CHAIN):
            options = feasible_calls(sim.scene())
            if not options:
                break
            call = options[int(rng.integers(len(options)))]
            start, before = sim.scene(), _seen(sim)
            mid_at, mid = int(rng.integers(1, 40)), None
            for i, action in enumerate(expert_actions(sim, call)):
                sim.step(action)
                if i + 1 == mid_at:
                    mid = {**_seen(sim), "truth": is_success(call, sim.scene(), start)}
            end = {**_seen(sim), "truth": is_success(call, sim.scene(), start)}
            for state in (mid, end):
                if state is not None:
                    cases.append({"seed": seed, "call": call, "before": before, "now": state})
    sim.close()
    return cases


def _perceive(seen: dict, noise: float, seed: int, draw: int) -> PerceivedScene:
    objects = noisy_positions(seen["objects"], noise, seed * 1009 + draw, seen["step"])
    placements = perceived_placements(objects)  # the robot's perception, on its noisy positions
    return PerceivedScene.from_observation(
        SimpleNamespace(objects=objects, object_states=seen["object_states"], placements=placements)
    )


def effects_section(cases: list[dict], levels: list[float], draws: int) -> dict:
    out = {}
    exact_placements = [
        PerceivedScene.from_observation(SimpleNamespace(**c["now"])).placement for c in cases
    ]
    for noise in levels:
        counts = {"checks": 0, "cannot_tell": 0, "agree": 0, "false_done": 0, "false_not_done": 0}
        by_skill: dict[str, list[int]] = {}
        flips = placements = 0
        for case, exact in zip(cases, exact_placements, strict=True):
            for draw in range(draws):
                before = _perceive(case["before"], noise, case["seed"], draw)
                now = _perceive(case["now"], noise, case["seed"], draw)
                placements += len(exact)
                flips += sum(now.placement.get(b) != p for b, p in exact.items())
                said, truth = effects_hold(case["call"], before, now), case["now"]["truth"]
                counts["checks"] += 1
                if said is None:
                    counts["cannot_tell"] += 1
                    continue
                counts["agree"] += said == truth
                counts["false_done"] += said and not truth
                counts["false_not_done"] += truth and not said
                row = by_skill.setdefault(case["call"].skill, [0, 0])
                row[0] += said != truth
                row[1] += 1
        told = counts["checks"] - counts["cannot_tell"]
        out[f"{noise:g}"] = {
            **counts,
            "agreement": round(counts["agree"] / told, 4) if told else None,
            "placement_flip_rate": round(flips / placements, 4) if placements else None,
            "disagreements_by_skill": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_skill.items())},
        }
    scenes = len({c["seed"] for c in cases})
    return {"scenes": scenes, "states": len(cases), "draws": draws, "levels": out}


def planner_section(cases: list[dict], levels: list[float], draws: int) -> dict:
    """Plans from noisy perception against plans from exact perception, on the same states: the
    same plan, or one that reaches the same final state from the true state (blocks on the table
    moved in another order), or a different outcome (another plan, or a refusal where the other
    planned)."""
    from agent.planners.base import PlanningError
    from agent.planners.local import LocalPlanner
    from skills.library import SkillCall
    from skills.symbolic import apply_effects, unmet_preconditions

    planner = LocalPlanner()

    def plan(scene: PerceivedScene, chore: str) -> list[SkillCall] | None:
        try:
            steps = planner.plan(chore, scene).steps
        except PlanningError:
            return None
        return [SkillCall(skill=s.skill, args=s.args) for s in steps]

    def outcome(calls: list[SkillCall], truth: PerceivedScene):
        state = truth.symbolic()
        for call in calls:
            if unmet_preconditions(call, state):
                return None
            state = apply_effects(call, state)
        return state

    starts = list({id(c["before"]): c["before"] for c in cases}.values())  # each skill's start
    truths = [_perceive(s, 0.0, 0, 0) for s in starts]
    exact = [[plan(t, chore) for chore in PLANNER_CHORES] for t in truths]
    out = {}
    for noise in levels:
        counts = {"plans": 0, "identical": 0, "same_outcome": 0, "refused_both": 0}
        examples = []
        for i, (start, truth) in enumerate(zip(starts, truths, strict=True)):
            for draw in range(draws):
                scene = _perceive(start, noise, i, draw)
                for j, chore in enumerate(PLANNER_CHORES):
                    got, want = plan(scene, chore), exact[i][j]
                    counts["plans"] += 1
                    if got is None or want is None:
                        counts["refused_both"] += got is None and want is None
                        same = got is None and want is None
                    else:
                        counts["identical"] += got == want
                        reached = outcome(got, truth)
                        same = reached is not None and reached == outcome(want, truth)
                    counts["same_outcome"] += same
                    if not same and len(examples) < 4:
                        examples.append(
                            {
                                "chore": chore,
                                "exact": "refused" if want is None else _calls(want),
                                "noisy": "refused" if got is None else _calls(got),
                            }
                        )
        n = counts["plans"]
        out[f"{noise:g}"] = {
            **counts,
            "same_outcome_rate": round(counts["same_outcome"] / n, 4),
            "identical_or_refused_rate": round(
                (counts["identical"] + counts["refused_both"]) / n, 4
            ),
            "examples": examples,
        }
    return {"states": len(starts), "draws": draws, "chores": len(PLANNER_CHORES), "levels": out}


def _calls(calls) -> list[str]:
    return [f"{c.skill}({', '.join(c.args.values())})" for c in calls]


def chores_section(count: int, levels: list[float]) -> dict:
    from evals.chores_eval import ChoreSuite, SuiteEntry, eval_chores

    suite = ChoreSuite(
        name="perception-noise",
        chores=[
            SuiteEntry(chore=chore, seeds=list(range(k, count, len(CHORE_SUITE))))
            for k, chore in enumerate(CHORE_SUITE[:count])
        ],
    )
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for noise in levels:
            settings = {
                "executor": "scripted",
                "rollouts": 1,
                "max_replans": 1,
                "planner": "local",
                "judge": "local",
                "position_noise": noise,
            }
            report = eval_chores(suite, settings, Path(tmp) / f"{noise:g}.json", Path(tmp))
            overall, runs = report["overall"], report["runs"]
            done = [r for r in runs if "refused" not in r]
            out[f"{noise:g}"] = {
                "chores": len(done),
                "refused": overall["refused"],
                "success_rate": overall["success_rate"],
                "claimed_rate": round(sum(r["claimed"] for r in done) / len(done), 4)
                if done
                else None,
                "judge_subtask_agreement": overall["subtask_claims_agreeing"],
                "replans": sum(r["replans"] for r in done),
                "median_seconds_per_subtask": overall["median_seconds_per_subtask"],
                "runs": [
                    {k: r.get(k) for k in ("chore", "seed", "success", "claimed", "replans")}
                    for r in runs
                ],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenes", type=int, default=40, help="scenes of chained skills")
    parser.add_argument("--draws", type=int, default=5, help="noise draws per state")
    parser.add_argument("--chores", type=int, default=14, help="chores per noise level")
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.003, 0.005, 0.01])
    parser.add_argument(
        "--chore-noise", type=float, nargs="+", default=[0.0, 0.003], help="levels for chores"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/perception_noise.json")
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args()
    result = json.loads(args.out.read_text()) if args.out.is_file() else {}
    result.setdefault("seconds", {})
    cases = None
    for section in args.sections:
        started = time.perf_counter()
        if section in ("effects", "planner") and cases is None:
            cases = collect_states(args.scenes)
        if section == "effects":
            result["effects"] = effects_section(cases, args.noise, args.draws)
        elif section == "planner":
            result["planner"] = planner_section(cases, args.noise, args.draws)
        else:
            result["chores"] = chores_section(args.chores, args.chore_noise)
        result["seconds"][section] = round(time.perf_counter() - started, 1)
        result.update(
            benchmark="perception_noise",
            date=date.today().isoformat(),
            machine=f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
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
