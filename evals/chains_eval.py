"""`reverie eval chains`: run chain suites through the whole agent on the embedded simulated robot
and score them as CALVIN does.

Each chain gets one embedded robot at its seed; its chores run on it in turn through the agent's
graph (`evals.chores_eval.run_chore`, as `reverie eval chores` runs them), each from the scene the
last one left, and the chain stops at its first failed (or refused) chore. The report is saved
after every chain, and the same command with the same output carries on where it stopped; a chain
cut short by an interruption is run again from its start.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from evals.chain_metrics import chain_metrics, failure_breakdown, subtask_tables
from evals.chains import Chain, ChainSuite
from evals.chores_eval import run_chore, save_report, start_report

REPORT_KIND = "chain-eval report"


def suite_digest(suite: ChainSuite) -> str:
    """A short fingerprint of the chains: a rerun must be on the same chains to carry on."""
    return hashlib.sha256(suite.model_dump_json().encode()).hexdigest()[:12]


def eval_chains(
    suite: ChainSuite,
    settings: dict,
    out: Path,
    runs: Path,
    on_chain: Callable[[dict], None] = lambda row: None,
    limit: int | None = None,
) -> dict:
    """Run every chain of the suite (its first `limit`) not already in `out` (same suite and
    settings), saving the report after each; return the report. `settings`: executor, rollouts,
    max_replans, planner, judge, position_noise (as `agent.run.do_chore` takes them)."""
    fresh = {
        "kind": "chains",
        "suite": suite.name,
        "settings": {**settings, "suite_digest": suite_digest(suite)},
        "started": datetime.now().isoformat(timespec="seconds"),
        "chains": [],
        "overall": {},
    }
    report = start_report(fresh, out, what=REPORT_KIND)
    done = {row["index"] for row in report["chains"]}
    for index, chain in enumerate(suite.chains[:limit]):
        if index in done:
            continue
        row = run_chain(index, chain, settings, runs)
        report["chains"].append(row)
        report["chains"].sort(key=lambda r: r["index"])
        report["overall"] = summarize(report["chains"])
        save_report(report, out)
        on_chain(row)
    return report


def run_chain(index: int, chain: Chain, settings: dict, runs: Path) -> dict:
    """Do the chain's chores in turn on one embedded robot until one fails."""
    from agent.run import embedded_robot
    from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE

    noise = settings.get("position_noise", DEFAULT_POSITION_NOISE)
    chores: list[dict] = []
    with embedded_robot(chain.seed, noise) as robot:
        for entry in chain.chores:
            row, summary = run_chore(entry, chain.seed, settings, runs, on=robot)
            if summary is not None:
                row["steps"] = _steps(summary)
                row["run_dir"] = summary["run_dir"]
            chores.append(row)
            if "refused" in row or not row["success"]:
                break
    completed = sum(1 for c in chores if c.get("success"))
    return {
        "index": index,
        "seed": chain.seed,
        "completed": completed,
        "chores": chores,
        "seconds": round(sum(c.get("seconds", 0.0) for c in chores), 1),
    }


def summarize(chains: list[dict]) -> dict:
    """CALVIN's metrics, the per-skill and per-composition tables and the failure breakdown."""
    from skills.holdout import load_holdout

    seconds = [s["seconds"] for c in chains for ch in c["chores"] for s in ch.get("steps", [])]
    seconds = [s for s in seconds if s is not None]
    return {
        **chain_metrics([c["completed"] for c in chains]),
        **subtask_tables(chains, load_holdout()),
        "failures": failure_breakdown(chains),
        "median_seconds_per_subtask": round(statistics.median(seconds), 2) if seconds else None,
        "seconds": round(sum(c["seconds"] for c in chains), 1),
    }


def _steps(summary: dict) -> list[dict]:
    """Each subtask the agent did: the judge's claim beside the simulator's verdict."""
    truth = summary.get("ground_truth", {}).get("per_subtask", [])
    timings = subtask_seconds(Path(summary["run_dir"]))
    return [
        {
            "skill": s["skill"],
            "args": s["args"],
            "instruction": s["instruction"],
            "claimed": s["success_claimed"],
            "truth": truth[i] if i < len(truth) else None,
            "attempts": s["attempts"],
            "seconds": _seconds_of(s, timings[i] if i < len(timings) else None),
        }
        for i, s in enumerate(summary["subtasks"])
    ]


def _seconds_of(subtask: dict, timing: tuple[bool, str | None, float] | None) -> float | None:
    """The timing at the subtask's position, only if its verdict is this subtask's: done or not
    as the result says, and naming it (a give-up names none). A log that does not line up with
    the results gives no time rather than another subtask's."""
    if timing is None:
        return None
    done, named, seconds = timing
    if done != subtask["success_claimed"]:
        return None
    return seconds if named in (None, subtask["instruction"]) else None


def subtask_seconds(run_dir: Path) -> list[tuple[bool, str | None, float]]:
    """Seconds each subtask took, from the run's event log: from the first chunk (models are
    loaded by then) or the previous subtask's verdict to this one's, with whether the verdict was
    done and the subtask it names. The agent appends one result per verdict, in order:
    `subtask_done` (done), `replan` (failed, then planned again) or `gave_up` (failed; it names
    no subtask); a give-up after a replan of the same subtask adds none, its time is left over."""
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    names = {"subtask_done": "instruction", "replan": "failed", "gave_up": None}
    start, out = None, []
    for event in events:
        name = event.get("event")
        stamp = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
        if name == "chunk" and start is None:
            start = stamp
        elif name in names and start is not None:
            key = names[name]
            seconds = round((stamp - start).total_seconds(), 3)
            out.append((name == "subtask_done", event.get(key) if key else None, seconds))
            start = stamp
    return out
