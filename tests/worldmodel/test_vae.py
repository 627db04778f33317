import numpy as np
import pytest
import torch

from worldmodel.training.vae import VAERecipe, evaluate_vae, psnr
from worldmodel.vae.configuration_vae import VAEConfig
from worldmodel.vae.modeling_vae import FrameVAE

TINY = VAEConfig(
    image_size=32, channels=[8, 16], encoder_blocks=[0, 1], decoder_blocks=[1, 1], latent_channels=4
)


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match="one entry per level"):
        VAEConfig(channels=[8, 16], decoder_blocks=[0, 1, 2])
    assert VAEConfig().latent_size == 16 and VAEConfig().downsample == 4


def test_encode_decode_shapes_for_frames_and_videos():
    vae = FrameVAE(TINY)
    mean, logvar = vae.encode(torch.zeros(3, 3, 32, 32))
    assert mean.shape == logvar.shape == (3, 4, 16, 16)
    assert vae.decode(mean).shape == (3, 3, 32, 32)
    z = vae.encode_video(torch.zeros(2, 5, 3, 32, 32))
    assert z.shape == (2, 4, 5, 16, 16)
    assert vae.decode_video(z).shape == (2, 5, 3, 32, 32)


def test_recipe_crops_on_the_latent_grid_and_evaluates(wm_arrays):
    recipe = VAERecipe(wm_arrays, wm_arrays, TINY, crop=16, eval_frames=8)
    batch = recipe.batch(np.random.default_rng(0), 4)
    assert batch["images"].shape == (4, 3, 16, 16)
    loss, parts = recipe.loss(recipe.build_model(), batch, torch.Generator())
    assert torch.isfinite(loss) and parts["kl"] >= 0
    assert evaluate_vae(recipe.build_model(), wm_arrays, frames=8)["vae.frames"] == 8
    with pytest.raises(ValueError, match="multiple of 2"):
        VAERecipe(wm_arrays, None, TINY, crop=15)


def test_psnr_of_identical_images_is_large():
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    assert torch.all(psnr(x, x) > 90)
    assert torch.allclose(
        psnr(torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)), torch.tensor([6.0206])
    )
