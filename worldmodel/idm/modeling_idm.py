"""The inverse dynamics model (UniPi's design): a small CNN on a short window of frames predicting
the action between the two middle frames, in the simulator's action space ([-1, 1]^4)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from worldmodel.checkpoint import PretrainedModel
from worldmodel.idm.configuration_idm import IDMConfig


def conv_block(c_in: int, c_out: int, double: bool = True) -> nn.Sequential:
    """A stride-2 conv (halves the size), optionally followed by a second conv."""
    layers = [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.GroupNorm(min(8, c_out), c_out)]
    layers.append(nn.SiLU())
    if double:
        layers += [nn.Conv2d(c_out, c_out, 3, padding=1), nn.GroupNorm(min(8, c_out), c_out)]
        layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def conv_stack(c_in: int, channels: list[int]) -> list[nn.Sequential]:
    """Downsampling blocks; only the middle ones get a second conv (full-size convs are costly)."""
    out = []
    for i, c_out in enumerate(channels):
        out.append(conv_block(c_in, c_out, double=0 < i < len(channels) - 1))
        c_in = c_out
    return out


def frames_to_tensor(frames: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (..., H, W, 3) -> float (..., 3, H, W) in [-1, 1]."""
    x = torch.as_tensor(np.asarray(frames)) if not isinstance(frames, torch.Tensor) else frames
    return x.movedim(-1, -3).float() / 127.5 - 1.0


def window_indices(length: int, before: int, after: int) -> np.ndarray:
    """(length - 1, window) frame indices: for action t, frames t-before .. t+1+after, clamped."""
    t = np.arange(length - 1)[:, None]
    offsets = np.arange(-before, 2 + after)[None, :]
    return np.clip(t + offsets, 0, length - 1)


class InverseDynamicsModel(PretrainedModel):
    model_type = "idm"
    config_class = IDMConfig

    def __init__(self, config: IDMConfig) -> None:
        super().__init__(config)
        # 1. frames of the window stacked on channels, plus each frame's difference to the next
        c_in = 3 * config.window + 3 * (config.window - 1)
        self.encoder = nn.Sequential(*conv_stack(c_in, config.channels))
        c = config.channels[-1]
        # 2. the spatial map is flattened (where the hand is matters), then an MLP head
        side = config.image_size // 2 ** len(config.channels)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c * side * side, config.hidden),
            nn.SiLU(),
            nn.Linear(config.hidden, config.action_dim),
        )
        # 3. the training set's mean action: the baseline the IDM is measured against
        self.register_buffer("action_mean", torch.zeros(config.action_dim))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """windows (B, W, 3, H, W) in [-1, 1] -> actions (B, action_dim) in [-1, 1]."""
        diffs = windows[:, 1:] - windows[:, :-1]
        x = torch.cat([windows.flatten(1, 2), diffs.flatten(1, 2)], dim=1)
        return torch.tanh(self.head(self.encoder(x)))

    @torch.no_grad()
    def invert(self, frames: torch.Tensor | np.ndarray, batch_size: int = 256) -> torch.Tensor:
        """Actions between consecutive frames: (..., T, H, W, 3) uint8 or (..., T, 3, H, W) float
        in [-1, 1] -> (..., T - 1, action_dim)."""
        x = frames_to_tensor(frames) if _is_hwc(frames) else torch.as_tensor(frames).float()
        x = x.to(next(self.parameters()).device)
        lead, length = x.shape[:-4], x.shape[-4]
        if length < 2:
            raise ValueError(f"need at least 2 frames to invert, got {length}")
        x = x.reshape(-1, *x.shape[-4:])
        idx = torch.as_tensor(window_indices(length, self.config.before, self.config.after))
        windows = x[:, idx].flatten(0, 1)  # (B * (T-1), W, 3, H, W)
        out = torch.cat([self(w) for w in windows.split(batch_size)])
        return out.reshape(*lead, length - 1, -1)


def _is_hwc(frames) -> bool:
    return frames.shape[-1] == 3 and (isinstance(frames, np.ndarray) or frames.dtype == torch.uint8)
