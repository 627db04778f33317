"""The world model's denoiser: a tiny `diffusers` LTX-Video transformer over packed latent tokens.

Conditioning, per future frame and latent pixel, by channel concatenation: the noisy latent, the
latents of the context frames (the last one is the current camera frame) and the action that led
to the frame with a presence flag (zeros and flag 0 when no actions are given). The instruction
enters by cross-attention. Flow matching: the network predicts the velocity `noise - clean` at
noise level sigma in [0, 1].
"""

from __future__ import annotations

import torch

from worldmodel.checkpoint import PretrainedModel
from worldmodel.diffusion.configuration_world_model import GOAL_VECTOR_CHANNELS, WorldModelConfig
from worldmodel.text.modeling_text import TextEncoding, build_text_encoder


class WorldModel(PretrainedModel):
    model_type = "wm"
    config_class = WorldModelConfig

    def __init__(self, config: WorldModelConfig) -> None:
        super().__init__(config)
        from diffusers import LTXVideoTransformer3DModel

        p = config.patch
        tc = config.transformer
        # 1. instruction encoder (trained with the model)
        self.text = build_text_encoder(config.text)
        # 2. the video transformer; patching is done here, so its own patch size is 1
        self.transformer = LTXVideoTransformer3DModel(
            in_channels=config.channels_per_frame * p * p,
            out_channels=config.latent_channels * p * p,
            patch_size=1,
            patch_size_t=1,
            num_attention_heads=tc.heads,
            attention_head_dim=tc.head_dim,
            cross_attention_dim=tc.width,
            num_layers=tc.layers,
            caption_channels=config.text.dim,
        )
        # 3. per-channel statistics of the VAE latents: the model works on normalized latents
        self.register_buffer("latent_mean", torch.zeros(config.latent_channels))
        self.register_buffer("latent_std", torch.ones(config.latent_channels))
        # per-channel scale of (future - current) in normalized latents, when predicting deltas
        self.register_buffer("delta_std", torch.ones(config.latent_channels))

    # ----------------------------------------------------------------------------- latents
    def normalize(self, z: torch.Tensor) -> torch.Tensor:
        """VAE latents (B, C, T, h, w) -> the unit-scale latents the model diffuses."""
        return (z - self.latent_mean.view(1, -1, 1, 1, 1)) / self.latent_std.view(1, -1, 1, 1, 1)

    def denormalize(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.latent_std.view(1, -1, 1, 1, 1) + self.latent_mean.view(1, -1, 1, 1, 1)

    def to_target(self, future: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """Normalized future latents -> what the model diffuses (a scaled change from the current
        frame, the last of `context`, when `predict_delta`)."""
        if not self.config.predict_delta:
            return future
        return (future - context[:, :, -1:]) / self.delta_std.view(1, -1, 1, 1, 1)

    def from_target(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        if not self.config.predict_delta:
            return x
        return context[:, :, -1:] + x * self.delta_std.view(1, -1, 1, 1, 1)

    def _pack(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, h, w) -> (B, T * h/p * w/p, C * p * p)."""
        b, c, t, h, w = x.shape
        p = self.config.patch
        x = x.view(b, c, t, h // p, p, w // p, p).permute(0, 2, 3, 5, 1, 4, 6)
        return x.reshape(b, t * (h // p) * (w // p), c * p * p)

    def _unpack(self, x: torch.Tensor, t: int) -> torch.Tensor:
        b = x.shape[0]
        p, c = self.config.patch, self.config.latent_channels
        side = self.config.latent_size // p
        x = x.view(b, t, side, side, c, p, p).permute(0, 4, 1, 2, 5, 3, 6)
        return x.reshape(b, c, t, side * p, side * p)

    def _coords(self, b: int, t: int, device: torch.device) -> torch.Tensor:
        """Token positions for the rotary embedding, scaled into [0, 1) per axis."""
        side = self.config.latent_size // self.config.patch
        f, y, x = torch.meshgrid(
            torch.arange(t, device=device),
            torch.arange(side, device=device),
            torch.arange(side, device=device),
            indexing="ij",
        )
        rope = self.transformer.rope
        grid = torch.stack(
            [
                f.flatten() / max(t, 1) * rope.base_num_frames,
                y.flatten() / side * rope.base_height,
                x.flatten() / side * rope.base_width,
            ]
        ).float()
        return grid.unsqueeze(0).expand(b, -1, -1)

    # ----------------------------------------------------------------------------- denoising
    def encode_text(self, instructions: list[str]) -> TextEncoding:
        return self.text(instructions)

    def forward(
        self,
        noisy: torch.Tensor,
        sigma: torch.Tensor,
        context: torch.Tensor,
        text: TextEncoding,
        actions: torch.Tensor | None = None,
        action_mask: torch.Tensor | None = None,
        state: torch.Tensor | None = None,
        state_mask: torch.Tensor | None = None,
        goals: torch.Tensor | None = None,
        goal_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The network's prediction (`config.prediction`: the clean target x0, or the velocity
        noise - x0) for noisy latents (B, C, T, h, w) at noise levels sigma (B,), given context
        latents (B, C, K, h, w), encoded text, actions (B, T, A) and the current proprioception
        (B, S), each with a (B,) presence mask (absent when None), and the skill's goal points
        (B, 2, 3) with a (B, 2) mask (worldmodel/goals.py)."""
        b, _, t, h, w = noisy.shape
        cfg = self.config
        if context.shape[2] != cfg.context_frames:
            raise ValueError(
                f"expected {cfg.context_frames} context frames, got {context.shape[2]}"
            )
        features = self._frame_features(b, t, actions, action_mask, state, state_mask)
        parts = [
            noisy,
            context.flatten(1, 2).unsqueeze(2).expand(-1, -1, t, -1, -1),
            features.permute(0, 2, 1)[..., None, None].expand(-1, -1, -1, h, w),
            self._pixel_coords(noisy).expand(b, -1, t, -1, -1),
        ]
        if cfg.hand_maps:
            parts.append(self._hand_maps(noisy, actions, action_mask, state, state_mask))
        if cfg.goal_maps:
            parts.append(self._goal_maps(noisy, goals, goal_mask))
        if cfg.goal_vectors:  # packed last: a widened checkpoint's new columns (training/wm.py)
            offsets = self._goal_offsets(
                b, t, actions, action_mask, state, state_mask, goals, goal_mask
            )
            parts.append(offsets.permute(0, 2, 1)[..., None, None].expand(-1, -1, -1, h, w))
        x = torch.cat(parts, dim=1)
        out = self.transformer(
            hidden_states=self._pack(x),
            encoder_hidden_states=text.tokens,
            timestep=sigma * 1000.0,
            encoder_attention_mask=text.mask,
            video_coords=self._coords(b, t, x.device),
            return_dict=False,
        )[0]
        return self._unpack(out, t)

    def _frame_features(self, b, t, actions, action_mask, state, state_mask) -> torch.Tensor:
        """(B, T, F): each future frame's action, the sum of the actions so far, the current
        proprioception and where the hand should be by then (now + summed motion)."""
        cfg = self.config
        device = self.latent_mean.device
        if actions is None:
            actions, action_mask = (
                torch.zeros(b, t, cfg.action_dim, device=device),
                torch.zeros(b, device=device),
            )
        elif action_mask is None:
            action_mask = torch.ones(b, device=device)
        if state is None:
            state, state_mask = (
                torch.zeros(b, cfg.state_dim, device=device),
                torch.zeros(b, device=device),
            )
        elif state_mask is None:
            state_mask = torch.ones(b, device=device)
        actions = actions * action_mask.view(b, 1, 1)
        state = state * state_mask.view(b, 1)
        moved = actions[..., :3].cumsum(1) * cfg.action_scale
        expected = (state[:, None, :3] + moved) * state_mask.view(b, 1, 1)
        return torch.cat(
            [
                actions,
                actions.cumsum(1) / t,
                action_mask.view(b, 1, 1).expand(b, t, 1),
                state[:, None].expand(b, t, -1) * 3.0,
                expected * 3.0,  # metres -> roughly unit scale
                state_mask.view(b, 1, 1).expand(b, t, 1),
            ],
            dim=-1,
        )

    def _goal_offsets(
        self, b, t, actions, action_mask, state, state_mask, goals, goal_mask
    ) -> torch.Tensor:
        """(B, T, 8): per frame, (goal - where the hand should be by then) x 3 for both goal points,
        then their presence flags; zero where the hand or the goal is unknown."""
        device = self.latent_mean.device
        if state is None or goals is None:
            return torch.zeros(b, t, GOAL_VECTOR_CHANNELS, device=device)
        state_mask = torch.ones(b, device=device) if state_mask is None else state_mask
        goal_mask = torch.ones(b, 2, device=device) if goal_mask is None else goal_mask
        hand = state[:, None, :3].expand(b, t, 3)
        if actions is not None:
            moved = actions[..., :3].cumsum(1) * self.config.action_scale
            act_mask = torch.ones(b, device=device) if action_mask is None else action_mask
            hand = hand + moved * act_mask.view(b, 1, 1)
        present = goal_mask * state_mask.view(b, 1)  # (B, 2)
        offsets = (goals[:, None] - hand[:, :, None]) * 3.0 * present[:, None, :, None]
        return torch.cat([offsets.flatten(2), present[:, None].expand(b, t, 2)], dim=-1)

    def _hand_maps(self, like, actions, action_mask, state, state_mask) -> torch.Tensor:
        """(B, 2, T, h, w): a Gaussian blob where the camera sees the hand now, and one where the
        actions should have moved it by each future frame (all zero when the input is absent)."""
        cfg = self.config
        b, _, t, h, w = like.shape
        if state is None:
            return like.new_zeros(b, 2, t, h, w)
        state_mask = like.new_ones(b) if state_mask is None else state_mask
        now = state[:, None, :3].expand(b, t, 3)
        if actions is None:
            expected, act_mask = now, like.new_zeros(b)
        else:
            expected = now + actions[..., :3].cumsum(1) * cfg.action_scale
            act_mask = like.new_ones(b) if action_mask is None else action_mask
        blobs = self._blobs(like, torch.stack([now, expected], dim=1))  # (B, 2, T, h, w)
        present = torch.stack([state_mask, state_mask * act_mask], dim=1)
        return blobs * present.view(b, 2, 1, 1, 1)

    def _blobs(self, like: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """Gaussian blobs (..., h, w) where the camera sees world points (..., 3); latent frames
        are square."""
        from worldmodel.camera import gaussian_blobs

        return gaussian_blobs(points, like.shape[-1], self.config.hand_map_sigma)

    def _goal_maps(self, like, goals, goal_mask) -> torch.Tensor:
        """(B, 2, T, h, w): the object to act on and where it goes, the same in every frame."""
        b, _, t, h, w = like.shape
        if goals is None:
            return like.new_zeros(b, 2, t, h, w)
        mask = like.new_ones(b, 2) if goal_mask is None else goal_mask
        blobs = self._blobs(like, goals) * mask[..., None, None]  # (B, 2, h, w)
        return blobs[:, :, None].expand(b, 2, t, h, w)

    def _pixel_coords(self, like: torch.Tensor) -> torch.Tensor:
        """(1, 2, 1, h, w) coordinates in [-1, 1]: tokens know where they are (not only relative
        positions from the rotary embedding), so they can compare it with the hand's."""
        h, w = like.shape[-2:]
        ys = torch.linspace(-1, 1, h, device=like.device)
        xs = torch.linspace(-1, 1, w, device=like.device)
        grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))
        return grid[None, :, None]

    def predict_x0(
        self, noisy: torch.Tensor, sigma: torch.Tensor, *conditions, **kw
    ) -> torch.Tensor:
        """The clean target estimated from noisy latents, whatever the parameterization."""
        out = self(noisy, sigma, *conditions, **kw)
        if self.config.prediction == "x0":
            return out
        s = sigma.view(-1, 1, 1, 1, 1)
        return noisy - s * out  # x_s = x0 + s (noise - x0) = x0 + s v
