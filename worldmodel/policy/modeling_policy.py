"""The behaviour-cloning policy: a CNN over the context frames and the goal and hand maps at full
resolution, its spatial features flattened (where things are matters) and joined with the skill
and proprioception embeddings, then an MLP to a chunk of actions in [-1, 1]."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from worldmodel.checkpoint import PretrainedModel
from worldmodel.conditioning import (
    GOAL_FEATURES,
    goal_and_hand_maps,
    goal_features,
    hand_shadow_map,
)
from worldmodel.idm.modeling_idm import conv_stack
from worldmodel.policy.configuration_policy import PolicyConfig
from worldmodel.training.data import to_tensor


class BehaviourCloningPolicy(PretrainedModel):
    model_type = "policy"
    config_class = PolicyConfig

    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        # 1. frames and maps stacked on channels
        self.encoder = nn.Sequential(
            *conv_stack(3 * config.context_frames + config.map_channels, config.channels)
        )
        side = config.image_size // 2 ** len(config.channels)
        # 2. vector conditions
        self.skill_embedding = nn.Embedding(len(config.skills) + 1, config.hidden)
        self.state_embedding = nn.Linear(config.state_dim + GOAL_FEATURES, config.hidden)
        # 3. the head
        self.project = nn.Linear(config.channels[-1] * side * side, config.hidden)
        self.head = nn.Sequential(
            nn.SiLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.SiLU(),
            nn.Linear(config.hidden, config.chunk * config.action_dim),
        )

    def skill_ids(self, skills: list[str | None]) -> torch.Tensor:
        known = self.config.skills
        for s in skills:
            if s and s not in known:
                raise ValueError(f"unknown skill {s!r}; the policy knows {', '.join(known)}")
        ids = [known.index(s) if s else len(known) for s in skills]
        return torch.tensor(ids, dtype=torch.long, device=self.project.weight.device)

    def forward(
        self,
        context: torch.Tensor,
        skills: torch.Tensor,
        state: torch.Tensor,
        goals: torch.Tensor,
        goal_mask: torch.Tensor,
    ) -> torch.Tensor:
        """context (B, K, 3, H, W) in [-1, 1]; skills (B,) ids; state (B, S); goals (B, 2, 3) with
        goal_mask (B, 2) -> actions (B, chunk, action_dim) in [-1, 1]."""
        cfg = self.config
        maps = goal_and_hand_maps(state, goals, goal_mask, cfg.image_size, cfg.blob_sigma)
        if cfg.hand_shadow:
            maps = torch.cat([maps, hand_shadow_map(state, cfg.image_size, cfg.blob_sigma)], 1)
        x = self.encoder(torch.cat([context.flatten(1, 2), maps], dim=1)).flatten(1)
        body = torch.cat([state, goal_features(state, goals, goal_mask)], dim=1)
        h = self.project(x) + self.skill_embedding(skills) + self.state_embedding(body)
        return torch.tanh(self.head(h)).unflatten(1, (cfg.chunk, cfg.action_dim))

    @torch.no_grad()
    def act(
        self,
        frames: np.ndarray,
        skill: str | None,
        state: np.ndarray,
        goals: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """frames: uint8 (K', H, W, 3), the latest last (the first repeats when K' < K) ->
        (chunk, action_dim) actions."""
        k = self.config.context_frames
        if len(frames) < k:
            frames = np.concatenate([np.repeat(frames[:1], k - len(frames), 0), frames])
        device = self.project.weight.device
        context = to_tensor(frames[-k:][None]).to(device)
        st = torch.as_tensor(np.asarray(state, np.float32)[None], device=device)
        if goals is None:
            gp, gm = torch.zeros(1, 2, 3, device=device), torch.zeros(1, 2, device=device)
        else:
            gp = torch.as_tensor(np.asarray(goals[0], np.float32)[None], device=device)
            gm = torch.as_tensor(np.asarray(goals[1], np.float32)[None], device=device)
        return self(context, self.skill_ids([skill]), st, gp, gm)[0].cpu().numpy()
