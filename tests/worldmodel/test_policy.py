"""The policy imaginer: the world model fine-tuned on success episodes, without actions, from the
current frame alone; and its evaluation as a policy (IDM moves vs the expert's)."""

import json

import numpy as np
import torch

from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
from worldmodel.evaluation import evaluate_policy
from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel
from worldmodel.training.policy import PolicyRecipe
from worldmodel.training.trainer import TrainConfig, train
from worldmodel.vae.modeling_vae import FrameVAE

from .test_world_model import TINY_VAE, TINY_WM


def _saved_models(tmp_path):
    torch.manual_seed(0)
    FrameVAE(TINY_VAE).save_pretrained(tmp_path / "vae")
    WorldModel(TINY_WM).save_pretrained(tmp_path / "wm")


def test_recipe_sees_successes_only_without_actions_mostly_from_one_frame(tmp_path, wm_arrays):
    _saved_models(tmp_path)
    recipe = PolicyRecipe(
        wm_arrays, None, init_from=tmp_path / "wm", vae_dir=tmp_path / "vae", cache_dir=tmp_path
    )
    assert wm_arrays.success[recipe.rows[:, 0]].all() and not wm_arrays.success.all()
    batch = recipe.batch(np.random.default_rng(0), 256)
    assert not batch["action_mask"].any()
    ctx = batch["context"]  # (B, C, K, h, w): static rows repeat the current frame
    static = (ctx[:, :, 0] == ctx[:, :, -1]).flatten(1).all(1).float().mean()
    assert 0.65 < static < 0.95, static  # 75% drawn static, plus windows at an episode's start
    train(recipe, TrainConfig(steps=3, batch_size=4, lr=1e-3, ema_decay=None), tmp_path / "out")
    config = json.loads((tmp_path / "out" / "policy" / "config.json").read_text())
    assert config["static_context"] is True


def test_static_context_model_ignores_older_frames(wm_arrays):
    torch.manual_seed(0)
    vae = FrameVAE(TINY_VAE)
    model = WorldModel(TINY_WM.model_copy(update={"static_context": True}))
    pipeline = WorldModelPipeline(vae, model)
    now = wm_arrays.frames[5]
    moving = np.stack([wm_arrays.frames[4], now])[None]
    still = np.stack([now, now])[None]
    kw = dict(states=wm_arrays.states[:1], seed=1)
    assert np.array_equal(
        pipeline(moving, ["open the drawer"], **kw), pipeline(still, ["open the drawer"], **kw)
    )
    plain = WorldModelPipeline(vae, WorldModel(TINY_WM))
    plain.model.load_state_dict(model.state_dict())
    assert not np.array_equal(
        plain(moving, ["open the drawer"], **kw), plain(still, ["open the drawer"], **kw)
    )


def test_policy_evaluation_compares_imagined_moves_with_the_expert(wm_arrays):
    torch.manual_seed(0)
    pipeline = WorldModelPipeline(FrameVAE(TINY_VAE), WorldModel(TINY_WM))
    idm = InverseDynamicsModel(IDMConfig(image_size=32, channels=[4, 8], hidden=8))
    goals = (
        np.zeros((len(wm_arrays), 2, 3), np.float32),
        np.zeros((len(wm_arrays), 2), np.float32),
    )
    result = evaluate_policy(pipeline, idm, wm_arrays, goals, windows=4, rollouts=2)
    assert result["policy.windows"] == 4 and result["policy.rollouts"] == 2
    assert -1 <= result["policy.move_cosine"] <= 1 and result["policy.move_ratio"] >= 0
    assert -1 <= result["policy.move_cosine_continue"] <= 1
