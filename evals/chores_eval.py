"""`reverie eval chores SUITE`: run a suite of chores through the whole agent on the embedded
simulated robot and score each against the simulator.

A suite is a JSON file (see `evals/configs/chores.json`):

    {"name": "household-basics",
     "chores": [{"chore": "put the red block in the drawer and leave it closed",
                 "seeds": [0, 1],
                 "expect": {"relations": [["in", "red_block", "drawer"]], "drawer_open": false}}]}

Each (chore, seed) is one agent run (`agent.run.do_chore`). Success is what the evaluator wrote in
`expect` when it is given (so a planner that misreads the chore fails), else the simulator's
success predicates for the agent's own plan. Results are saved after every run, and the same
command with the same `--out` carries on where it stopped.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from skills.vocabulary import ALL_OBJECTS, BLOCKS
from worldmodel.checkpoint import atomic_write_text

PLACES = ("table", "bowl", "bin", "drawer", *BLOCKS)


class Expectation(BaseModel):
    """Facts the final scene must show; unnamed facts may be anything."""

    model_config = ConfigDict(extra="forbid")
    relations: list[tuple[Literal["in", "on"], str, str]] = Field(default_factory=list)
    drawer_open: bool | None = None
    light_on: bool | None = None

    @field_validator("relations")
    @classmethod
    def _known_objects(cls, relations):
        for _, block, place in relations:
            if block not in BLOCKS:
                raise ValueError(f"unknown block {block!r}; valid blocks: {', '.join(BLOCKS)}")
            if place not in PLACES:
                raise ValueError(f"unknown place {place!r}; valid places: {', '.join(PLACES)}")
        return relations

    def unmet(self, final_scene: dict) -> list[str]:
        """What the final scene (as `reverie scene --json` prints it) does not show."""
        have = {tuple(r) for r in final_scene["relations"]}
        out = [" ".join(r) for r in self.relations if tuple(r) not in have]
        for fact in ("drawer_open", "light_on"):
            wanted = getattr(self, fact)
            if wanted is not None and final_scene[fact] != wanted:
                out.append(f"{fact} {str(wanted).lower()}")
        return out


class SuiteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chore: str = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    expect: Expectation | None = None

    @field_validator("seeds")
    @classmethod
    def _non_negative(cls, seeds):
        if any(s < 0 for s in seeds):
            raise ValueError(f"seeds must be >= 0; got {seeds}")
        return seeds


class ChoreSuite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    chores: list[SuiteEntry] = Field(min_length=1)

    def runs(self) -> list[tuple[SuiteEntry, int]]:
        return [(entry, seed) for entry in self.chores for seed in entry.seeds]


BaseModelT = TypeVar("BaseModelT", bound=BaseModel)


def read_model_file(path: Path, model: type[BaseModelT], what: str, invalid: str, shape: str):
    """A JSON file validated as `model`; errors name the file, what is wrong and, when the
    contents are invalid, `shape` (what a valid file looks like). `what`: the file as a reader
    would call it ("suite file"); `invalid`: its name after "not a valid" ("chore suite")."""
    try:
        return model.model_validate_json(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as exc:  # a directory, unreadable, not text
        raise ValueError(f"{path}: cannot read it as a {what} ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'top level'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{path}: not a valid {invalid} ({problems}). {shape}") from None


def load_suite(path: Path) -> ChoreSuite:
    """Read and validate a suite; errors name the file and what is wrong."""
    return read_model_file(
        path,
        ChoreSuite,
        "suite file",
        "chore suite",
        'A suite is {"name": ..., "chores": [{"chore": ..., "seeds": [0], "expect": {"relations": '
        '[["in", "red_block", "drawer"]], "drawer_open": false, "light_on": null}}]}; '
        f"objects: {', '.join(ALL_OBJECTS)}",
    )


def eval_chores(
    suite: ChoreSuite,
    settings: dict,
    out: Path,
    runs: Path,
    on_run: Callable[[dict], None] = lambda row: None,
) -> dict:
    """Run every (chore, seed) of the suite not already in `out` (same suite and settings),
    saving the report after each; return the report. `settings`: executor, rollouts,
    max_replans, planner, judge and optionally position_noise (as `do_chore` takes them)."""
    report = start_report(
        {"suite": suite.name, "settings": settings, "runs": [], "overall": {}}, out
    )
    done = {(r["chore"], r["seed"]) for r in report["runs"]}
    for entry, seed in suite.runs():
        if (entry.chore, seed) in done:
            continue
        row, _ = run_chore(entry, seed, settings, runs)
        report["runs"].append(row)
        report["overall"] = _overall(report["runs"])
        save_report(report, out)
        on_run(row)
    return report


def run_chore(
    entry: SuiteEntry, seed: int, settings: dict, runs: Path, on=None
) -> tuple[dict, dict | None]:
    """Do one chore through the agent (on the embedded robot `on` when given, else on a fresh
    one at `seed`) and score it: (report row, the agent's summary; None when refused).
    `entry`: anything with `chore` and `expect` (a chain's chore too)."""
    from agent.planners.base import PlanningError
    from agent.run import do_chore

    started = time.perf_counter()
    try:
        summary = do_chore(entry.chore, seed=seed, runs=runs, on=on, **settings)
    except PlanningError as exc:  # the chore does not fit this scene: a refusal
        return {"chore": entry.chore, "seed": seed, "refused": str(exc).splitlines()[0]}, None
    return _score(entry, seed, summary, time.perf_counter() - started), summary


def save_report(report: dict, out: Path) -> None:
    """Write the report whole or not at all (temporary name, then rename)."""
    atomic_write_text(out, json.dumps(report, indent=2) + "\n")


def start_report(fresh: dict, out: Path, what: str = "chore-eval report") -> dict:
    """The report in `out` to carry on when it holds the same suite and settings as `fresh`;
    `fresh` when there is none; else an error saying to pass another --out."""
    if not out.exists():
        return fresh
    try:
        report = json.loads(out.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{out}: not a {what} ({exc}); pass another --out") from None
    if not isinstance(report, dict):
        raise ValueError(f"{out}: not a {what}; pass another --out")
    if report.get("suite") != fresh["suite"] or report.get("settings") != fresh["settings"]:
        raise ValueError(
            f"{out} holds suite {report.get('suite')!r} with settings {report.get('settings')}, "
            f"not {fresh['suite']!r} with {fresh['settings']}; pass another --out (or --fresh) "
            "to start over"
        )
    return report


def _score(entry: SuiteEntry, seed: int, summary: dict, seconds: float) -> dict:
    truth = summary["ground_truth"]
    unmet = entry.expect.unmet(summary["final_scene"]) if entry.expect else None
    success = truth["success"] if unmet is None else not unmet
    subtasks = summary["subtasks"]
    agreeing = sum(
        s["success_claimed"] == t for s, t in zip(subtasks, truth["per_subtask"], strict=True)
    )
    return {
        "chore": entry.chore,
        "seed": seed,
        "run_id": summary["run_id"],
        "plan": [f"{p['skill']}({', '.join(p['args'].values())})" for p in summary["plan"]],
        "success": success,
        "plan_success": truth["success"],
        "unmet": unmet,
        "claimed": summary["success_claimed"],
        "replans": summary["replans"],
        "subtasks": len(subtasks),
        "subtask_claims_agreeing": agreeing,
        "seconds": round(seconds, 1),
    }


def _overall(rows: list[dict]) -> dict:
    done = [r for r in rows if "refused" not in r]
    subtasks = sum(r["subtasks"] for r in done)
    per_subtask = [r["seconds"] / r["subtasks"] for r in done if r["subtasks"]]
    return {
        "runs": len(rows),
        "refused": len(rows) - len(done),
        "success_rate": round(sum(r["success"] for r in done) / len(done), 4) if done else None,
        "claims_agreeing": (
            round(sum(r["claimed"] == r["success"] for r in done) / len(done), 4) if done else None
        ),
        "subtask_claims_agreeing": (
            round(sum(r["subtask_claims_agreeing"] for r in done) / subtasks, 4)
            if subtasks
            else None
        ),
        "median_seconds_per_subtask": (
            round(statistics.median(per_subtask), 2) if per_subtask else None
        ),
    }
