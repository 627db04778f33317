"""CALVIN's metrics for chains and the tables a report shows, with bootstrap 95% intervals.

A chain's completed length is how many of its chores succeeded before the first failure (0..5).
Success at length k is the share of chains whose first k chores all succeeded; the average length
is the mean completed length (which equals the sum of the five success rates).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

import numpy as np

from evals.chains import CHAIN_LENGTH

BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 0  # intervals are reproducible: the same outcomes give the same bounds


def success_at_length(lengths: Sequence[int], horizon: int = CHAIN_LENGTH) -> list[float]:
    """Share of chains that completed at least k chores, for k = 1..horizon."""
    if not lengths:
        return [0.0] * horizon
    arr = np.asarray(lengths)
    return [float(np.mean(arr >= k)) for k in range(1, horizon + 1)]


def average_length(lengths: Sequence[int]) -> float:
    return float(np.mean(lengths)) if len(lengths) else 0.0


def bootstrap_ci(
    values: Sequence[float],
    statistic: Callable[[np.ndarray], float] = np.mean,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` over `values` resampled with replacement."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    draws = arr[rng.integers(0, arr.size, (samples, arr.size))]
    stats = np.array([statistic(d) for d in draws])
    tail = (1 - level) / 2 * 100
    return (float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail)))


def chain_metrics(lengths: Sequence[int]) -> dict:
    """CALVIN's table for completed lengths, each figure with its bootstrap 95% interval."""
    at = success_at_length(lengths)
    cis = [
        bootstrap_ci(lengths, lambda d, k=k: float(np.mean(d >= k)))
        for k in range(1, CHAIN_LENGTH + 1)
    ]
    return {
        "chains": len(lengths),
        "success_at_length": [round(v, 4) for v in at],
        "success_at_length_ci": [[round(lo, 4), round(hi, 4)] for lo, hi in cis],
        "average_length": round(average_length(lengths), 4),
        "average_length_ci": [round(v, 4) for v in bootstrap_ci(lengths)],
    }


def rate_with_ci(outcomes: Sequence[bool]) -> dict:
    lo, hi = bootstrap_ci([float(o) for o in outcomes])
    return {
        "count": len(outcomes),
        "success_rate": round(float(np.mean(outcomes)), 4) if outcomes else None,
        "ci": [round(lo, 4), round(hi, 4)],
    }


def subtask_tables(chains: list[dict], holdout=None) -> dict:
    """Per skill (and per seen / held-out composition when `holdout` is given): subtask success
    by the simulator, its interval, and the median seconds a subtask took."""
    by_skill: dict[str, list[dict]] = {}
    by_split: dict[str, list[dict]] = {}
    for sub in _subtasks(chains):
        by_skill.setdefault(sub["skill"], []).append(sub)
        if holdout is not None:
            split = "held-out" if holdout.contains_args(sub["skill"], sub["args"]) else "seen"
            by_split.setdefault(split, []).append(sub)

    def table(groups: dict[str, list[dict]]) -> dict:
        out = {}
        for name in sorted(groups):
            subs = groups[name]
            seconds = [s["seconds"] for s in subs if s.get("seconds") is not None]
            out[name] = {
                **rate_with_ci([bool(s["truth"]) for s in subs]),
                "median_seconds": round(statistics.median(seconds), 2) if seconds else None,
            }
        return out

    return {"by_skill": table(by_skill), "by_composition": table(by_split)}


def failure_breakdown(chains: list[dict]) -> dict:
    """Where chains stopped (chore position, the subtask's skill, refusals) and how the judge's
    claims compare with the simulator (false positive: claimed done, not done)."""
    at_position = {str(k): 0 for k in range(1, CHAIN_LENGTH + 1)}
    failed_skill: dict[str, int] = {}
    refused = 0
    for chain in chains:
        if chain["completed"] == len(chain["chores"]) == CHAIN_LENGTH:
            continue
        last = chain["chores"][-1]
        at_position[str(len(chain["chores"]))] += 1
        if "refused" in last:
            refused += 1
            continue
        wrong = next((s for s in last["steps"] if not s["truth"]), None)
        skill = wrong["skill"] if wrong else "unmet expectation"
        failed_skill[skill] = failed_skill.get(skill, 0) + 1
    subs = list(_subtasks(chains))
    chores = [c for chain in chains for c in chain["chores"] if "refused" not in c]
    return {
        "failed_at_chore": at_position,
        "failed_subtask_skill": dict(sorted(failed_skill.items())),
        "refused": refused,
        "judge": {
            "subtasks": len(subs),
            "false_positives": sum(s["claimed"] and not s["truth"] for s in subs),
            "false_negatives": sum(not s["claimed"] and bool(s["truth"]) for s in subs),
            "chores": len(chores),
            "chore_false_positives": sum(c["claimed"] and not c["success"] for c in chores),
            "chore_false_negatives": sum(not c["claimed"] and c["success"] for c in chores),
        },
    }


def _subtasks(chains: list[dict]):
    for chain in chains:
        for chore in chain["chores"]:
            yield from chore.get("steps", [])
