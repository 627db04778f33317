"""Configuration of the frame VAE."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class VAEConfig(BaseModel):
    """Each entry of `channels` is one resolution level; every level after the first halves the
    size, so the spatial compression is 2 ** (len(channels) - 1) (4x: 64 px -> 16x16 latents)."""

    image_size: int = Field(default=64, ge=16, le=512)
    channels: list[int] = Field(default=[32, 64, 96], min_length=2, max_length=6)
    encoder_blocks: list[int] = Field(
        default=[0, 0, 1], min_length=2, max_length=6, description="residual blocks per level"
    )
    # The decoder gets more capacity than the encoder: decoding quality is what the eye sees,
    # and the encoder runs over every training frame once to build the world model's latents.
    decoder_blocks: list[int] = Field(default=[0, 1, 2], min_length=2, max_length=6)
    latent_channels: int = Field(default=8, ge=1, le=64)

    @model_validator(mode="after")
    def _check(self) -> VAEConfig:
        for name in ("encoder_blocks", "decoder_blocks"):
            if len(getattr(self, name)) != len(self.channels):
                raise ValueError(
                    f"{name} ({len(getattr(self, name))} entries) must have one entry per level "
                    f"of channels ({len(self.channels)})"
                )
        if self.image_size % self.downsample:
            raise ValueError(
                f"image_size ({self.image_size}) must be divisible by the compression ({self.downsample})"
            )
        return self

    @property
    def downsample(self) -> int:
        return 2 ** (len(self.channels) - 1)

    @property
    def latent_size(self) -> int:
        return self.image_size // self.downsample
