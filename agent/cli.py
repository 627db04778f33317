"""The `reverie` command line. Heavy modules are imported inside commands so `--help` is fast."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.voice.cli import listen_command, transcribe_command  # light: typer only
from robot_bridge.cli import bridge_app  # light: its heavy imports are inside the commands
from worldmodel.cli import train_app, wm_app

os.environ.setdefault("MUJOCO_GL", "egl")
# OpenMP threads that spin while waiting collapsed training steps 10-30x when another process
# shared the 2 cores (measured); a passive wait costs nothing when the CPU is free.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

app = typer.Typer(
    help="Reverie: an orchestration agent for household robots.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
eval_app = typer.Typer(help="Evaluate executors on seeded task suites.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

app.add_typer(bridge_app, name="bridge")
app.command("transcribe")(transcribe_command)
app.command("listen")(listen_command)
app.add_typer(train_app, name="train")
app.add_typer(wm_app, name="wm")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def _user_errors() -> tuple[type[Exception], ...]:
    from robot_bridge.client import BridgeError
    from robot_bridge.sim.tabletop import InvalidActionError
    from skills.library import SkillError
    from worldmodel.data.lerobot_v3 import DatasetError

    return (
        SkillError,
        DatasetError,
        InvalidActionError,
        BridgeError,
        ValueError,
        FileNotFoundError,
    )


def _progress():
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


@app.command()
def scene(
    seed: Annotated[int, typer.Option(help="Scene seed.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Print the ground-truth scene of a seed (objects, drawer, light, relations)."""
    from robot_bridge.sim.tabletop import TabletopSim

    if seed < 0:
        fail(f"--seed must be >= 0; got {seed}")
    sim = TabletopSim(image_size=16)
    sim.reset(seed)
    s = sim.scene()
    if as_json:
        print(s.model_dump_json())
        return
    typer.echo(
        f"scene {seed}: drawer {'open' if s.drawer_open else 'closed'}, light {'on' if s.light_on else 'off'}"
    )
    for o in s.objects:
        typer.echo(
            f"  {o.id:<13} at ({o.position[0]:+.3f}, {o.position[1]:+.3f}, {o.position[2]:+.3f})"
        )
    for rel, a, b in s.relations:
        typer.echo(f"  {a} {rel} {b}")


@app.command()
def plan(
    chore: Annotated[
        str, typer.Argument(help='The chore, e.g. "put the red block in the drawer".')
    ],
    seed: Annotated[int, typer.Option(help="Scene seed of the simulated robot.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Plan a chore against the perceived scene of a seed (no robot moves)."""
    from agent.planners.base import PlanningError
    from agent.planning import plan_chore

    if seed < 0:
        fail(f"--seed must be >= 0; got {seed}")
    try:
        result = plan_chore(chore, seed)
    except PlanningError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(result))
        return
    if not result["plan"]:
        typer.echo("Nothing to do: the scene already looks like that.")
    for i, step in enumerate(result["plan"], start=1):
        typer.echo(f"{i}. {step['instruction']}")


def _quiet_console_logs() -> None:
    """Library logs (e.g. the embedded bridge) go to stderr, warnings and errors only."""
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def _run_chore(start, as_json: bool) -> None:
    """Run `start(progress)` (a chore), report it, and exit 1 when it was not done."""
    from agent.run import RobotLostError

    _quiet_console_logs()
    say = (lambda m: None) if as_json else (lambda m: typer.echo(m, err=True))
    try:
        summary = start(say)
    except RobotLostError as exc:
        fail(str(exc), code=3)
    except _user_errors() as exc:  # PlanningError is a ValueError: refusals land here
        fail(str(exc))
    if as_json:
        print(json.dumps(summary))
    else:
        _print_summary(summary)
    if not summary["success_claimed"]:
        raise typer.Exit(1)


def _print_summary(summary: dict) -> None:
    for r in summary["subtasks"]:
        mark = "done" if r["success_claimed"] else "FAILED"
        typer.echo(
            f"  {r['instruction']:<42} {mark:>6}  (attempts {r['attempts']}, judge {r['judge_score']:.2f})"
        )
    verdict = "done" if summary["success_claimed"] else f"not done: {summary.get('failure', '')}"
    typer.echo(f"chore {verdict}")
    if "ground_truth" in summary:
        typer.echo(
            f"ground truth (simulator): {'success' if summary['ground_truth']['success'] else 'failure'}"
        )
    typer.echo(f"run directory: {summary['run_dir']}")
    if summary.get("video"):
        typer.echo(f"video: {summary['video']}")


@app.command("do")
def do_cmd(
    chore: Annotated[
        str, typer.Argument(help='The chore, e.g. "put the red block in the drawer".')
    ],
    robot: Annotated[
        str | None, typer.Option(help="Robot bridge address (default: the embedded simulator).")
    ] = None,
    executor: Annotated[
        str, typer.Option(help="worldmodel (imagine, invert) or scripted (oracle).")
    ] = "worldmodel",
    rollouts: Annotated[int, typer.Option(help="Futures imagined per chunk.")] = 4,
    seed: Annotated[int, typer.Option(help="Scene seed of the embedded simulator.")] = 0,
    planner: Annotated[
        str, typer.Option(help="local (no model) or llm (REVERIE_LLM_* endpoint).")
    ] = "local",
    judge: Annotated[
        str, typer.Option(help="local (learned) or vlm (REVERIE_LLM_* endpoint).")
    ] = "local",
    as_json: JsonFlag = False,
) -> None:
    """Plan a chore and do it on a robot; writes a run directory with a video and summary.json."""
    from agent.run import do_chore

    if rollouts < 1 or rollouts > 64:
        fail(f"--rollouts must be between 1 and 64; got {rollouts}")
    if seed < 0:
        fail(f"--seed must be >= 0; got {seed}")
    _run_chore(
        lambda say: do_chore(
            chore,
            robot=robot,
            executor=executor,
            rollouts=rollouts,
            seed=seed,
            planner=planner,
            judge=judge,
            progress=say,
        ),
        as_json,
    )


@app.command()
def resume(
    run_id: Annotated[
        str, typer.Argument(help="The run to continue (its directory name in runs/).")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Continue a chore that stopped (crash, lost robot) from its last saved step."""
    from agent.run import resume_chore

    _run_chore(lambda say: resume_chore(run_id, progress=say), as_json)


@app.command()
def datagen(
    episodes: Annotated[int, typer.Option(help="Training episodes to record.")],
    out: Annotated[Path, typer.Option(help="Output directory (train/, test/, holdout/ inside).")],
    workers: Annotated[int, typer.Option(help="Parallel worker processes.")] = 1,
    seed: Annotated[int, typer.Option(help="Base seed; every episode is deterministic in it.")] = 0,
    image_size: Annotated[int, typer.Option(help="Camera frame size in pixels.")] = 64,
    failure_fraction: Annotated[float, typer.Option(help="Share of deliberate failures.")] = 0.3,
    test_episodes: Annotated[
        int | None, typer.Option(help="Seen-composition test episodes [episodes/10].")
    ] = None,
    holdout_episodes: Annotated[
        int | None, typer.Option(help="Held-out-composition episodes [episodes/10].")
    ] = None,
    holdout_config: Annotated[
        Path | None, typer.Option(help="JSON of held-out compositions.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record expert and failure episodes as LeRobot v3.0 datasets; re-running resumes."""
    from pydantic import ValidationError

    from worldmodel.data.datagen import DatagenConfig, run_datagen

    try:
        extra = {"holdout_config": holdout_config} if holdout_config else {}
        cfg = DatagenConfig(
            episodes=episodes,
            out=out,
            workers=workers,
            seed=seed,
            image_size=image_size,
            failure_fraction=failure_fraction,
            test_episodes=test_episodes,
            holdout_episodes=holdout_episodes,
            **extra,
        )
    except ValidationError as exc:
        fail(
            "; ".join(
                f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}"
                for e in exc.errors()
            )
        )
    with _progress() as progress:
        task = progress.add_task("recording episodes", total=None)

        def started(todo: int, done: int) -> None:
            progress.update(task, total=todo + done, completed=done)

        try:
            summary = run_datagen(
                cfg, on_episode=lambda *_: progress.advance(task), on_start=started
            )
        except _user_errors() as exc:
            fail(str(exc))
    if as_json:
        print(json.dumps(summary))
    else:
        for split, s in summary["splits"].items():
            typer.echo(
                f"{split:>8}: {s['episodes']} episodes, {s['frames']} frames, success rate {s['success_rate']}"
            )
        typer.echo(f"written to {out}")


@app.command("record-rollouts")
def record_rollouts_cmd(
    episodes: Annotated[int, typer.Option(help="Attempts to record (3 clips each).")] = 120,
    out: Annotated[
        Path,
        typer.Option(help="Where to write; `reverie train judge` reads DATA/agent_rollouts.npz."),
    ] = Path("data/episodes/agent_rollouts.npz"),
    seed: Annotated[int, typer.Option(help="First task seed.")] = 20_000,
    workers: Annotated[int, typer.Option(help="Processes (one torch thread each).")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Record the world-model executor's own attempts, labelled by the simulator, as hard
    negatives for the judge (needs the shipped world model, IDM and judge)."""
    from evals.rollouts import record_rollouts

    if episodes < 1:
        fail(f"--episodes must be >= 1; got {episodes}")
    if workers < 1:
        fail(f"--workers must be >= 1; got {workers}")
    with _progress() as progress:
        task = progress.add_task("recording attempts", total=episodes)
        summary = record_rollouts(
            out, episodes, seed, workers, progress=lambda *_: progress.advance(task)
        )
    if as_json:
        print(json.dumps(summary))
    else:
        typer.echo(
            f"{summary['clips']} clips from {summary['episodes']} attempts "
            f"({summary['successes']} successful) written to {out}"
        )


@app.command("record-takeovers")
def record_takeovers_cmd(
    episodes: Annotated[int, typer.Option(help="Seeded tasks (one expert finish each).")] = 360,
    out: Annotated[
        Path,
        typer.Option(help="Where to write; `reverie train wm` reads DATA/expert_takeovers.npz."),
    ] = Path("data/episodes/expert_takeovers.npz"),
    seed: Annotated[int, typer.Option(help="First task seed.")] = 40_000,
    workers: Annotated[int, typer.Option(help="Processes (one torch thread each).")] = 1,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Models the executor acts with (default: the shipped checkpoints/)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """DAgger data for the world model: the world-model executor acts for 4-48 steps on seeded
    tasks (seen compositions), then the scripted expert finishes; the expert's part is recorded."""
    from evals.takeovers import record_takeovers

    if episodes < 1:
        fail(f"--episodes must be >= 1; got {episodes}")
    if workers < 1:
        fail(f"--workers must be >= 1; got {workers}")
    if checkpoints is not None and not (checkpoints / "wm").is_dir():
        fail(
            f"--checkpoints {checkpoints}: no wm/ inside; give a folder laid out like checkpoints/"
        )
    with _progress() as progress:
        task = progress.add_task("recording expert take-overs", total=episodes)
        summary = record_takeovers(
            out,
            episodes,
            seed,
            workers,
            checkpoints=checkpoints,
            progress=lambda *_: progress.advance(task),
        )
    if as_json:
        print(json.dumps(summary))
    else:
        typer.echo(
            f"{summary['episodes']} expert finishes ({summary['expert_successes']} successful, "
            f"{summary['frames']} frames) written to {out}"
        )


@eval_app.command("skills")
def eval_skills_cmd(
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
    if episodes < 1:
        fail(f"--episodes must be >= 1; got {episodes}")
    with _progress() as progress:
        task = progress.add_task(f"eval {executor}", total=episodes * len(SKILL_KINDS))
        result = eval_skills(
            executor, episodes, seed, on_episode=lambda *_: progress.advance(task), split=split
        )
    if as_json:
        print(json.dumps(result))
        return
    for kind, r in result["skills"].items():
        typer.echo(f"{kind:<14} {r['success_rate']:6.1%}  ({r['episodes']} episodes)")


@eval_app.command("chores")
def eval_chores_cmd(
    suite: Annotated[
        Path, typer.Argument(help="Chore suite (JSON; see evals/configs/chores.json).")
    ],
    executor: Annotated[
        str, typer.Option(help="worldmodel (imagine, invert) or scripted (oracle).")
    ] = "worldmodel",
    rollouts: Annotated[int, typer.Option(help="Futures imagined per chunk.")] = 4,
    replans: Annotated[int, typer.Option(help="Replans allowed per chore.")] = 1,
    planner: Annotated[str, typer.Option(help="local or llm.")] = "local",
    judge: Annotated[str, typer.Option(help="local or vlm.")] = "local",
    out: Annotated[
        Path | None,
        typer.Option(help="Report file; a rerun carries on [runs/eval/SUITE.EXECUTOR.json]."),
    ] = None,
    runs: Annotated[Path, typer.Option(help="Where run directories go.")] = Path("runs"),
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
    if rollouts < 1 or rollouts > 64:
        fail(f"--rollouts must be between 1 and 64; got {rollouts}")
    if replans < 0:
        fail(f"--replans must be >= 0; got {replans}")
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
    }
    _quiet_console_logs()
    with _progress() as progress:
        task = progress.add_task(f"{chores.name} ({executor})", total=len(chores.runs()))

        def on_run(row: dict) -> None:
            progress.advance(task)
            if not as_json:
                progress.console.print(
                    _chore_row(row), soft_wrap=True, markup=False, highlight=False
                )

        try:
            report = eval_chores(chores, settings, out, runs, on_run=on_run)
        except _user_errors() as exc:
            saved = progress.tasks[task].completed > 0
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


@app.command()
def demo(
    runs: Annotated[Path, typer.Option(help="Where run directories go.")] = Path("runs"),
    seed: Annotated[
        int | None, typer.Option(help="Scene seed [first with a red block and a closed drawer].")
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help="worldmodel or scripted [worldmodel when shipped].")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Do a three-subtask chore on the embedded simulated robot; writes a video of it."""
    from agent.demo import run_demo

    _run_chore(lambda say: run_demo(runs, seed, executor, progress=say), as_json)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.secho("interrupted; re-run the same command to continue where it stopped", err=True)
        sys.exit(130)
