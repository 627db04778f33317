"""The local learned judge (worldmodel.judge) on the robot's real camera frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEFAULT_JUDGE = Path(__file__).resolve().parents[2] / "checkpoints" / "judge"


class LocalJudge:
    name = "local"

    def __init__(self, path: Path | str = DEFAULT_JUDGE) -> None:
        from worldmodel.judge.modeling_judge import Judge

        self.model = Judge.from_pretrained(path)
        self.model.eval()
        self.size = self.model.config.image_size

    def completion(self, frames: list[np.ndarray], instruction: str) -> float:
        video = np.stack([_resize(f, self.size) for f in frames])
        return float(self.model.score([video], [instruction])[0])


def _resize(frame: np.ndarray, size: int) -> np.ndarray:
    if frame.shape[0] == size and frame.shape[1] == size:
        return frame
    from PIL import Image

    return np.asarray(Image.fromarray(frame).resize((size, size), Image.BILINEAR))
