"""Camera frames at the size a model takes (the robot's camera may be larger)."""

from __future__ import annotations

import numpy as np


def fit_frame(frame: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 -> (size, size, 3), bilinear; unchanged when it is that size already."""
    if frame.shape[0] == size and frame.shape[1] == size:
        return frame
    from PIL import Image

    return np.asarray(Image.fromarray(frame).resize((size, size), Image.BILINEAR))
