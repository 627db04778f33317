"""Which recipe trains which model, on which splits; used by `reverie train`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from worldmodel.checkpoint import CONFIG_NAME, DEFAULT_CHECKPOINTS, WEIGHTS_NAME
from worldmodel.data.lerobot_v3 import DatasetError
from worldmodel.data.rollouts import ROLLOUTS_NAME
from worldmodel.training.cache import EpisodeArrays, load_split
from worldmodel.training.trainer import TrainConfig, train

# `all` trains in this order: the world model needs the VAE's latents, the refiner refines the
# world model's imaginations.
MODELS: tuple[str, ...] = ("idm", "judge", "vae", "wm", "refiner")


def _split(data: Path, name: str, in_memory: bool, required: bool) -> EpisodeArrays | None:
    root = data / name
    if not root.is_dir():
        if required:
            raise DatasetError(
                f"{root}: missing; --data must be the folder `reverie datagen --out` wrote "
                "(holding train/, test/ and holdout/)"
            )
        return None
    return load_split(root, in_memory=in_memory)


@dataclass(frozen=True)
class WorldModelOptions:
    """`reverie train wm` only: start from a trained model (`init_from`, new input channels at
    zero), draw a share of each batch from the episodes' first steps (`early_windows`), add
    the per-frame goal-offset inputs (`goal_vectors`), train that share of windows without
    their actions (`drop_actions`, None: the recipe's default), from success episodes only
    (`imagine_successes`), and weigh the loss towards what moves (`motion_weight`)."""

    init_from: Path | None = None
    early_windows: float = 0.0
    goal_vectors: bool = False
    drop_actions: float | None = None
    imagine_successes: bool = False
    motion_weight: float = 0.0


def build(model: str, data: Path, out: Path, wm: WorldModelOptions | None = None):
    """(recipe, default TrainConfig) for `model` trained on `data/train`, validated on `data/test`."""
    wm = wm or WorldModelOptions()
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; valid: {', '.join(MODELS)}")
    train_split = _split(data, "train", in_memory=True, required=True)
    val_split = _split(data, "test", in_memory=False, required=False)
    if model == "idm":
        from worldmodel.training.idm import DEFAULT_TRAIN, IDMRecipe

        return IDMRecipe(train_split, val_split), DEFAULT_TRAIN
    if model == "judge":
        from worldmodel.training.judge import DEFAULT_TRAIN, JudgeRecipe
        from worldmodel.training.relabel import relabel_split

        relabeled = relabel_split(train_split)
        rollouts = data / ROLLOUTS_NAME
        if rollouts.is_file():  # the agent's own attempts: hard negatives
            from worldmodel.training.judge import with_rollouts

            train_split = with_rollouts(train_split, rollouts)
        return JudgeRecipe(train_split, val_split, relabeled=relabeled), DEFAULT_TRAIN
    if model == "vae":
        from worldmodel.training.vae import DEFAULT_TRAIN, VAERecipe

        return VAERecipe(train_split, val_split), DEFAULT_TRAIN
    # trained in this OUT if there, else the shipped ones
    vae_dir = out / "vae" if (out / "vae" / WEIGHTS_NAME).is_file() else None
    if model == "refiner":
        from worldmodel.training.refiner import DEFAULT_TRAIN, RefinerRecipe

        wm_dir = out / "wm" if (out / "wm" / WEIGHTS_NAME).is_file() else None
        recipe = RefinerRecipe(
            train_split, val_split, vae_dir=vae_dir, wm_dir=wm_dir, cache_dir=out / "refiner"
        )
        return recipe, DEFAULT_TRAIN
    from worldmodel.data.takeovers import TAKEOVERS_GLOB
    from worldmodel.training.wm import DEFAULT_TRAIN, WorldModelRecipe

    # expert finishes from the states the executor reached (DAgger), one file per round
    takeovers = sorted(data.glob(TAKEOVERS_GLOB))
    drop = {} if wm.drop_actions is None else {"p_drop_actions": wm.drop_actions}
    return WorldModelRecipe(
        train_split,
        val_split,
        vae_dir=vae_dir,
        cache_dir=out / "wm",
        init_from=wm.init_from,
        p_early=wm.early_windows,
        goal_vectors=wm.goal_vectors,
        takeovers=takeovers,
        imagine_successes=wm.imagine_successes,
        motion_weight=wm.motion_weight,
        **drop,
    ), DEFAULT_TRAIN


def run(
    model: str,
    data: Path,
    out: Path,
    overrides: dict | None = None,
    resume: bool = True,
    max_seconds: float | None = None,
    install: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
    wm: WorldModelOptions | None = None,
) -> dict:
    """Train one model; with `install`, copy the result into the shipped `checkpoints/`."""
    if model != "wm" and wm not in (None, WorldModelOptions()):
        options = ", ".join("--" + f.name.replace("_", "-") for f in fields(WorldModelOptions))
        raise ValueError(f"{options} apply to the world model only, not {model}")
    recipe, defaults = build(model, data, out, wm)
    config = TrainConfig.model_validate(
        {**defaults.model_dump(), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    )
    metrics = train(recipe, config, out, resume=resume, max_seconds=max_seconds, progress=progress)
    if install:
        target = DEFAULT_CHECKPOINTS / model
        target.mkdir(parents=True, exist_ok=True)
        for name in (WEIGHTS_NAME, CONFIG_NAME, "metrics.json"):
            shutil.copy2(out / model / name, target / name)
    return metrics
