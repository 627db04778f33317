"""Fixtures for the world-model tests: synthetic episode arrays (no simulator) and one tiny real
dataset recorded by `reverie datagen` (shared by the session)."""

import numpy as np
import pytest

from worldmodel.training.cache import EpisodeArrays


def synthetic_arrays(episodes: int = 6, length: int = 12, size: int = 32, seed: int = 0):
    """Episodes where a bright square moves by the action each step (an IDM can learn it)."""
    rng = np.random.default_rng(seed)
    frames, actions = [], []
    for _ in range(episodes):
        pos = rng.uniform(8, size - 8, 2)
        acts = rng.uniform(-1, 1, (length, 4)).astype(np.float32)
        for t in range(length):
            img = np.full((size, size, 3), 40, np.uint8)
            y, x = pos.astype(int)
            img[y - 2 : y + 2, x - 2 : x + 2] = (250, 60, 60)
            frames.append(img)
            pos = np.clip(pos + 2 * acts[t, :2], 4, size - 4)
        actions.append(acts)
    lengths = np.full(episodes, length, np.int64)
    return EpisodeArrays(
        root=None,  # type: ignore[arg-type]
        frames=np.stack(frames),
        actions=np.concatenate(actions),
        states=np.zeros((episodes * length, 4), np.float32),
        starts=np.arange(episodes, dtype=np.int64) * length,
        lengths=lengths,
        success=np.arange(episodes) % 2 == 0,
        instructions=[
            "put the red block in the bowl" if i % 3 else "open the drawer" for i in range(episodes)
        ],
        skills=["pick_place"] * episodes,
        args=[{}] * episodes,
        failure_modes=[None] * episodes,
        episode_index=list(range(episodes)),
    )


@pytest.fixture
def wm_arrays():
    return synthetic_arrays()


@pytest.fixture(scope="session")
def wm_dataset(tmp_path_factory):
    """A real dataset: 4 training, 2 test and 2 holdout episodes at 64 px."""
    from worldmodel.data.datagen import DatagenConfig, run_datagen

    out = tmp_path_factory.mktemp("wm_data")
    run_datagen(
        DatagenConfig(episodes=4, out=out, workers=1, seed=5, test_episodes=2, holdout_episodes=2)
    )
    return out


def save_tiny_checkpoints(root, image_size: int = 64, frames: int = 4):
    """Untrained wm/, idm/ and judge/ laid out like checkpoints/, small enough for tests."""
    import torch

    from worldmodel.diffusion.configuration_world_model import WorldModelConfig
    from worldmodel.diffusion.modeling_world_model import WorldModel
    from worldmodel.idm.configuration_idm import IDMConfig
    from worldmodel.idm.modeling_idm import InverseDynamicsModel
    from worldmodel.judge.configuration_judge import JudgeConfig
    from worldmodel.judge.modeling_judge import Judge
    from worldmodel.text.configuration_text import TextEncoderConfig

    torch.manual_seed(0)
    wm = WorldModelConfig(
        image_size=image_size, frames=frames, block_out_channels=[8, 8, 32], layers_per_block=1
    )
    WorldModel(wm).save_pretrained(root / "wm")
    idm = IDMConfig(image_size=image_size, channels=[4, 8], hidden=8)
    InverseDynamicsModel(idm).save_pretrained(root / "idm")
    text = TextEncoderConfig(dim=16, layers=1, heads=2)
    judge = JudgeConfig(
        image_size=image_size, frames=4, channels=[4, 8], frame_dim=8, hidden=8, text=text
    )
    Judge(judge).save_pretrained(root / "judge")
    return root


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory):
    """Untrained 64 px models in a folder laid out like checkpoints/ (wm/, idm/, judge/)."""
    return save_tiny_checkpoints(tmp_path_factory.mktemp("ckpt"))
