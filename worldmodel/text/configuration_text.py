"""Configuration of the instruction text encoder."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


def default_vocabulary() -> list[str]:
    """Every word the skill library's instructions and the spoken object names use."""
    import re

    from skills.library import SKILLS
    from skills.vocabulary import SPOKEN_NAMES

    words: set[str] = set()
    for spec in SKILLS.values():
        for text in (*spec.instructions(), spec.summary):
            words.update(re.findall(r"[a-z]+", text.lower()))
    for name in SPOKEN_NAMES.values():
        words.update(name.split())
    return sorted(words)


class TextEncoderConfig(BaseModel):
    """`kind="trained"`: a word-level transformer trained here with the model that uses it.
    `kind="pretrained"`: a frozen Hugging Face encoder (`pretrained` names it; needs
    `transformers`) with a trained projection, the scale-up path."""

    kind: Literal["trained", "pretrained"] = "trained"
    vocabulary: list[str] = Field(default_factory=default_vocabulary)
    max_tokens: int = Field(default=16, ge=2, le=512)
    dim: int = Field(default=64, ge=8, le=4096)
    layers: int = Field(default=2, ge=0, le=24)
    heads: int = Field(default=4, ge=1, le=64)
    pretrained: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TextEncoderConfig:
        if self.kind == "pretrained" and not self.pretrained:
            raise ValueError("kind='pretrained' needs `pretrained` (a model name or local folder)")
        if self.dim % self.heads:
            raise ValueError(f"dim ({self.dim}) must be divisible by heads ({self.heads})")
        return self
