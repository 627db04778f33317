"""The local learned judge (worldmodel.judge) on the robot's real camera frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.frames import fit_frame
from worldmodel.files import DEFAULT_CHECKPOINTS

DEFAULT_JUDGE = DEFAULT_CHECKPOINTS / "judge"


class LocalJudge:
    name = "local"

    def __init__(self, path: Path | str = DEFAULT_JUDGE) -> None:
        from worldmodel.judge.modeling_judge import Judge

        self.model = Judge.from_pretrained(path)
        self.model.eval()
        self.size = self.model.config.image_size

    def completion(self, frames: list[np.ndarray], instruction: str) -> float:
        video = np.stack([fit_frame(f, self.size) for f in frames])
        return float(self.model.score([video], [instruction])[0])
