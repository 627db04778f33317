"""`reverie eval skills`, `eval chores`, `eval chains`, `eval in-world-model` and `eval report`:
executors and the whole agent on seeded suites and long-horizon chains, scored by the simulator
(or, for `in-world-model`, predicted inside the world model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    ExecutorOption,
    JsonFlag,
    JudgeOption,
    PlannerOption,
    PositionNoiseOption,
    ReplansOption,
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
    replans: ReplansOption = 1,
    planner: PlannerOption = "local",
    judge: JudgeOption = "local",
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


@eval_app.command("chains")
def eval_chains(
    suite: Annotated[
        Path | None,
        typer.Argument(help="Chain suite (JSON; see evals/configs/chains.json); or --generate."),
    ] = None,
    generate: Annotated[
        int | None, typer.Option(help="Make N chains of 5 feasible chores instead of a suite.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --generate (same seed, same chains).")] = 0,
    save_suite: Annotated[
        Path | None,
        typer.Option(help="Write the --generate'd chains to this suite file and stop."),
    ] = None,
    executor: Annotated[
        list[str] | None,
        typer.Option(
            help="Who acts: worldmodel, policy, scripted (oracle) or random; repeat it to "
            "compare several in one report (default: worldmodel)."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="Run only the suite's first N chains (a rerun can add more).")
    ] = None,
    rollouts: RolloutsOption = 4,
    replans: ReplansOption = 1,
    planner: PlannerOption = "local",
    judge: JudgeOption = "local",
    position_noise: PositionNoiseOption = None,
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for SUITE.EXECUTOR.json and the HTML report; a rerun carries on."
        ),
    ] = Path("runs/eval/chains"),
    runs: RunsOption = Path("runs"),
    fresh: Annotated[bool, typer.Option("--fresh", help="Start the reports over.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Long-horizon chains as CALVIN runs them: 5 chores in a row on one scene, no reset, a chain
    stops at its first failure; success at lengths 1..5 and average length, with bootstrap 95%
    intervals, in JSON and a self-contained HTML report."""
    if (suite is None) == (generate is None):
        fail(
            "give a chain suite file or --generate N, not "
            + ("both" if suite else "neither")
            + " (e.g. reverie eval chains evals/configs/chains.json, or --generate 10 --seed 0)"
        )
    if save_suite is not None and generate is None:
        fail("--save-suite writes --generate'd chains; add --generate N")
    check_rollouts(rollouts)
    check_at_least("--replans", replans, 0)
    check_at_least("--seed", seed, 0)
    if generate is not None:
        check_at_least("--generate", generate, 1)
    if limit is not None:
        check_at_least("--limit", limit, 1)
    executors = executor or ["worldmodel"]
    if len(set(executors)) < len(executors):
        fail(f"--executor names one executor twice ({', '.join(executors)}); name each once")
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; pass a folder for the reports")
    # the checks above need no imports: a mistyped command is answered at once
    from agent.run import EXECUTORS, JUDGES, PLANNERS
    from evals.chains import dump_chain_suite, generate_chains, load_chain_suite

    for name, values, valid in (
        ("executor", executors, EXECUTORS),
        ("planner", [planner], PLANNERS),
        ("judge", [judge], JUDGES),
    ):
        for value in values:
            if value not in valid:
                fail(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    noise = check_position_noise(position_noise)
    try:
        chains = load_chain_suite(suite) if suite else generate_chains(generate, seed)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    if save_suite is not None:
        from worldmodel.checkpoint import atomic_write_text

        save_suite.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(save_suite, dump_chain_suite(chains))
        typer.echo(f"wrote {len(chains.chains)} chains to {save_suite}")
        return
    out.mkdir(parents=True, exist_ok=True)
    settings = {
        "rollouts": rollouts,
        "max_replans": replans,
        "planner": planner,
        "judge": judge,
        "position_noise": noise,
    }
    reports = [
        _run_chains(chains, {"executor": e, **settings}, out, runs, limit, fresh, as_json)
        for e in executors
    ]
    from evals.report import write_report

    html = write_report(reports, out / f"{chains.name}.{'-'.join(executors)}.html")
    results = [
        {
            "suite": r["suite"],
            "executor": r["settings"]["executor"],
            "report": str(out / f"{chains.name}.{r['settings']['executor']}.json"),
            **r["overall"],
        }
        for r in reports
    ]
    if as_json:
        print(
            json.dumps(
                {**results[0], "html": str(html)}
                if len(results) == 1
                else {"suite": chains.name, "html": str(html), "runs": results}
            )
        )
        return
    for r in results:
        at = " ".join(f"{v:.0%}" for v in r["success_at_length"])
        lo, hi = r["average_length_ci"]
        typer.echo(
            f"{r['executor']}: {r['chains']} chains, success at 1..5: {at}; average length "
            f"{r['average_length']:.2f} [{lo:.2f}-{hi:.2f}]"
        )
    typer.echo(f"report: {html}")


def _run_chains(chains, settings, out, runs, limit, fresh, as_json) -> dict:
    from evals.chains_eval import eval_chains

    report_path = out / f"{chains.name}.{settings['executor']}.json"
    if fresh:
        report_path.unlink(missing_ok=True)
    quiet_logs()
    with progress() as bar:
        total = len(chains.chains) if limit is None else min(limit, len(chains.chains))
        task = bar.add_task(f"{chains.name} ({settings['executor']})", total=total)

        def on_chain(row: dict) -> None:
            bar.advance(task)
            if not as_json:
                bar.console.print(_chain_row(row), soft_wrap=True, markup=False, highlight=False)

        try:
            return eval_chains(chains, settings, report_path, runs, on_chain=on_chain, limit=limit)
        except user_errors() as exc:
            saved = bar.tasks[task].completed > 0
            fail(
                f"{exc}"
                + (
                    f"\nfinished chains are saved in {report_path}; the same command carries on"
                    if saved
                    else ""
                )
            )
    raise AssertionError("unreachable")


def _chain_row(row: dict) -> str:
    head = f"chain {row['index']:<4} seed {row['seed']:<6}"
    if row["completed"] == 5:
        return f"  success  {head} 5/5 ({row['seconds']} s)"
    last = row["chores"][-1]
    if "refused" in last:
        why = f"refused: {last['refused']}"
    else:
        why = "judge claimed done" if last["claimed"] else "judge claimed not done"
    return f"  failure  {head} {row['completed']}/5, stopped at '{last['chore']}' ({why})"


@eval_app.command("in-world-model")
def eval_in_world_model(
    executor: Annotated[
        str,
        typer.Option(
            help="policy, policy+N (N% of its chunks random), worldmodel or random: who acts "
            "on the imagined frames."
        ),
    ] = "policy",
    episodes: Annotated[int, typer.Option(help="Seeded scenes per skill kind.")] = 5,
    seed: Annotated[int, typer.Option(help="First scene seed.")] = 10_000,
    split: Annotated[str, typer.Option(help="all, seen or holdout compositions.")] = "seen",
    real: Annotated[
        bool, typer.Option(help="Also run each task in the simulator, for comparison.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Predict an executor's success inside the world model, with no simulator in the loop: it
    acts on imagined frames from one real first frame, and the judge scores the imagined video."""
    from evals.in_world_model import (
        check_executor_name,
        evaluate_in_world_model,
        executor_by_name,
    )
    from evals.skills_eval import SPLITS
    from skills.library import SKILL_KINDS
    from worldmodel.imagine import Imaginer

    try:
        check_executor_name(executor)
    except ValueError as exc:
        fail(str(exc))
    if split not in SPLITS:
        fail(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    check_at_least("--episodes", episodes, 1)
    quiet_logs()
    imaginer = Imaginer()
    acting = executor_by_name(executor, imaginer, seed=seed)
    with progress() as bar:
        task = bar.add_task(f"in the world model: {executor}", total=episodes * len(SKILL_KINDS))
        result = evaluate_in_world_model(
            acting,
            imaginer,
            episodes,
            seed=seed,
            split=split,
            real=real,
            on_episode=lambda *_: bar.advance(task),
        )
    if as_json:
        print(json.dumps(result))
        return
    for kind, row in result["skills"].items():
        also = f"   real {row['real_success_rate']:6.1%}" if real else ""
        typer.echo(f"{kind:<14} predicted {row['predicted_success_rate']:6.1%}{also}")
    typer.echo(f"{result['seconds_per_imagined_episode']} s per imagined episode")


@eval_app.command("report")
def eval_report(
    reports: Annotated[
        list[Path], typer.Argument(help="Chain-eval reports (SUITE.EXECUTOR.json) of one suite.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file [beside the first report: SUITE.compare.html]."),
    ] = None,
) -> None:
    """One HTML report of several chain evaluations of the same suite, side by side."""
    from evals.report import write_report

    loaded = []
    for path in reports:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            fail(f"{path}: no such report; pass SUITE.EXECUTOR.json files `eval chains` wrote")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{path}: not a chain-eval report ({exc}); pass SUITE.EXECUTOR.json files")
        if not isinstance(data, dict) or data.get("kind") != "chains":
            fail(
                f"{path}: not a chain-eval report; pass SUITE.EXECUTOR.json files `eval chains` wrote"
            )
        loaded.append(data)
    out = out or reports[0].parent / f"{loaded[0]['suite']}.compare.html"
    try:
        write_report(loaded, out)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"report: {out}")
