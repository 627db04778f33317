"""Which recipe trains which model, on which splits; used by `reverie train`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from worldmodel.checkpoint import CONFIG_NAME, DEFAULT_CHECKPOINTS, WEIGHTS_NAME
from worldmodel.data.collected import ROLLOUTS_NAME, TAKEOVERS_GLOB
from worldmodel.data.lerobot_v3 import DatasetError
from worldmodel.training.cache import EpisodeArrays, load_split
from worldmodel.training.options import WorldModelOptions
from worldmodel.training.trainer import TrainConfig, train

# `all` trains in this order: the world model's evaluation inverts its imaginations with the IDM.
MODELS: tuple[str, ...] = ("idm", "judge", "wm", "policy")
# Not part of `all`: the IDM fine-tuned on a trained world model's imaginations.
CALIBRATION = "idm-calibrate"


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


def build(model: str, data: Path, out: Path, wm: WorldModelOptions | None = None):
    """(recipe, default TrainConfig) for `model` trained on `data/train`, validated on `data/test`."""
    wm = wm or WorldModelOptions()
    if model not in (*MODELS, CALIBRATION):
        raise ValueError(f"unknown model {model!r}; valid: {', '.join((*MODELS, CALIBRATION))}")
    train_split = _split(data, "train", in_memory=True, required=True)
    val_split = _split(data, "test", in_memory=False, required=False)
    if model == "idm":
        from worldmodel.training.idm import DEFAULT_TRAIN, IDMRecipe

        return IDMRecipe(train_split, val_split), DEFAULT_TRAIN
    if model == CALIBRATION:  # the world model and the IDM trained in OUT, else the shipped ones
        from worldmodel.training.calibration import DEFAULT_TRAIN, CalibratedIDMRecipe

        wm_dir, idm_dir = (
            out / name if (out / name / WEIGHTS_NAME).is_file() else DEFAULT_CHECKPOINTS / name
            for name in ("wm", "idm")
        )
        recipe = CalibratedIDMRecipe(
            train_split, val_split, wm_dir, idm_dir, cache_dir=out / "idm-calibrate"
        )
        return recipe, DEFAULT_TRAIN
    if model == "judge":
        from worldmodel.training.judge import DEFAULT_TRAIN, JudgeRecipe
        from worldmodel.training.relabel import relabel_split

        relabeled = relabel_split(train_split)
        rollouts = data / ROLLOUTS_NAME
        if rollouts.is_file():  # the agent's own attempts: hard negatives
            from worldmodel.training.judge import with_rollouts

            train_split = with_rollouts(train_split, rollouts)
        return JudgeRecipe(train_split, val_split, relabeled=relabeled), DEFAULT_TRAIN
    takeovers = sorted(data.glob(TAKEOVERS_GLOB))
    if model == "policy":  # the behaviour-cloning baseline, on the same data as the world model
        from worldmodel.training.policy import DEFAULT_TRAIN, PolicyRecipe

        return PolicyRecipe(
            train_split, val_split, cache_dir=out / "policy", takeovers=takeovers
        ), DEFAULT_TRAIN
    from worldmodel.training.wm import DEFAULT_TRAIN, WorldModelRecipe

    # the IDM trained in this OUT when there, else the shipped one (it inverts imaginations
    # in evaluation); expert finishes from the states the executor reached (DAgger), one file
    # per round
    idm_dir = out / "idm" if (out / "idm" / WEIGHTS_NAME).is_file() else None
    recipe = WorldModelRecipe(
        train_split,
        val_split,
        cache_dir=out / "wm",
        takeovers=takeovers,
        idm_dir=idm_dir,
        **wm.recipe_kwargs(),
    )
    return recipe, DEFAULT_TRAIN


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
    (wm or WorldModelOptions()).check(model)
    recipe, defaults = build(model, data, out, wm)
    config = TrainConfig.model_validate(
        {**defaults.model_dump(), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    )
    metrics = train(recipe, config, out, resume=resume, max_seconds=max_seconds, progress=progress)
    if install:
        target = DEFAULT_CHECKPOINTS / ("idm" if model == CALIBRATION else model)
        target.mkdir(parents=True, exist_ok=True)
        for name in (WEIGHTS_NAME, CONFIG_NAME, "metrics.json"):
            shutil.copy2(out / model / name, target / name)
    return metrics
