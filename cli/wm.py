"""`reverie wm imagine` and `reverie wm score`: imagine with the world model, invert with the
IDM and judge; score the learned models on a recorded split.

Heavy modules (torch, diffusers) are imported inside the commands so `reverie --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DataOption,
    JsonFlag,
    check_at_least,
    check_rollouts,
    check_seed,
    fail,
    user_errors,
)

wm_app = typer.Typer(
    help="Imagine with the world model; score the learned models.", no_args_is_help=True
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
    import time

    if not instruction.strip():
        fail('--instruction must not be empty; e.g. --instruction "open the drawer"')
    check_rollouts(rollouts)
    check_seed(seed)
    import numpy as np

    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.goals import goal_points
    from worldmodel.imagine import Imaginer
    from worldmodel.video import write_rollout_video

    try:
        imaginer = Imaginer(checkpoints, steps=steps)
    except user_errors() as exc:
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
    data: DataOption = Path("data/episodes"),
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
    check_at_least("--windows", windows, 1)
    if not (data / split).is_dir():
        fail(
            f"no recorded {split} split in {data}; record one with "
            f"`reverie datagen --episodes 2000 --out {data}` or point --data at one"
        )
    try:
        result = score_split(data / split, checkpoints, windows=windows, steps=steps)
    except user_errors() as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key:>24}: {value}")
