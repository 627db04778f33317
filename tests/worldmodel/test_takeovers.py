"""Expert take-overs (DAgger): the world-model executor acts, the scripted expert finishes, and
the expert's part joins the world model's training episodes."""

import numpy as np
import pytest
import torch

from worldmodel.checkpoint import CheckpointError
from worldmodel.data.lerobot_v3 import DatasetError
from worldmodel.data.takeovers import FIELDS, HANDOVER_CHUNKS, record_takeovers
from worldmodel.training.trainer import TrainConfig, TrainingInterrupted, train
from worldmodel.training.wm import WorldModelRecipe

from .conftest import synthetic_arrays
from .test_world_model import TINY_VAE, TINY_WM, vae_dir  # noqa: F401 (fixture)


def test_recorded_takeover_is_an_expert_finish_from_the_executors_state(tmp_path):
    seen = []
    summary = record_takeovers(
        tmp_path / "t.npz", episodes=1, seed=40_004, progress=lambda *a: seen.append(a)
    )
    assert summary["episodes"] == 1 and seen == [(1, summary["expert_successes"] == 1)]
    with np.load(tmp_path / "t.npz", allow_pickle=False) as saved:
        assert set(FIELDS) <= set(saved.files)
        n = int(saved["lengths"][0])
        assert saved["frames"].shape == (n, 64, 64, 3) and len(saved["actions"]) == n
        assert saved["task_seed"].tolist() == [40_004]
        lo, hi = HANDOVER_CHUNKS
        assert 4 * lo <= saved["handover_step"][0] <= 4 * hi
        # the hand did not start at rest: the executor moved it before the hand-over
        assert saved["goal_mask"][0].sum() >= 1 and saved["success"][0]
        assert np.abs(saved["actions"][:-1, :3]).max() > 0.1
    assert not list(tmp_path.glob("*.tmp*"))
    with pytest.raises(ValueError, match="workers must be >= 1"):
        record_takeovers(tmp_path / "x.npz", episodes=1, workers=0)


def _takeover_file(path, size=32, lengths=(5, 7), value=9):
    n = sum(lengths)
    np.savez(
        path,
        frames=np.full((n, size, size, 3), value, np.uint8),
        actions=np.ones((n, 4), np.float32),
        states=np.zeros((n, 4), np.float32),
        lengths=np.array(lengths),
        instructions=np.array(["open the drawer", "press the button"]),
        skills=np.array(["open_drawer", "press_button"]),
        goals=np.full((2, 2, 3), 0.1, np.float32),
        goal_mask=np.array([[1, 0], [1, 0]], np.float32),
        success=np.array([True, True]),
        handover_step=np.array([8, 12]),
        task_seed=np.array([1, 2]),
    )
    return path


def test_recipe_appends_takeovers_with_latents_and_goals(tmp_path, vae_dir):  # noqa: F811
    train_arrays = synthetic_arrays(episodes=4, length=6, size=32)
    path = _takeover_file(tmp_path / "t.npz")
    recipe = WorldModelRecipe(
        train_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, takeovers=[path]
    )
    data = recipe.train_data
    assert len(data) == 6 and data.episode_frames(5).shape == (7, 32, 32, 3)
    assert len(recipe.latents) == len(data.frames) == 24 + 12
    assert recipe.goals.shape == (6, 2, 3) and np.allclose(recipe.goals[4:], 0.1)
    assert recipe.goal_mask[4:].tolist() == [[1, 0], [1, 0]] and recipe.goal_mask[:4].sum() == 0
    assert len(recipe.rows) == 4 * 5 + 4 + 6  # windows from the take-overs too
    assert list(tmp_path.glob("latents_*_takeovers_*.npy"))  # cached by the file's content
    assert (
        recipe.options()["takeovers"]
        and "takeovers"
        not in WorldModelRecipe(
            train_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path
        ).options()
    )
    batch = recipe.batch(np.random.default_rng(0), 4)
    assert torch.isfinite(recipe.loss(recipe.build_model(), batch, torch.Generator())[0])

    with pytest.raises(DatasetError, match="record-takeovers"):
        WorldModelRecipe(
            train_arrays,
            None,
            TINY_WM,
            vae_dir=vae_dir,
            cache_dir=tmp_path,
            takeovers=[_takeover_file(tmp_path / "small.npz", size=16)],
        )
    np.savez(tmp_path / "partial.npz", frames=np.zeros((3, 32, 32, 3), np.uint8))
    with pytest.raises(DatasetError, match="missing actions"):
        WorldModelRecipe(
            train_arrays, None, TINY_WM, vae_dir=vae_dir, takeovers=[tmp_path / "partial.npz"]
        )


def test_resuming_with_other_takeovers_is_refused(tmp_path, vae_dir):  # noqa: F811
    train_arrays = synthetic_arrays(episodes=4, length=6, size=32)
    config = TrainConfig(steps=3, batch_size=2, lr=1e-3, warmup=1, log_every=1)

    def recipe(path):
        return WorldModelRecipe(
            train_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, takeovers=[path]
        )

    first = _takeover_file(tmp_path / "a.npz")
    with pytest.raises(TrainingInterrupted):
        train(recipe(first), config, tmp_path / "run", max_seconds=0)
    other = _takeover_file(tmp_path / "b.npz", value=200)
    with pytest.raises(CheckpointError, match=r"changed: takeovers"):
        train(recipe(other), config, tmp_path / "run")
    assert train(recipe(first), config, tmp_path / "run")["steps"] == 3
