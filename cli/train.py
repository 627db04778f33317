"""`reverie train wm|idm|judge|policy|idm-calibrate|all`: train the models from recorded
episodes; every run resumes where it stopped.

Exit codes: 0 trained; 2 bad input (options, data); 3 stopped by --max-minutes (state saved).
Heavy modules (torch, diffusers) are imported inside the commands so `reverie --help` stays fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from cli.common import DataOption, JsonFlag, check_at_least, fail, progress, user_errors
from worldmodel.training.options import WorldModelOptions

train_app = typer.Typer(
    help="Train the world model, IDM and judge from recorded episodes (resumable).",
    no_args_is_help=True,
)

OutOpt = Annotated[
    Path, typer.Option("--out", help="Training folder: models, logs and resume state per model.")
]
StepsOpt = Annotated[int | None, typer.Option(help="Optimizer steps (default: the recipe's).")]
BatchOpt = Annotated[
    int | None, typer.Option("--batch-size", help="Batch size (default: the recipe's).")
]
LrOpt = Annotated[
    float | None, typer.Option("--lr", help="Peak learning rate (default: the recipe's).")
]
WarmupOpt = Annotated[
    int | None, typer.Option(help="Steps of linear learning-rate warm-up (default: the recipe's).")
]
SeedOpt = Annotated[int, typer.Option(help="Seed: batches and noise are deterministic in it.")]
MinutesOpt = Annotated[
    float | None,
    typer.Option(help="Stop (state saved) after this many minutes; the same command resumes."),
]
ResumeOpt = Annotated[bool, typer.Option("--resume/--no-resume", help="Continue a previous run.")]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        help="CPU threads for torch (default: torch's); 1 is faster on a busy shared CPU."
    ),
]
InstallOpt = Annotated[
    bool, typer.Option("--install", help="Copy the trained model into checkpoints/ (shipped).")
]


@dataclass(frozen=True)
class TrainRequest:
    """What one `reverie train` command asks for (its options, checked by the recipe)."""

    data: Path
    out: Path
    overrides: dict  # steps, batch_size, lr, seed, warmup: None keeps the recipe's value
    resume: bool
    install: bool
    max_minutes: float | None
    threads: int | None
    wm: WorldModelOptions


def _train(models: tuple[str, ...], request: TrainRequest, as_json: bool) -> None:
    import time

    import torch
    from pydantic import ValidationError
    from rich.progress import TextColumn

    from worldmodel.training.pipeline import run
    from worldmodel.training.trainer import TrainingInterrupted

    if request.threads is not None:
        check_at_least("--threads", request.threads, 1)
        torch.set_num_threads(request.threads)
    try:
        for model in models:  # every model's options, before any training
            request.wm.check(model)
    except ValueError as exc:
        fail(str(exc))
    minutes = request.max_minutes
    deadline = time.monotonic() + minutes * 60 if minutes else None
    results = {}
    for model in models:
        with progress(TextColumn("loss {task.fields[loss]:.4f}")) as bar:
            task = bar.add_task(f"training {model}", total=None, loss=float("nan"))

            def on_step(step: int, total: int, info: dict, task=task, bar=bar) -> None:
                bar.update(task, completed=step, total=total, loss=info.get("loss", float("nan")))

            left = None if deadline is None else max(1.0, deadline - time.monotonic())
            try:
                results[model] = run(
                    model,
                    request.data,
                    request.out,
                    request.overrides,
                    request.resume,
                    left,
                    request.install,
                    progress=on_step,
                    wm=request.wm,
                )
            except TrainingInterrupted as exc:
                results[model] = {"model": model, "interrupted": str(exc)}
                bar.stop()
                typer.secho(str(exc), fg="yellow", err=True)
                break
            except ValidationError as exc:
                fail("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
            except user_errors() as exc:
                fail(str(exc))
    if as_json:
        print(json.dumps(results))
    else:
        for model, metrics in results.items():
            typer.echo(f"{model}: {json.dumps(metrics)}")
    if any("interrupted" in m for m in results.values()):
        raise typer.Exit(3)


InitOpt = Annotated[
    Path | None,
    typer.Option(
        help="World model only: continue from this trained model's folder (a DAgger round)."
    ),
]
EarlyOpt = Annotated[
    float | None,
    typer.Option(
        help="World model only: share of each batch drawn from the first 8 steps of success "
        "episodes, where only the skill and goal maps say which way to go [0.25]."
    ),
]
DropActionsOpt = Annotated[
    float | None,
    typer.Option(
        help="World model only: share of windows trained without their actions, i.e. as the "
        "agent imagines (from success episodes only) [0.5]."
    ),
]
MotionWeightOpt = Annotated[
    float | None,
    typer.Option(
        help="World model only: weigh the loss of each pixel that moves (the hand) by 1 + F, "
        "of each still one by 1; 0 is the plain loss [4]."
    ),
]


def _make_train_command(models: tuple[str, ...], doc: str):
    def command(
        data: DataOption = Path("data/episodes"),
        out: OutOpt = Path("runs/train"),
        steps: StepsOpt = None,
        batch_size: BatchOpt = None,
        lr: LrOpt = None,
        seed: SeedOpt = 0,
        max_minutes: MinutesOpt = None,
        resume: ResumeOpt = True,
        install: InstallOpt = False,
        threads: ThreadsOpt = None,
        as_json: JsonFlag = False,
        init_from: InitOpt = None,
        warmup: WarmupOpt = None,
        early_windows: EarlyOpt = None,
        drop_actions: DropActionsOpt = None,
        motion_weight: MotionWeightOpt = None,
    ) -> None:
        request = TrainRequest(
            data=data,
            out=out,
            overrides={
                "steps": steps,
                "batch_size": batch_size,
                "lr": lr,
                "seed": seed,
                "warmup": warmup,
            },
            resume=resume,
            install=install,
            max_minutes=max_minutes,
            threads=threads,
            wm=WorldModelOptions(init_from, early_windows, drop_actions, motion_weight),
        )
        _train(models, request, as_json)

    command.__doc__ = doc
    return command


train_app.command("wm")(
    _make_train_command(("wm",), "Train the pixel-space video diffusion world model.")
)
train_app.command("idm")(_make_train_command(("idm",), "Train the inverse dynamics model."))
train_app.command("judge")(_make_train_command(("judge",), "Train the learned success judge."))
train_app.command("policy")(
    _make_train_command(
        ("policy",), "Train the behaviour-cloning policy (the baseline for imagine-then-invert)."
    )
)
train_app.command("idm-calibrate")(
    _make_train_command(
        ("idm-calibrate",),
        "Fine-tune the IDM on the world model's imaginations of training windows, beside real "
        "transitions (OUT/wm and OUT/idm when trained there, else the shipped ones); --install "
        "ships it as the IDM.",
    )
)
train_app.command("all")(
    _make_train_command(
        ("idm", "judge", "wm", "policy"), "Train every model in order (idm, judge, wm, policy)."
    )
)
