"""The local planner on chores phrased the way people talk: accuracy on a tuned and a held-out third.

Every case of benchmarks/data/planner_paraphrases.jsonl (generated from the phrasings in
planner_paraphrase_templates.py plus hand-written chores) gives a scene seed, an optional setup of
skill calls applied to it, the chore, and the expected final scene: where blocks end up (blocks not
named stay where they were, unless the case only asks for a count), the drawer and the light; or a
refusal, with the words it must name. A plan is right when executing it symbolically
(skills/symbolic.py: every step's preconditions must hold) reaches the expected final scene.

The baseline is the planner as it was before issue 20 (`--baseline-ref`, read from git), measured in
the same run. Held-out phrasings were written before the planner was changed and never tuned on.

    .venv/bin/python benchmarks/planner_paraphrases.py [--failures tuned] [--out FILE] [--json]
Target (issue 20): >= 95% of held-out paraphrases planned to the expected final scene.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import types
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.perception import PerceivedScene  # noqa: E402
from agent.planners.base import PlanningError  # noqa: E402
from agent.planners.local import LocalPlanner  # noqa: E402
from agent.planning import perceive_seed  # noqa: E402
from skills.library import SkillCall  # noqa: E402
from skills.symbolic import SymbolicState, apply_effects, unmet_preconditions  # noqa: E402

DATA = Path(__file__).with_name("data") / "planner_paraphrases.jsonl"
BASELINE_REF = "2443fbc"  # main before issue 20's planner work
READING = re.compile(r"closest reading|did you mean", re.IGNORECASE)


def load_cases(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def baseline_planner(ref: str):
    """The local planner module as it was at `ref`, loaded from git without touching the tree."""
    source = subprocess.run(
        ["git", "show", f"{ref}:agent/planners/local.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("baseline_local_planner")
    sys.modules[module.__name__] = module  # dataclasses look their module up here
    exec(compile(source, f"{ref}:agent/planners/local.py", "exec"), module.__dict__)
    return module.LocalPlanner()


def start_scene(case: dict, cache: dict[int, PerceivedScene]) -> PerceivedScene:
    """The perceived scene of the seed, after the case's setup (applied symbolically)."""
    if case["seed"] not in cache:
        cache[case["seed"]] = perceive_seed(case["seed"])
    scene = cache[case["seed"]]
    state = scene.symbolic()
    for call in case.get("setup", []):
        state = apply_effects(SkillCall(**call), state)
    return replace(
        scene,
        drawer_open=state.drawer_open,
        drawer_state="open" if state.drawer_open else "closed",
        light_on=state.light_on,
        placement=dict(state.placement),
    )


def execute(steps, state: SymbolicState) -> tuple[SymbolicState | None, str]:
    for step in steps:
        call = SkillCall(skill=step.skill, args=step.args)
        reasons = unmet_preconditions(call, state)
        if reasons:
            return None, f"{call}: {'; '.join(reasons)}"
        state = apply_effects(call, state)
    return state, ""


def reached(expect: dict, start: SymbolicState, final: SymbolicState) -> str:
    """Empty when `final` is the expected final scene, else what differs."""
    placement = {k: tuple(v) for k, v in expect.get("placement", {}).items()}
    free = "count_in" in expect or "count_on_blocks" in expect
    for block, where in final.placement.items():
        want = placement.get(block, None if free else start.placement[block])
        if want is not None and where != want:
            return f"{block} is {where}, expected {want}"
    for receptacle, n in expect.get("count_in", {}).items():
        got = sum(p == ("in", receptacle) for p in final.placement.values())
        if got != n:
            return f"{got} blocks in the {receptacle}, expected {n}"
    if "count_on_blocks" in expect:
        got = sum(p[0] == "on" and p[1] != "table" for p in final.placement.values())
        if got != expect["count_on_blocks"]:
            return f"{got} blocks on blocks, expected {expect['count_on_blocks']}"
    for key in ("drawer_open", "light_on"):
        if key in expect and getattr(final, key) != expect[key]:
            return f"{key} is {getattr(final, key)}, expected {expect[key]}"
    return ""


def judge(planner, case: dict, scene: PerceivedScene) -> dict:
    """Plan the case and say whether the outcome is the expected one."""
    expect = case["expect"]
    try:
        plan = planner.plan(case["chore"], scene)
    except PlanningError as exc:
        message = str(exc).split("\n  in this scene:")[0]
        if "refuse" not in expect:
            return {
                "ok": False,
                "outcome": "refused",
                "why": message,
                "reading": bool(READING.search(str(exc))),
            }
        missing = [w for w in expect["refuse"] if not re.search(w, message, re.IGNORECASE)]
        why = f"refusal does not name {missing}: {message}" if missing else message
        return {
            "ok": not missing,
            "outcome": "refused",
            "why": why,
            "reading": bool(READING.search(str(exc))),
        }
    steps = [f"{s.skill}({', '.join(s.args.values())})" for s in plan.steps]
    if "refuse" in expect:
        return {"ok": False, "outcome": "planned", "why": f"expected a question, planned {steps}"}
    start = scene.symbolic()
    final, error = execute(plan.steps, start)
    why = error or reached(expect, start, final)
    return {"ok": not why, "outcome": "planned", "why": why or " ".join(steps)}


def measure(cases: list[dict], planners: dict) -> tuple[dict, list[dict]]:
    cache: dict[int, PerceivedScene] = {}
    rows = []
    for case in cases:
        scene = start_scene(case, cache)
        row = {
            "id": case["id"],
            "split": case["split"],
            "source": case["source"],
            "chore": case["chore"],
        }
        for name, planner in planners.items():
            row[name] = judge(planner, case, scene)
        rows.append(row)
    summary: dict = {}
    for name in planners:
        summary[name] = {}
        for split in ("tuned", "heldout"):
            mine = [r for r in rows if r["split"] == split]
            right = sum(r[name]["ok"] for r in mine)
            refusals = [r[name] for r in mine if r[name]["outcome"] == "refused"]
            summary[name][split] = {
                "cases": len(mine),
                "right": right,
                "accuracy": round(right / len(mine), 4),
                "refusals": len(refusals),
                "refusals_offering_a_reading": sum(r["reading"] for r in refusals),
                "wrong_plans": sum(
                    1 for r in mine if r[name]["outcome"] == "planned" and not r[name]["ok"]
                ),
            }
    return summary, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--baseline-ref", default=BASELINE_REF, help="git ref of the baseline planner"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="measure only the current planner"
    )
    parser.add_argument(
        "--failures",
        choices=("tuned", "heldout", "none"),
        default="none",
        help="print the current planner's failures on one split (tune only on 'tuned')",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/planner_paraphrases.json"
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    cases = load_cases()
    planners = {"current": LocalPlanner()}
    if not args.no_baseline:
        planners["baseline"] = baseline_planner(args.baseline_ref)
    summary, rows = measure(cases, planners)
    sources = Counter(c["source"].split(":")[0] for c in cases)
    result = {
        "benchmark": "planner_paraphrases",
        "date": date.today().isoformat(),
        "cases": len(cases),
        "by_source": dict(sources),
        "baseline_ref": None if args.no_baseline else args.baseline_ref,
        "summary": summary,
        "target_heldout_accuracy": 0.95,
        "meets_target": summary["current"]["heldout"]["accuracy"] >= 0.95,
        "failures": {
            name: [
                {"id": r["id"], "split": r["split"], "chore": r["chore"], "why": r[name]["why"]}
                for r in rows
                if not r[name]["ok"] and r["split"] == "tuned"
            ]
            for name in planners
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    if args.json:
        print(json.dumps(result))
        return
    if args.failures != "none":
        for r in rows:
            if r["split"] == args.failures and not r["current"]["ok"]:
                print(f"#{r['id']:>3} {r['chore']!r}\n      {r['current']['why']}")
    print(f"{len(cases)} chores ({dict(sources)}); expected final scenes checked symbolically")
    for name, by_split in summary.items():
        for split, s in by_split.items():
            print(
                f"  {name:>8} {split:>7}: {s['right']:>3}/{s['cases']} = {s['accuracy']:.1%}"
                f"  (wrong plans {s['wrong_plans']}, refusals {s['refusals']},"
                f" offering a reading {s['refusals_offering_a_reading']})"
            )
    print(f"meets target (held-out >= 95%): {result['meets_target']}; written to {args.out}")


if __name__ == "__main__":
    main()
