"""Configuration of the behaviour-cloning policy."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from skills.library import SKILL_KINDS


class PolicyConfig(BaseModel):
    """Predicts the next `chunk` actions from the same inputs as the world model: the latest
    `context_frames` camera frames, the skill kind, the goal and hand maps and proprioception."""

    image_size: int = Field(default=64, ge=16, le=512)
    context_frames: int = Field(default=2, ge=1, le=8)
    chunk: int = Field(default=8, ge=1, le=64)
    action_dim: int = Field(default=4, ge=1, le=32)
    state_dim: int = Field(default=4, ge=3, le=32)
    skills: list[str] = Field(default_factory=lambda: list(SKILL_KINDS), min_length=1)
    channels: list[int] = Field(default=[32, 64, 128, 128], min_length=1, max_length=8)
    hidden: int = Field(default=512, ge=8, le=4096)
    blob_sigma: float = Field(default=0.06, gt=0, description="map blob radius, in [-1, 1] units")
    # The hand's shadow map, as the world model has it (worldmodel.conditioning.hand_shadow_map).
    # Policies saved before it have it off.
    hand_shadow: bool = True

    @property
    def map_channels(self) -> int:
        """Goal and hand maps, and the hand's shadow."""
        return 3 + int(self.hand_shadow)

    @model_validator(mode="after")
    def _check(self) -> PolicyConfig:
        if self.image_size % 2 ** len(self.channels):
            raise ValueError(
                f"image_size ({self.image_size}) must be divisible by 2**len(channels) "
                f"({2 ** len(self.channels)})"
            )
        return self
