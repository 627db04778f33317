"""`reverie train ...` and `reverie wm ...`: typer apps mounted by agent/cli.py.

Heavy modules (torch, diffusers) are imported inside the commands so `reverie --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

train_app = typer.Typer(
    help="Train the world model, IDM and judge from recorded episodes (resumable).",
    no_args_is_help=True,
)
wm_app = typer.Typer(
    help="Imagine with the world model; score the learned models.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
DataOpt = Annotated[
    Path,
    typer.Option("--data", help="Folder `reverie datagen --out` wrote (train/, test/, holdout/)."),
]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Training folder: models, logs and resume state per model.")
]
StepsOpt = Annotated[int | None, typer.Option(help="Optimizer steps [recipe default].")]
BatchOpt = Annotated[int | None, typer.Option("--batch-size", help="Batch size [recipe default].")]
LrOpt = Annotated[float | None, typer.Option("--lr", help="Peak learning rate [recipe default].")]
WarmupOpt = Annotated[
    int | None, typer.Option(help="Steps of linear learning-rate warm-up [recipe default].")
]
SeedOpt = Annotated[int, typer.Option(help="Seed: batches and noise are deterministic in it.")]
MinutesOpt = Annotated[
    float | None,
    typer.Option(help="Stop (state saved) after this many minutes; the same command resumes."),
]
ResumeOpt = Annotated[bool, typer.Option("--resume/--no-resume", help="Continue a previous run.")]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(help="CPU threads for torch [torch default]; 1 is faster on a busy shared CPU."),
]
InstallOpt = Annotated[
    bool, typer.Option("--install", help="Copy the trained model into checkpoints/ (shipped).")
]


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def _user_errors() -> tuple[type[Exception], ...]:
    from worldmodel.checkpoint import CheckpointError
    from worldmodel.data.lerobot_v3 import DatasetError

    return (CheckpointError, DatasetError, ValueError, FileNotFoundError)


def _train(
    models: tuple[str, ...],
    data: Path,
    out: Path,
    steps: int | None,
    batch_size: int | None,
    lr: float | None,
    seed: int,
    max_minutes: float | None,
    resume: bool,
    install: bool,
    threads: int | None,
    as_json: bool,
    warmup: int | None = None,
    wm_options: dict | None = None,
) -> None:
    """`wm_options`: the world-model-only options by name (WorldModelOptions' fields)."""
    import dataclasses
    import time

    import torch
    from pydantic import ValidationError
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from worldmodel.training.pipeline import WorldModelOptions, run
    from worldmodel.training.trainer import TrainingInterrupted

    if threads is not None:
        if threads < 1:
            fail(f"--threads must be >= 1; got {threads}")
        torch.set_num_threads(threads)
    wm, default = WorldModelOptions(**(wm_options or {})), WorldModelOptions()
    given = [
        "--" + f.name.replace("_", "-")
        for f in dataclasses.fields(wm)
        if getattr(wm, f.name) != getattr(default, f.name)
    ]
    if given and models != ("wm",):
        fail(f"{', '.join(given)} applies to `reverie train wm` only")
    for flag, value in (("--early-windows", wm.early_windows), ("--drop-actions", wm.drop_actions)):
        if value is not None and not 0.0 <= value <= 1.0:
            fail(f"{flag} must be a fraction in [0, 1]; got {value}")
    if wm.motion_weight is not None and wm.motion_weight < 0:
        fail(f"--motion-weight must be >= 0 (0: the plain loss); got {wm.motion_weight}")
    if wm.init_from is not None and not (wm.init_from / "model.safetensors").is_file():
        fail(
            f"--init-from {wm.init_from}: no model.safetensors there; give a trained world "
            "model's folder, e.g. runs/train/wm"
        )
    overrides = {"steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed, "warmup": warmup}
    deadline = time.monotonic() + max_minutes * 60 if max_minutes else None
    results = {}
    console = Console(stderr=True)
    for model in models:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f}"),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(f"training {model}", total=None, loss=float("nan"))

            def progress(step: int, total: int, info: dict, task=task, bar=bar) -> None:
                bar.update(task, completed=step, total=total, loss=info.get("loss", float("nan")))

            left = None if deadline is None else max(1.0, deadline - time.monotonic())
            try:
                results[model] = run(
                    model,
                    data,
                    out,
                    overrides,
                    resume,
                    left,
                    install,
                    progress=progress,
                    wm=wm,
                )
            except TrainingInterrupted as exc:
                results[model] = {"model": model, "interrupted": str(exc)}
                bar.stop()
                typer.secho(str(exc), fg="yellow", err=True)
                break
            except ValidationError as exc:
                fail("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
            except _user_errors() as exc:
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
        help="World model only: weigh each pixel's loss by 1 + F x how much it changes (the "
        "moving hand) relative to the average; 0 is the plain loss [2]."
    ),
]


def _make_train_command(models: tuple[str, ...], doc: str):
    def command(
        data: DataOpt = Path("data/episodes"),
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
        _train(
            models,
            data,
            out,
            steps,
            batch_size,
            lr,
            seed,
            max_minutes,
            resume,
            install,
            threads,
            as_json,
            warmup,
            wm_options={
                "init_from": init_from,
                "early_windows": early_windows,
                "drop_actions": drop_actions,
                "motion_weight": motion_weight,
            },
        )

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


CheckpointsOpt = Annotated[
    Path | None,
    typer.Option(help="Folder holding wm/, idm/, judge/ [shipped checkpoints/]."),
]
StepsSampling = Annotated[int, typer.Option("--steps", help="Euler sampling steps.")]


@wm_app.command()
def imagine(
    seed: Annotated[int, typer.Option(help="Scene seed of the simulated household.")],
    instruction: Annotated[str, typer.Option(help='What to imagine, e.g. "open the drawer".')],
    rollouts: Annotated[int, typer.Option(help="Futures imagined in one batch.")] = 4,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the videos [runs/imagine/seed-S].")
    ] = None,
    steps: StepsSampling = 3,
    checkpoints: CheckpointsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Imagine the scene of a seed carrying out an instruction; invert with the IDM; judge."""
    import os
    import time

    os.environ.setdefault("MUJOCO_GL", "egl")
    if not instruction.strip():
        fail('--instruction must not be empty; e.g. --instruction "open the drawer"')
    if not 1 <= rollouts <= 64:
        fail(f"--rollouts must be between 1 and 64; got {rollouts}")
    if seed < 0:
        fail(f"--seed must be >= 0; got {seed}")
    import numpy as np

    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.goals import goal_points
    from worldmodel.imagine import Imaginer
    from worldmodel.video import write_rollout_video

    try:
        imaginer = Imaginer(checkpoints, steps=steps)
    except _user_errors() as exc:
        fail(str(exc))
    sim = TabletopSim(image_size=imaginer.image_size)
    obs = sim.reset(seed)
    sim_scene = sim.scene()
    sim.close()
    state = [*obs.ee_pos, obs.gripper]
    call = _call_for(instruction, sim_scene)
    goals = goal_points(call.skill, call.args, obs.objects) if call else None
    start = time.perf_counter()
    result = imaginer.imagine(
        obs.image[None],
        instruction,
        call.skill if call else None,
        np.asarray(state, np.float32),
        rollouts=rollouts,
        seed=seed,
        goals=goals,
    )
    out = out or Path("runs/imagine") / f"seed-{seed}"
    videos = []
    for i in range(rollouts):
        title = f"rollout {i}  judge {result.scores[i]:.2f}"
        path = out / f"rollout_{i}.mp4"
        write_rollout_video(path, result.frames[i], result.actions[i], title, fps=imaginer.fps)
        videos.append(str(path))
    summary = {
        "seed": seed,
        "instruction": instruction,
        "rollouts": rollouts,
        "load_s": round(imaginer.load_s, 3),
        "imagine_invert_s": round(result.timings["imagine_invert_s"], 3),
        "imagine_s": round(result.timings["imagine_s"], 3),
        "invert_s": round(result.timings["invert_s"], 3),
        "judge_s": round(result.timings["judge_s"], 3),
        "total_s": round(time.perf_counter() - start, 3),
        "horizon_frames": imaginer.horizon_frames,
        "horizon_s": imaginer.horizon_frames / imaginer.fps,
        "sampling_steps": steps,
        "skill_call": str(call) if call else None,
        "judge_scores": [round(float(s), 4) for s in result.scores],
        "best_rollout": result.best,
        "actions": [[[round(float(v), 3) for v in a] for a in r] for r in result.actions],
        "videos": videos,
    }
    if as_json:
        print(json.dumps(summary))
        return
    typer.echo(
        f"imagined {rollouts} x {summary['horizon_frames']} frames ({summary['horizon_s']} s of robot "
        f"time) and inverted them in {summary['imagine_invert_s']} s (models loaded in {summary['load_s']} s)"
    )
    for i, path in enumerate(videos):
        best = "  <- best" if i == result.best else ""
        typer.echo(f"  rollout {i}: judge {result.scores[i]:.3f}  {path}{best}")


def _call_for(instruction: str, scene):
    """The skill call whose instruction this is (any of its phrasings), for the skill kind and
    goal maps; None when the text is not one of them (the world model then imagines
    unconditionally)."""
    from skills.symbolic import feasible_calls

    text = " ".join(instruction.lower().split())
    for call in feasible_calls(scene):
        phrasings = call.spec().instructions()
        if any(call.instruction(i) == text for i in range(len(phrasings))):
            return call
    return None


@wm_app.command()
def score(
    split: Annotated[
        str, typer.Option(help="Which split: train, test (seen compositions) or holdout.")
    ] = "test",
    data: DataOpt = Path("data/episodes"),
    windows: Annotated[int, typer.Option(help="World-model windows to predict.")] = 256,
    steps: StepsSampling = 3,
    checkpoints: CheckpointsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Score the world model (action-conditioned PSNR/SSIM vs copying the last frame), the IDM
    (action error vs the mean action) and the judge (accuracy, precision, recall) on a split."""
    from worldmodel.scoring import score_split

    if split not in ("train", "test", "holdout"):
        fail(f"--split must be train, test or holdout; got {split!r}")
    if windows < 1:
        fail(f"--windows must be >= 1; got {windows}")
    if not (data / split).is_dir():
        fail(
            f"no recorded {split} split in {data}; record one with "
            f"`reverie datagen --episodes 2000 --out {data}` or point --data at one"
        )
    try:
        result = score_split(data / split, checkpoints, windows=windows, steps=steps)
    except _user_errors() as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key:>24}: {value}")


def main() -> None:  # pragma: no cover - for `python -m worldmodel.cli`
    app = typer.Typer(no_args_is_help=True)
    app.add_typer(train_app, name="train")
    app.add_typer(wm_app, name="wm")
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
