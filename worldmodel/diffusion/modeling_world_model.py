"""The world model's denoiser: a `diffusers.UNet2DModel` in pixel space over frames stacked as
channels.

Inputs at full resolution, concatenated on channels: the noisy change of the `frames` future
frames from the current one, the context frames, and conditioning maps (Gaussian blobs where the
camera sees the skill's object and destination from perception, the hand now from
proprioception, and the hand where the given actions take it at each future frame). Vectors
(skill kind, proprioception, the given actions) are embedded and added to the noise-level
embedding. Flow matching with x0 prediction: the network predicts the clean change.
"""

from __future__ import annotations

import torch
from torch import nn

from worldmodel.checkpoint import PretrainedModel
from worldmodel.conditioning import (
    GOAL_FEATURES,
    action_path_maps,
    goal_and_hand_maps,
    goal_features,
    hand_shadow_map,
)
from worldmodel.diffusion.configuration_world_model import WorldModelConfig


class WorldModel(PretrainedModel):
    model_type = "wm"
    config_class = WorldModelConfig

    def __init__(self, config: WorldModelConfig) -> None:
        super().__init__(config)
        from diffusers import UNet2DModel

        c, e = config.block_out_channels, config.embedding_dim
        levels = len(c)
        # 1. the denoiser; attention only at the coarsest level
        self.unet = UNet2DModel(
            sample_size=config.image_size,
            in_channels=config.in_channels,
            out_channels=3 * config.frames,
            block_out_channels=tuple(c),
            layers_per_block=config.layers_per_block,
            down_block_types=("DownBlock2D",) * (levels - 1) + ("AttnDownBlock2D",),
            up_block_types=("AttnUpBlock2D",) + ("UpBlock2D",) * (levels - 1),
            attention_head_dim=min(32, c[-1]),
            norm_num_groups=8,
            class_embed_type="identity",
        )
        # 2. vector conditions, added to the noise-level embedding
        self.skill_embedding = nn.Embedding(len(config.skills) + 1, e)
        # proprioception, and the offset from the hand to each goal point
        self.state_embedding = _mlp(config.state_dim + GOAL_FEATURES, e)
        self.action_embedding = _mlp(config.frames * config.action_dim + 1, e)
        # 3. scale of the change (future - current) in [-1, 1] pixel units: the model diffuses
        # unit-scale changes (set from the training data)
        self.register_buffer("delta_scale", torch.ones(()))

    # ----------------------------------------------------------------------------- targets
    def to_target(self, future: torch.Tensor, now: torch.Tensor) -> torch.Tensor:
        """future (B, T, 3, H, W), now (B, 3, H, W) in [-1, 1] -> scaled change (B, 3T, H, W)."""
        return ((future - now[:, None]) * self.delta_scale).flatten(1, 2)

    def from_target(self, x: torch.Tensor, now: torch.Tensor) -> torch.Tensor:
        """The inverse of `to_target`: (B, 3T, H, W) -> frames (B, T, 3, H, W) in [-1, 1]."""
        change = x.unflatten(1, (self.config.frames, 3)) / self.delta_scale
        return (now[:, None] + change).clamp(-1, 1)

    def skill_ids(self, skills: list[str | None]) -> torch.Tensor:
        """Skill names -> class ids; None or "" is the 'no skill' class."""
        known = self.config.skills
        ids = []
        for s in skills:
            if s and s not in known:
                raise ValueError(f"unknown skill {s!r}; the world model knows {', '.join(known)}")
            ids.append(known.index(s) if s else len(known))
        return torch.tensor(ids, dtype=torch.long, device=self.delta_scale.device)

    # ----------------------------------------------------------------------------- conditions
    def condition_maps(
        self,
        state: torch.Tensor,
        goals: torch.Tensor,
        goal_mask: torch.Tensor,
        actions: torch.Tensor | None,
        action_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """(B, map_channels, H, W): object and destination, the hand now, the hand at each
        future frame under the given actions (zero where not given) and, last, the hand's shadow
        (last, so a model trained without it continues with its new input weights at zero)."""
        cfg = self.config
        size, sigma = cfg.image_size, cfg.blob_sigma
        if actions is not None and action_mask is None:
            action_mask = torch.ones(len(actions), device=actions.device)
        now = goal_and_hand_maps(state, goals, goal_mask, size, sigma)
        if actions is None:
            later = torch.zeros(len(state), cfg.frames, size, size, device=state.device)
        else:
            later = action_path_maps(state, actions, cfg.action_scale, size, sigma)
            later = later * action_mask.view(-1, 1, 1, 1)
        maps = [now, later]
        if cfg.hand_shadow:
            maps.append(hand_shadow_map(state, size, sigma))
        return torch.cat(maps, dim=1)

    def embed(
        self,
        skills: torch.Tensor,
        state: torch.Tensor,
        goals: torch.Tensor,
        goal_mask: torch.Tensor,
        actions: torch.Tensor | None,
        action_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        b = len(state)
        body = torch.cat([state, goal_features(state, goals, goal_mask)], dim=1)
        if actions is None:
            flat = torch.zeros(
                b, self.config.frames * self.config.action_dim + 1, device=state.device
            )
        else:
            mask = action_mask.view(-1, 1)
            flat = torch.cat([actions.flatten(1) * mask, mask], dim=1)
        return (
            self.skill_embedding(skills) + self.state_embedding(body) + self.action_embedding(flat)
        )

    def forward(
        self,
        noisy: torch.Tensor,
        sigma: torch.Tensor,
        context: torch.Tensor,
        skills: torch.Tensor,
        state: torch.Tensor,
        goals: torch.Tensor,
        goal_mask: torch.Tensor,
        actions: torch.Tensor | None = None,
        action_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """noisy (B, 3T, H, W) at noise level sigma (B,); context (B, K, 3, H, W) in [-1, 1] (the
        last is now); skills (B,) ids; state (B, S); goals (B, 2, 3) metres with goal_mask (B, 2);
        actions (B, T, A) with action_mask (B,) or None. Returns the clean target (B, 3T, H, W)."""
        if actions is not None and action_mask is None:
            action_mask = torch.ones(len(actions), device=actions.device)
        maps = self.condition_maps(state, goals, goal_mask, actions, action_mask)
        x = torch.cat([noisy, context.flatten(1, 2), maps], dim=1)
        emb = self.embed(skills, state, goals, goal_mask, actions, action_mask)
        return self.unet(x, sigma * 1000, class_labels=emb).sample


def _mlp(d_in: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_out), nn.SiLU(), nn.Linear(d_out, d_out))
