"""`reverie datagen`, `record-rollouts` and `record-takeovers`: record the data the models learn
from, in the simulator. Every one resumes when re-run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonFlag, check_at_least, fail, progress, user_errors

WorkersOption = Annotated[int, typer.Option(help="Processes (one torch thread each).")]


def datagen(
    episodes: Annotated[int, typer.Option(help="Training episodes to record.")],
    out: Annotated[Path, typer.Option(help="Output directory (train/, test/, holdout/ inside).")],
    workers: Annotated[int, typer.Option(help="Parallel worker processes.")] = 1,
    seed: Annotated[int, typer.Option(help="Base seed; every episode is deterministic in it.")] = 0,
    image_size: Annotated[int, typer.Option(help="Camera frame size in pixels.")] = 64,
    failure_fraction: Annotated[float, typer.Option(help="Share of deliberate failures.")] = 0.3,
    random_starts: Annotated[
        float,
        typer.Option(help="Share of episodes whose hand starts at a random point above the table."),
    ] = 0.5,
    chore_starts: Annotated[
        float,
        typer.Option(
            help="Share of episodes that start where 1-3 scripted skills of a chore left the "
            "scene (filled receptacles, stacks, the hand anywhere)."
        ),
    ] = 0.0,
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
            random_starts=random_starts,
            chore_starts=chore_starts,
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
    with progress() as bar:
        task = bar.add_task("recording episodes", total=None)

        def started(todo: int, done: int) -> None:
            bar.update(task, total=todo + done, completed=done)

        try:
            summary = run_datagen(cfg, on_episode=lambda *_: bar.advance(task), on_start=started)
        except user_errors() as exc:
            fail(str(exc))
    if as_json:
        print(json.dumps(summary))
    else:
        for split, s in summary["splits"].items():
            typer.echo(
                f"{split:>8}: {s['episodes']} episodes, {s['frames']} frames, success rate {s['success_rate']}"
            )
        typer.echo(f"written to {out}")


def record_rollouts(
    episodes: Annotated[int, typer.Option(help="Attempts to record (3 clips each).")] = 120,
    out: Annotated[
        Path,
        typer.Option(help="Where to write; `reverie train judge` reads DATA/agent_rollouts.npz."),
    ] = Path("data/episodes/agent_rollouts.npz"),
    seed: Annotated[int, typer.Option(help="First task seed.")] = 20_000,
    workers: WorkersOption = 1,
    as_json: JsonFlag = False,
) -> None:
    """Record the world-model executor's own attempts, labelled by the simulator, as hard
    negatives for the judge (needs the shipped world model, IDM and judge)."""
    from evals.rollouts import record_rollouts

    check_at_least("--episodes", episodes, 1)
    check_at_least("--workers", workers, 1)
    with progress() as bar:
        task = bar.add_task("recording attempts", total=episodes)
        summary = record_rollouts(
            out, episodes, seed, workers, progress=lambda *_: bar.advance(task)
        )
    if as_json:
        print(json.dumps(summary))
    else:
        typer.echo(
            f"{summary['clips']} clips from {summary['episodes']} attempts "
            f"({summary['successes']} successful) written to {out}"
        )


def record_takeovers(
    episodes: Annotated[int, typer.Option(help="Seeded tasks (one expert finish each).")] = 360,
    out: Annotated[
        Path,
        typer.Option(help="Where to write; `reverie train wm` reads DATA/expert_takeovers.npz."),
    ] = Path("data/episodes/expert_takeovers.npz"),
    seed: Annotated[int, typer.Option(help="First task seed.")] = 40_000,
    workers: WorkersOption = 1,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Models the executor acts with (default: the shipped checkpoints/)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """DAgger data for the world model: the world-model executor acts for 4-48 steps on seeded
    tasks (seen compositions), then the scripted expert finishes; the expert's part is recorded."""
    from evals.takeovers import record_takeovers

    check_at_least("--episodes", episodes, 1)
    check_at_least("--workers", workers, 1)
    if checkpoints is not None and not (checkpoints / "wm").is_dir():
        fail(
            f"--checkpoints {checkpoints}: no wm/ inside; give a folder laid out like checkpoints/"
        )
    with progress() as bar:
        task = bar.add_task("recording expert take-overs", total=episodes)
        summary = record_takeovers(
            out,
            episodes,
            seed,
            workers,
            checkpoints=checkpoints,
            progress=lambda *_: bar.advance(task),
        )
    if as_json:
        print(json.dumps(summary))
    else:
        typer.echo(
            f"{summary['episodes']} expert finishes ({summary['expert_successes']} successful, "
            f"{summary['frames']} frames) written to {out}"
        )
