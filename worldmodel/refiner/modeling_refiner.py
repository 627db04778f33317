"""The world model's pixel refiner: sharpens what the latent diffusion imagined.

The diffusion transformer works on 4x4 patches of 4x-downsampled latents, so a moving arm comes
out of it as a soft smear where it was and where it goes. The refiner is a small U-Net at full
resolution that sees, for each imagined frame, the real current frame (sharp pixels of the arm and
objects to move), the imagined frame, and blobs where the hand is now and where the actions should
have taken it (the same calibration as the world model's hand maps). It predicts a correction to
the imagined frame; its last layer starts at zero, so an untrained refiner changes nothing. It is
trained on the world model's own imaginations of training windows against the real futures (a
cascade stage, as in Imagen Video's super-resolution models). It needs the actions, so it serves
the world model's simulation use (the future of given actions); imagination from words alone is
not refined.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from worldmodel.camera import gaussian_blobs
from worldmodel.checkpoint import PretrainedModel
from worldmodel.refiner.configuration_refiner import RefinerConfig

IN_CHANNELS = 3 + 3 + 3 + 3  # now, imagined, their difference, conditions()


def _convs(c_in: int, c_out: int, n: int = 2) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [
            nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1),
            nn.GroupNorm(min(8, c_out), c_out),
            nn.SiLU(),
        ]
    return nn.Sequential(*layers)


class FrameRefiner(PretrainedModel):
    model_type = "refiner"
    config_class = RefinerConfig

    def __init__(self, config: RefinerConfig) -> None:
        super().__init__(config)
        ch = config.channels
        self.down = nn.ModuleList([_convs(IN_CHANNELS, ch[0])])
        for c_in, c_out in zip(ch[:-1], ch[1:], strict=True):
            self.down.append(
                nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), _convs(c_out, c_out))
            )
        self.up = nn.ModuleList(
            [
                _convs(c_deep + c_skip, c_skip)
                for c_deep, c_skip in zip(ch[:0:-1], ch[-2::-1], strict=True)
            ]
        )
        self.out = nn.Conv2d(ch[0], 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def conditions(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W): a blob where the hand is now, one where the actions take it by each
        frame, and a plane saying how far into the horizon the frame is."""
        cfg, size = self.config, self.config.image_size
        b, t = actions.shape[:2]
        now = states[:, None, :3].expand(b, t, 3)
        expected = now + actions[..., :3].cumsum(1) * cfg.action_scale
        blobs = gaussian_blobs(torch.stack([now, expected], dim=2), size, cfg.hand_map_sigma)
        step = (torch.arange(1, t + 1, device=actions.device) / cfg.frames).view(1, t, 1, 1, 1)
        return torch.cat([blobs, step.expand(b, t, 1, size, size)], dim=2)

    def forward(
        self,
        now: torch.Tensor,
        imagined: torch.Tensor,
        states: torch.Tensor,
        actions: torch.Tensor,
    ) -> torch.Tensor:
        """now (B, 3, H, W) and imagined (B, T, 3, H, W) in [-1, 1]; states (B, >=3) with the
        hand position first; actions (B, T, >=3) -> refined frames (B, T, 3, H, W)."""
        b, t = imagined.shape[:2]
        now_t = now[:, None].expand_as(imagined)
        x = torch.cat(
            [now_t, imagined, imagined - now_t, self.conditions(states, actions)], dim=2
        ).flatten(0, 1)
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, skips[-2::-1], strict=True):
            x = block(torch.cat([F.interpolate(x, scale_factor=2.0, mode="nearest"), skip], 1))
        refined = imagined.flatten(0, 1) + self.out(x)
        return refined.view_as(imagined)
