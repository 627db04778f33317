"""A small convolutional VAE for 64 px frames, trained from scratch (4x spatial compression by
default: a 64x64x3 frame becomes 16x16x8 latents). The world model diffuses in its latent space;
video is handled frame by frame (the transformer models time)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from worldmodel.checkpoint import PretrainedModel
from worldmodel.vae.configuration_vae import VAEConfig


class ResBlock(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.GroupNorm(min(8, c), c),
            nn.SiLU(),
            nn.Conv2d(c, c, 3, padding=1),
            nn.GroupNorm(min(8, c), c),
            nn.SiLU(),
            nn.Conv2d(c, c, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class Upsample(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class FrameVAE(PretrainedModel):
    model_type = "vae"
    config_class = VAEConfig

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        ch = config.channels
        # 1. encoder: full-resolution stem, then downsample level by level
        enc: list[nn.Module] = [nn.Conv2d(3, ch[0], 3, padding=1)]
        for i, c in enumerate(ch):
            if i:
                enc.append(nn.Conv2d(ch[i - 1], c, 3, stride=2, padding=1))
            enc += [ResBlock(c) for _ in range(config.encoder_blocks[i])]
        enc += [nn.GroupNorm(min(8, ch[-1]), ch[-1]), nn.SiLU()]
        enc.append(nn.Conv2d(ch[-1], 2 * config.latent_channels, 3, padding=1))
        self.encoder = nn.Sequential(*enc)
        # 2. decoder: the mirror image, nearest-neighbour upsampling + conv
        dec: list[nn.Module] = [nn.Conv2d(config.latent_channels, ch[-1], 3, padding=1)]
        for i in reversed(range(len(ch))):
            dec += [ResBlock(ch[i]) for _ in range(config.decoder_blocks[i])]
            if i:
                dec.append(Upsample(ch[i], ch[i - 1]))
        dec += [nn.GroupNorm(min(8, ch[0]), ch[0]), nn.SiLU(), nn.Conv2d(ch[0], 3, 3, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """images (B, 3, H, W) in [-1, 1] -> posterior mean and log-variance (B, C, h, w)."""
        mean, logvar = self.encoder(images).chunk(2, dim=1)
        return mean, logvar.clamp(-20.0, 10.0)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """latents (B, C, h, w) -> images (B, 3, H, W), roughly in [-1, 1]."""
        return self.decoder(latents)

    def forward(self, images: torch.Tensor, generator: torch.Generator | None = None):
        mean, logvar = self.encode(images)
        noise = torch.randn(mean.shape, generator=generator, device=mean.device)
        z = mean + noise * (0.5 * logvar).exp()
        return self.decode(z), mean, logvar

    # video helpers: (B, T, 3, H, W) <-> (B, C, T, h, w), the layout the transformer uses
    @torch.no_grad()
    def encode_video(self, video: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        b, t = video.shape[:2]
        flat = video.flatten(0, 1)
        z = torch.cat([self.encode(x)[0] for x in flat.split(batch_size)])
        return z.view(b, t, *z.shape[1:]).transpose(1, 2)

    @torch.no_grad()
    def decode_video(self, latents: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        b, _, t = latents.shape[:3]
        flat = latents.transpose(1, 2).flatten(0, 1)
        x = torch.cat([self.decode(z) for z in flat.split(batch_size)])
        return x.view(b, t, *x.shape[1:])
