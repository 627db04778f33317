"""The learned judge: a small video classifier on (frames, instruction) -> P(accomplished).

Each sampled frame is seen next to its difference from the first frame (success is a change:
a block moved, the drawer slid, the light toggled) and, with `colour_masks`, next to masks of the
pixels that have the colours of the blocks the instruction names (colours.py), so the network
need not learn every colour pair's composition from examples of it. The instruction modulates the convolutional
features (FiLM), so the network looks for the objects the text names; the frame features are then
concatenated in time order and classified with the pooled text.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from worldmodel.checkpoint import PretrainedModel
from worldmodel.idm.modeling_idm import conv_stack, frames_to_tensor
from worldmodel.judge.colours import instruction_masks
from worldmodel.judge.configuration_judge import JudgeConfig
from worldmodel.text.modeling_text import build_text_encoder


def sample_indices(length: int, count: int) -> np.ndarray:
    """`count` frame indices spread over `length` frames, first and last included."""
    return np.round(np.linspace(0, length - 1, count)).astype(np.int64)


class Judge(PretrainedModel):
    model_type = "judge"
    config_class = JudgeConfig

    def __init__(self, config: JudgeConfig) -> None:
        super().__init__(config)
        # 1. instruction encoder
        self.text = build_text_encoder(config.text)
        d_text = config.text.dim
        # 2. per-frame CNN with FiLM from the instruction after every block but the first
        self.blocks = nn.ModuleList(conv_stack(8 if config.colour_masks else 6, config.channels))
        self.films = nn.ModuleList(
            [
                nn.Linear(d_text, 2 * c) if i else nn.Identity()
                for i, c in enumerate(config.channels)
            ]
        )
        c = config.channels[-1]
        side = config.image_size // 2 ** len(config.channels)
        self.frame_proj = nn.Linear(c * side * side, config.frame_dim)
        # 3. classifier over the time-ordered frame features and the text
        self.head = nn.Sequential(
            nn.Linear(config.frames * config.frame_dim + d_text, config.hidden),
            nn.SiLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.SiLU(),
            nn.Linear(config.hidden, 1),
        )
        for film in self.films[1:]:
            nn.init.zeros_(film.weight)
            nn.init.zeros_(film.bias)

    def forward(self, video: torch.Tensor, instructions: list[str]) -> torch.Tensor:
        """video (B, K, 3, H, W) in [-1, 1], K == config.frames -> logits (B,)."""
        b, k = video.shape[:2]
        if k != self.config.frames:
            raise ValueError(f"judge expects {self.config.frames} frames per video, got {k}")
        text = self.text(instructions).pooled
        parts = [video, video - video[:, :1]]
        if self.config.colour_masks:
            parts.append(instruction_masks(video, instructions))
        x = torch.cat(parts, dim=2).flatten(0, 1)
        text_k = text.repeat_interleave(k, dim=0)
        for block, film in zip(self.blocks, self.films, strict=True):
            x = block(x)
            if isinstance(film, nn.Linear):
                scale, shift = film(text_k).chunk(2, dim=-1)
                x = x * (1 + scale[..., None, None]) + shift[..., None, None]
        feats = self.frame_proj(x.flatten(1)).view(b, k * self.config.frame_dim)
        return self.head(torch.cat([feats, text], dim=-1)).squeeze(-1)

    @torch.no_grad()
    def score(self, videos: list[np.ndarray] | np.ndarray, instructions: list[str]) -> np.ndarray:
        """P(accomplished) for uint8 videos (T, H, W, 3) of any length >= 1 (resampled)."""
        device = next(self.parameters()).device
        batch = torch.stack(
            [frames_to_tensor(v[sample_indices(len(v), self.config.frames)]) for v in videos]
        ).to(device)
        return torch.sigmoid(self(batch, list(instructions))).cpu().numpy()
