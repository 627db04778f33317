"""The whole pipeline at a camera size other than the shipped 64 px: record, train every model a
few steps, and act with them. A grasp needs ~1 px of precision at 64 px (README), so larger
imagination is the way forward and must not need code changes."""

import numpy as np
import pytest

from agent.executors.worldmodel import WorldModelExecutor
from agent.planners.base import PlannedStep
from worldmodel.checkpoint import shipped_image_size
from worldmodel.data.datagen import DatagenConfig, run_datagen
from worldmodel.diffusion.configuration_world_model import WorldModelConfig
from worldmodel.imagine import Imaginer
from worldmodel.training.pipeline import MODELS, run

from .conftest import synthetic_arrays

SIZE = 128


@pytest.fixture(scope="module")
def data_128(tmp_path_factory):
    out = tmp_path_factory.mktemp("data_128")
    run_datagen(
        DatagenConfig(
            episodes=6, out=out, seed=3, image_size=SIZE, test_episodes=2, holdout_episodes=1
        )
    )
    return out


@pytest.fixture
def tiny_world_model(monkeypatch):
    """`reverie train wm` as it is, with a world model small enough for a test: the recipe
    still takes the frame size from the episodes, and evaluates on a few windows only."""
    import worldmodel.evaluation
    import worldmodel.training.wm as wm

    class TinyRecipe(wm.WorldModelRecipe):
        def __init__(self, train, val=None, **kw):
            size = train.frames.shape[1]
            config = WorldModelConfig(image_size=size, frames=4, block_out_channels=[8, 8, 8, 32])
            super().__init__(train, val, config=config, eval_windows=4, **kw)

        def _delta_scale(self, windows: int = 2048) -> float:
            return super()._delta_scale(windows=64)  # 2048 windows of 128 px frames: gigabytes

    policy = worldmodel.evaluation.evaluate_policy
    monkeypatch.setattr(wm, "WorldModelRecipe", TinyRecipe)
    monkeypatch.setattr(
        worldmodel.evaluation,
        "evaluate_policy",
        lambda *args, **kw: policy(*args, **{**kw, "windows": 2, "rollouts": 2}),
    )


def test_every_model_the_agent_uses_trains_and_acts_at_128_px(data_128, tmp_path, tiny_world_model):
    metrics = {}
    for model in MODELS:  # in order: the world model's evaluation inverts with OUT/idm
        metrics[model] = run(model, data_128, tmp_path, overrides={"steps": 2, "batch_size": 2})
    assert metrics["wm"]["steps"] == 2 and metrics["wm"]["wm.windows"] == 4
    assert "policy.move_cosine" in metrics["wm"]
    assert shipped_image_size(tmp_path) == SIZE  # read from OUT/wm

    imaginer = Imaginer(tmp_path)
    assert imaginer.image_size == SIZE
    executor = WorldModelExecutor(rollouts=2, imaginer=imaginer)
    assert executor.image_size == SIZE
    step = PlannedStep(skill="press_button", args={}, instruction="press the button")
    executor.begin(step)
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    objects = {"button": (0.0, -0.1, 0.02)}
    proposal = executor.propose(step, frame, np.array([0.0, -0.1, 0.15, 1.0]), objects=objects)
    assert proposal.imagined.shape[1:] == (SIZE, SIZE, 3)
    assert proposal.actions.shape == (4, 4) and len(proposal.scores) == 2


def test_the_world_model_recipe_sizes_its_model_from_the_episodes(tmp_path, monkeypatch):
    from worldmodel.training.wm import WorldModelRecipe

    # the change scale of the data is beside the point here, and costs gigabytes at 128 px
    monkeypatch.setattr(WorldModelRecipe, "_delta_scale", lambda self: 1.0)
    arrays = synthetic_arrays(episodes=2, length=6, size=SIZE)
    assert WorldModelRecipe(arrays).config.image_size == SIZE
    with pytest.raises(ValueError, match="configured for 64 px frames, the episodes are 128 px"):
        WorldModelRecipe(arrays, config=WorldModelConfig(image_size=64))
    assert shipped_image_size(tmp_path) == 64  # no world model there: the shipped size
