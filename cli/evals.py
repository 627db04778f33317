"""`reverie eval skills` and `reverie eval chores`: executors and the whole agent on seeded
suites, scored by the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    ExecutorOption,
    JsonFlag,
    PositionNoiseOption,
    RolloutsOption,
    RunsOption,
    check_at_least,
    check_position_noise,
    check_rollouts,
    fail,
    progress,
    quiet_logs,
    user_errors,
)

eval_app = typer.Typer(help="Evaluate executors on seeded task suites.", no_args_is_help=True)


@eval_app.command("skills")
def eval_skills(
    executor: Annotated[
        str,
        typer.Option(help="Who acts: scripted (oracle), random, or worldmodel (imagine, invert)."),
    ] = "scripted",
    episodes: Annotated[int, typer.Option(help="Seeded scenes per skill kind.")] = 20,
    seed: Annotated[int, typer.Option(help="Base seed.")] = 0,
    split: Annotated[str, typer.Option(help="all, seen or holdout compositions.")] = "all",
    as_json: JsonFlag = False,
) -> None:
    """Success rate of an executor per skill kind, judged by the simulator's predicates."""
    from evals.skills_eval import EXECUTORS, SPLITS, eval_skills
    from skills.library import SKILL_KINDS

    if executor not in EXECUTORS:
        fail(f"unknown executor {executor!r}; valid executors: {', '.join(EXECUTORS)}")
    if split not in SPLITS:
        fail(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    check_at_least("--episodes", episodes, 1)
    with progress() as bar:
        task = bar.add_task(f"eval {executor}", total=episodes * len(SKILL_KINDS))
        result = eval_skills(
            executor, episodes, seed, on_episode=lambda *_: bar.advance(task), split=split
        )
    if as_json:
        print(json.dumps(result))
        return
    for kind, r in result["skills"].items():
        typer.echo(f"{kind:<14} {r['success_rate']:6.1%}  ({r['episodes']} episodes)")


@eval_app.command("chores")
def eval_chores(
    suite: Annotated[
        Path, typer.Argument(help="Chore suite (JSON; see evals/configs/chores.json).")
    ],
    executor: ExecutorOption = "worldmodel",
    rollouts: RolloutsOption = 4,
    replans: Annotated[int, typer.Option(help="Replans allowed per chore.")] = 1,
    planner: Annotated[str, typer.Option(help="local or llm.")] = "local",
    judge: Annotated[str, typer.Option(help="local or vlm.")] = "local",
    position_noise: PositionNoiseOption = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Report file; a rerun carries on [runs/eval/SUITE.EXECUTOR.json]."),
    ] = None,
    runs: RunsOption = Path("runs"),
    fresh: Annotated[bool, typer.Option("--fresh", help="Start the report over.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run a suite of chores through the agent on the embedded simulated robot; score each
    against the simulator (the suite's expected scene, else the plan's success predicates)."""
    from agent.run import EXECUTORS, JUDGES, PLANNERS
    from evals.chores_eval import eval_chores, load_suite

    for name, value, valid in (
        ("executor", executor, EXECUTORS),
        ("planner", planner, PLANNERS),
        ("judge", judge, JUDGES),
    ):
        if value not in valid:
            fail(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    check_rollouts(rollouts)
    check_at_least("--replans", replans, 0)
    noise = check_position_noise(position_noise)
    try:
        chores = load_suite(suite)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    out = out or runs / "eval" / f"{chores.name}.{executor}.json"
    if fresh:
        out.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "executor": executor,
        "rollouts": rollouts,
        "max_replans": replans,
        "planner": planner,
        "judge": judge,
        "position_noise": noise,
    }
    quiet_logs()
    with progress() as bar:
        task = bar.add_task(f"{chores.name} ({executor})", total=len(chores.runs()))

        def on_run(row: dict) -> None:
            bar.advance(task)
            if not as_json:
                bar.console.print(_chore_row(row), soft_wrap=True, markup=False, highlight=False)

        try:
            report = eval_chores(chores, settings, out, runs, on_run=on_run)
        except user_errors() as exc:
            saved = bar.tasks[task].completed > 0
            fail(
                f"{exc}"
                + (
                    f"\nfinished runs are saved in {out}; the same command carries on"
                    if saved
                    else ""
                )
            )
    if as_json:
        print(json.dumps(report))
        return
    o = report["overall"]
    typer.echo(
        f"{o['runs']} runs ({o['refused']} refused): success {_rate(o['success_rate'])}, "
        f"claims agreeing {_rate(o['claims_agreeing'])}, "
        f"{o['median_seconds_per_subtask']} s per subtask (median); report: {out}"
    )


def _chore_row(row: dict) -> str:
    head = f"seed {row['seed']:<4} {row['chore']}"
    if "refused" in row:
        return f"  refused  {head}: {row['refused']}"
    mark = "success" if row["success"] else "failure"
    claim = "claimed done" if row["claimed"] else "claimed not done"
    unmet = f"; missing: {', '.join(row['unmet'])}" if row["unmet"] else ""
    return f"  {mark}  {head} ({claim}, {row['seconds']} s{unmet})"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
