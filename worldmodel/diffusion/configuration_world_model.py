"""Configuration of the pixel-space world model (a convolutional video denoiser)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from skills.library import SKILL_KINDS


class WorldModelConfig(BaseModel):
    """Predicts `frames` future camera frames from `context_frames` past ones (the last is the
    current frame), the skill, where perception saw the skill's objects, proprioception and,
    optionally, the actions between the frames.

    Why a U-Net in pixel space (measured, see docs/world_model.md): a latent transformer with one
    token per 16 x 16 pixels placed the hand to within a token and never imagined a sideways move;
    a grasp needs the hand placed to a pixel or two. Convolutions at full resolution see the hand,
    the goal blobs and the current frame at the same pixel, which is the inductive bias a fixed
    camera watching a rigid hand needs."""

    image_size: int = Field(default=64, ge=16, le=512)
    frames: int = Field(default=8, ge=1, le=32)
    context_frames: int = Field(default=2, ge=1, le=8)
    action_dim: int = Field(default=4, ge=1, le=32)
    # Proprioception of the current frame: ee x, y, z in metres and the gripper opening (0..1).
    state_dim: int = Field(default=4, ge=3, le=32)
    # The first three action dims move the hand by `action_scale` metres per unit, so given
    # actions become maps of where the hand should be at each future frame.
    action_scale: float = Field(default=0.03, gt=0)
    # The skill kinds the model knows, in class-embedding order (index len(skills): none given).
    skills: list[str] = Field(default_factory=lambda: list(SKILL_KINDS), min_length=1)
    # U-Net widths per resolution (64, 32, 16, 8 px for 64-px frames); attention only at the
    # coarsest level, where it is cheap and lets the hand "see" a far goal.
    block_out_channels: list[int] = Field(default=[16, 32, 64, 128], min_length=2, max_length=6)
    layers_per_block: int = Field(default=1, ge=1, le=4)
    blob_sigma: float = Field(default=0.06, gt=0, description="map blob radius, in [-1, 1] units")
    # A map of the table point under the hand (worldmodel.conditioning.hand_shadow_map): without
    # it the hand blob alone cannot tell far from low. Models saved before it have it off.
    hand_shadow: bool = True
    # Noise levels are shifted towards pure noise in training and sampling: there the conditions
    # are all the model has, so that is where it learns to use them (SD3's shift).
    noise_shift: float = Field(default=3.0, gt=0)
    fps: int = Field(default=10, ge=1, le=1000, description="frame rate of the predicted frames")

    @model_validator(mode="after")
    def _check(self) -> WorldModelConfig:
        if any(c % 8 for c in self.block_out_channels):
            raise ValueError(
                f"block_out_channels {self.block_out_channels} must be multiples of 8 "
                "(the U-Net normalizes in 8 groups)"
            )
        levels = len(self.block_out_channels) - 1
        if self.image_size % 2**levels:
            raise ValueError(
                f"image_size ({self.image_size}) must be divisible by 2**{levels} "
                f"(one halving per level of block_out_channels {self.block_out_channels})"
            )
        return self

    @property
    def map_channels(self) -> int:
        """Conditioning maps: the object and destination from perception, the hand now, the
        hand where the given actions take it at each future frame, and the hand's shadow."""
        return 2 + 1 + self.frames + int(self.hand_shadow)

    @property
    def in_channels(self) -> int:
        return 3 * self.frames + 3 * self.context_frames + self.map_channels

    @property
    def embedding_dim(self) -> int:
        return self.block_out_channels[0] * 4
