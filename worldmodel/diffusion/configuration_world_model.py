"""Configuration of the latent video diffusion world model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from worldmodel.text.configuration_text import TextEncoderConfig

GOAL_VECTOR_CHANNELS = 8  # two goal points x (offset xyz + presence)


class TransformerConfig(BaseModel):
    """A tiny `diffusers.LTXVideoTransformer3DModel` (the fastest of the diffusers video
    transformers measured on this CPU; it takes packed tokens, so we choose our own patching)."""

    layers: int = Field(default=6, ge=1, le=64)
    heads: int = Field(default=4, ge=1, le=64)
    head_dim: int = Field(default=32, ge=8, le=256)

    @property
    def width(self) -> int:
        return self.heads * self.head_dim


class WorldModelConfig(BaseModel):
    """Predicts `frames` future latent frames from `context_frames` past ones (the last is the
    current frame), the instruction, and optionally the actions between the frames."""

    latent_channels: int = Field(default=8, ge=1, le=64)
    latent_size: int = Field(default=16, ge=2, le=128)
    # 4x4 latent patches: 16 tokens per frame, 128 per 8-frame chunk; a step at batch 16 then
    # costs about a second on one CPU core (2x2 patches cost 4x as much).
    patch: int = Field(default=4, ge=1, le=8, description="spatial patch (space-to-depth) size")
    frames: int = Field(default=8, ge=1, le=64)
    context_frames: int = Field(default=2, ge=1, le=8)
    action_dim: int = Field(default=4, ge=1, le=32)
    # Proprioception (ee x, y, z in metres, gripper opening) of the current frame; the first three
    # action dims move the end effector by `action_scale` metres per unit, so the model is told
    # where the hand should be at every future frame.
    state_dim: int = Field(default=4, ge=3, le=32)
    action_scale: float = Field(default=0.03, gt=0)
    transformer: TransformerConfig = Field(default_factory=TransformerConfig)
    text: TextEncoderConfig = Field(default_factory=TextEncoderConfig)
    # Diffuse the change from the current frame rather than the frames themselves: the static
    # scene is then exactly zero and the model spends its capacity on what moves.
    predict_delta: bool = True
    # The network predicts the clean target (x0) rather than the velocity: a velocity at high
    # noise means copying the input noise through the transformer's narrow width, which a small
    # model does badly (measured: frames noisier than copying the current frame).
    prediction: Literal["x0", "velocity"] = "x0"
    # Two maps per frame drawing the hand where the camera sees it: now (from proprioception) and
    # where the given actions should have taken it by that frame. Without them the model had to
    # learn the camera projection from 3-D coordinates and ignored the actions (measured: no
    # better than copying the current frame after 2700 steps).
    hand_maps: bool = True
    # Two more maps drawing the skill's objects (what to act on, where it goes) from perception
    # (worldmodel/goals.py); zero when not given.
    goal_maps: bool = True
    # Per frame, the offset from where the hand should be to each goal point, in metres (and the
    # goal's presence flag): the direction to move, which the tiny model did not work out from
    # the hand and goal blobs (measured: the same first move whatever the instruction or goal).
    # Off in checkpoints that predate it.
    goal_vectors: bool = False
    hand_map_sigma: float = Field(default=0.08, gt=0, description="blob radius, in [-1, 1] units")
    # Noise levels are shifted towards pure noise in training and sampling: there the
    # conditions are all the model has, so that is where it learns to use them (SD3's shift).
    noise_shift: float = Field(default=3.0, gt=0)
    fps: int = Field(default=10, ge=1, le=1000, description="frame rate of the predicted frames")

    @model_validator(mode="after")
    def _check(self) -> WorldModelConfig:
        if self.latent_size % self.patch:
            raise ValueError(
                f"latent_size ({self.latent_size}) must be divisible by patch ({self.patch})"
            )
        return self

    @property
    def tokens_per_frame(self) -> int:
        return (self.latent_size // self.patch) ** 2

    @property
    def channels_per_frame(self) -> int:
        """Per latent pixel: the noisy latent, the context latents, the action and state features
        of the frame, and the pixel's coordinates."""
        latents = self.latent_channels * (1 + self.context_frames)
        maps = (2 if self.hand_maps else 0) + (2 if self.goal_maps else 0)
        vectors = GOAL_VECTOR_CHANNELS if self.goal_vectors else 0
        return latents + (2 * self.action_dim + 1) + (self.state_dim + 3 + 1) + 2 + maps + vectors
