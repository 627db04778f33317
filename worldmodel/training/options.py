"""The world-model-only training options of `reverie train wm`, checked before any work (a light
module: the command line imports it without torch)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from worldmodel.files import WEIGHTS_NAME


@dataclass(frozen=True)
class WorldModelOptions:
    """`reverie train wm` only: continue from a trained model (`init_from`, a DAgger round),
    the share of each batch from the first steps of success episodes (`early_windows`), the
    share of windows trained without their actions (`drop_actions`), and the loss weight
    towards what moves (`motion_weight`); None: the recipe's default."""

    init_from: Path | None = None
    early_windows: float | None = None
    drop_actions: float | None = None
    motion_weight: float | None = None

    def given(self) -> list[str]:
        """The options set, as their `reverie train wm` flags."""
        return [
            "--" + f.name.replace("_", "-")
            for f in fields(self)
            if getattr(self, f.name) is not None
        ]

    def check(self, model: str) -> None:
        """A ValueError naming the flag and what is valid, before any work."""
        if self.given() and model != "wm":
            raise ValueError(f"{', '.join(self.given())} applies to `reverie train wm` only")
        for flag, value in (
            ("--early-windows", self.early_windows),
            ("--drop-actions", self.drop_actions),
        ):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{flag} must be a fraction in [0, 1]; got {value}")
        if self.motion_weight is not None and self.motion_weight < 0:
            raise ValueError(
                f"--motion-weight must be >= 0 (0: the plain loss); got {self.motion_weight}"
            )
        if self.init_from is not None and not (Path(self.init_from) / WEIGHTS_NAME).is_file():
            raise ValueError(
                f"--init-from {self.init_from}: no {WEIGHTS_NAME} there; give a trained world "
                "model's folder, e.g. runs/train/wm"
            )

    def recipe_kwargs(self) -> dict:
        names = {
            "init_from": "init_from",
            "early_windows": "p_early",
            "drop_actions": "p_drop_actions",
            "motion_weight": "motion_weight",
        }
        return {
            names[f.name]: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not None
        }
