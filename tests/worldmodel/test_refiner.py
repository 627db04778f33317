"""The world model's pixel refiner: identity before training, hand blobs where the camera sees the
hand, learns from the world model's imaginations, and runs only when actions are given."""

import numpy as np
import pytest
import torch

from robot_bridge.sim import layout as L
from worldmodel.camera import gaussian_blobs, project
from worldmodel.checkpoint import weights_sha256
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
from worldmodel.refiner.configuration_refiner import RefinerConfig
from worldmodel.refiner.modeling_refiner import FrameRefiner
from worldmodel.training.refiner import RefinerRecipe
from worldmodel.training.trainer import TrainConfig, train
from worldmodel.vae.modeling_vae import FrameVAE

from .test_world_model import TINY_VAE, TINY_WM

TINY = RefinerConfig(image_size=32, channels=[4, 8], frames=3)


def test_untrained_refiner_changes_nothing_and_round_trips(tmp_path):
    torch.manual_seed(0)
    refiner = FrameRefiner(TINY)
    now, imagined = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 3, 32, 32) * 2 - 1
    states, actions = torch.zeros(2, 4), torch.rand(2, 3, 4)
    assert torch.equal(refiner(now, imagined, states, actions), imagined)
    torch.nn.init.normal_(refiner.out.weight)  # a trained last layer
    loaded = FrameRefiner.from_pretrained(refiner.save_pretrained(tmp_path / "refiner"))
    out = loaded(now, imagined, states, actions)
    assert torch.allclose(out, refiner(now, imagined, states, actions))
    assert not torch.equal(out, imagined)


def test_hand_blob_peaks_where_the_camera_sees_the_hand():
    point = torch.tensor(L.CAMERA_TARGET, dtype=torch.float32) + torch.tensor([0.08, 0.05, 0.1])
    blob = gaussian_blobs(point, 64, 0.08)
    x, y = project(point).tolist()
    assert -0.9 < x < 0.9 and -0.9 < y < 0.9 and (abs(x) > 0.1 or abs(y) > 0.1)
    row, col = np.unravel_index(int(blob.argmax()), blob.shape)
    assert abs(col - (x + 1) / 2 * 63) <= 1 and abs(row - (y + 1) / 2 * 63) <= 1


def test_recipe_learns_and_the_pipeline_refines_only_given_actions(tmp_path, wm_arrays):
    torch.manual_seed(0)
    FrameVAE(TINY_VAE).save_pretrained(tmp_path / "vae")
    WorldModel(TINY_WM).save_pretrained(tmp_path / "wm")
    recipe = RefinerRecipe(
        wm_arrays,
        wm_arrays,
        TINY,
        vae_dir=tmp_path / "vae",
        wm_dir=tmp_path / "wm",
        cache_dir=tmp_path / "cache",
        windows=8,
        eval_windows=4,
    )
    assert len(list((tmp_path / "cache").glob("imagined_*.npz"))) == 1  # not imagined again
    batch = recipe.batch(np.random.default_rng(0), 4)
    assert batch["imagined"].shape == (4, 3, 32, 32, 3)
    model = recipe.build_model()
    with torch.no_grad():
        before = float(recipe.loss(model, batch, None)[0])
    config = TrainConfig(steps=40, batch_size=4, lr=3e-3, warmup=5, ema_decay=None)
    metrics = train(recipe, config, tmp_path / "runs")
    assert len(metrics["wm.psnr_db"]) == len(metrics["wm.psnr_db_unrefined"]) == 3
    assert metrics["wm.refined"] is True
    trained = FrameRefiner.from_pretrained(tmp_path / "runs" / "refiner")
    with torch.no_grad():
        assert float(recipe.loss(trained, batch, None)[0]) < before

    plain = recipe.pipeline
    refined = WorldModelPipeline(plain.vae, plain.model, refiner=trained)
    context = wm_arrays.frames[:2][None]
    state, actions = wm_arrays.states[:1], wm_arrays.actions[None, :3]
    kw = dict(states=state, seed=3)
    assert np.array_equal(
        refined(context, ["open the drawer"], **kw), plain(context, ["open the drawer"], **kw)
    )
    with_actions = refined(context, ["open the drawer"], actions=actions, **kw)
    assert not np.array_equal(
        with_actions, plain(context, ["open the drawer"], actions=actions, **kw)
    )
    unrefined = refined(context, ["open the drawer"], actions=actions, refine=False, **kw)
    assert np.array_equal(unrefined, plain(context, ["open the drawer"], actions=actions, **kw))


def test_a_refiner_made_for_another_world_model_is_left_out(tmp_path):
    torch.manual_seed(0)
    FrameVAE(TINY_VAE).save_pretrained(tmp_path / "vae")
    WorldModel(TINY_WM).save_pretrained(tmp_path / "wm")
    made_for = weights_sha256(tmp_path / "wm")
    config = TINY.model_copy(update={"world_model_sha256": made_for})
    FrameRefiner(config).save_pretrained(tmp_path / "refiner")
    assert WorldModelPipeline.from_pretrained(tmp_path).refiner is not None
    WorldModel(TINY_WM).save_pretrained(tmp_path / "wm")  # retrained: other weights
    with pytest.warns(UserWarning, match="another world model.*reverie train refiner"):
        assert WorldModelPipeline.from_pretrained(tmp_path).refiner is None
