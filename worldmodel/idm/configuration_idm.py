"""Configuration of the inverse dynamics model."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class IDMConfig(BaseModel):
    """Predicts action t (frame t -> t+1) from frames t-`before` .. t+1+`after` (edges repeat)."""

    image_size: int = Field(default=64, ge=16, le=512)
    before: int = Field(default=1, ge=0, le=8)
    after: int = Field(default=1, ge=0, le=8)
    channels: list[int] = Field(default=[16, 32, 64, 128], min_length=1, max_length=8)
    hidden: int = Field(default=256, ge=8, le=4096)
    action_dim: int = Field(default=4, ge=1, le=32)

    @model_validator(mode="after")
    def _check(self) -> IDMConfig:
        if self.image_size % 2 ** len(self.channels):
            raise ValueError(
                f"image_size ({self.image_size}) must be divisible by 2**len(channels) "
                f"({2 ** len(self.channels)})"
            )
        return self

    @property
    def window(self) -> int:
        return self.before + 2 + self.after
