"""Training recipe of the frame VAE: L1 + L2 reconstruction and a small KL term, on random crops
(the VAE is fully convolutional, so crops train it at a fraction of the cost of whole frames)."""

from __future__ import annotations

import numpy as np
import torch

from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import to_tensor
from worldmodel.training.trainer import TrainConfig
from worldmodel.vae.configuration_vae import VAEConfig
from worldmodel.vae.modeling_vae import FrameVAE

DEFAULT_TRAIN = TrainConfig(steps=6000, batch_size=32, lr=1e-3, warmup=200, ema_decay=0.999)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PSNR in dB per sample for images in [-1, 1] (peak-to-peak 2)."""
    mse = (a.clamp(-1, 1) - b).square().flatten(1).mean(1)
    return 10 * torch.log10(4.0 / mse.clamp(min=1e-10))


class VAERecipe:
    name = "vae"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: VAEConfig | None = None,
        crop: int = 32,
        kl_weight: float = 1e-6,
        eval_frames: int = 512,
    ) -> None:
        self.config = config or VAEConfig(image_size=train.frames.shape[1])
        if crop % self.config.downsample or crop > self.config.image_size:
            raise ValueError(
                f"crop ({crop}) must be a multiple of {self.config.downsample} and fit the frame"
            )
        self.train_data, self.val_data = train, val
        self.crop, self.kl_weight, self.eval_frames = crop, kl_weight, eval_frames

    def build_model(self) -> FrameVAE:
        return FrameVAE(self.config)

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        idx = np.sort(rng.integers(len(self.train_data.frames), size=batch_size))
        frames = self.train_data.frames[idx]
        grid = self.config.downsample
        slots = (self.config.image_size - self.crop) // grid + 1
        ys, xs = rng.integers(slots, size=(2, batch_size)) * grid
        c = self.crop
        crops = np.stack([f[y : y + c, x : x + c] for f, y, x in zip(frames, ys, xs, strict=True)])
        return {"images": to_tensor(crops)}

    def loss(self, model, batch, generator):
        x = batch["images"]
        recon, mean, logvar = model(x, generator)
        l1 = (recon - x).abs().mean()
        l2 = (recon - x).square().mean()
        kl = 0.5 * (mean.square() + logvar.exp() - 1 - logvar).mean()
        return l1 + l2 + self.kl_weight * kl, {"l2": float(l2.detach()), "kl": float(kl.detach())}

    def evaluate(self, model: FrameVAE) -> dict:
        return evaluate_vae(model, self.val_data, self.eval_frames) if self.val_data else {}


@torch.no_grad()
def evaluate_vae(model: FrameVAE, data: EpisodeArrays, frames: int = 512, seed: int = 0) -> dict:
    idx = np.sort(
        np.random.default_rng(seed).choice(
            len(data.frames), min(frames, len(data.frames)), replace=False
        )
    )
    x = to_tensor(data.frames[idx])
    scores = torch.cat([psnr(model.decode(model.encode(b)[0]), b) for b in x.split(128)])
    mean, _ = model.encode(x[:128])
    return {
        "vae.psnr_db": round(float(scores.mean()), 2),
        "vae.psnr_db_p10": round(float(scores.quantile(0.1)), 2),
        "vae.latent_std": round(float(mean.std()), 4),
        "vae.frames": len(idx),
    }
