"""Configuration of the pixel refiner, the world model's last stage."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class RefinerConfig(BaseModel):
    image_size: int = Field(default=64, ge=16, le=512)
    # U-Net widths, one per resolution (full, 1/2, 1/4, ...)
    channels: list[int] = Field(default=[24, 48, 96], min_length=2, max_length=5)
    # metres of hand motion per unit action (the simulator's), to place the expected hand
    action_scale: float = Field(default=0.03, gt=0)
    # width of the hand blobs in image coordinates ([-1, 1] across the image)
    hand_map_sigma: float = Field(default=0.08, gt=0)
    frames: int = Field(default=8, ge=1, le=64)
    # which world model's imaginations it learnt to correct (sha256 prefix of its weights file);
    # the pipeline leaves the refiner out for any other world model
    world_model_sha256: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RefinerConfig:
        if self.image_size % 2 ** (len(self.channels) - 1):
            raise ValueError(
                f"image_size ({self.image_size}) must be divisible by 2**(len(channels) - 1)"
            )
        return self
