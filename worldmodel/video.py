"""Rollout videos: each imagined frame next to the action the IDM read from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ACTION_LABELS = ("dx", "dy", "dz", "grip")


def action_panel_frames(
    frames: np.ndarray, actions: np.ndarray, title: str = "", scale: int = 4
) -> np.ndarray:
    """frames (T+1, H, W, 3), actions (T, 4) -> (T+1, H*scale, W*scale + panel, 3) uint8; the
    bars of frame t show the action that moves frame t to t+1."""
    from PIL import Image, ImageDraw

    h, w = frames.shape[1] * scale, frames.shape[2] * scale
    panel = max(96, w // 2)
    out = []
    for t, frame in enumerate(frames):
        canvas = Image.new("RGB", (w + panel, h), (24, 24, 28))
        canvas.paste(Image.fromarray(frame).resize((w, h), Image.NEAREST), (0, 0))
        draw = ImageDraw.Draw(canvas)
        draw.text((w + 6, 4), f"{title}", fill=(230, 230, 230))
        draw.text((w + 6, 16), f"t={t}", fill=(160, 160, 160))
        if t < len(actions):
            for i, (label, value) in enumerate(zip(ACTION_LABELS, actions[t], strict=False)):
                y = 40 + i * 22
                mid, half = w + panel // 2 + 8, panel // 2 - 20
                draw.text((w + 6, y), label, fill=(200, 200, 200))
                draw.rectangle([mid - half, y + 2, mid + half, y + 12], outline=(90, 90, 90))
                end = mid + int(np.clip(value, -1, 1) * half)
                draw.rectangle([min(mid, end), y + 3, max(mid, end), y + 11], fill=(80, 170, 250))
        out.append(np.asarray(canvas))
    return np.stack(out)


def write_rollout_video(
    path: Path, frames: np.ndarray, actions: np.ndarray, title: str = "", fps: int = 10
) -> Path:
    from worldmodel.data.lerobot_v3 import encode_mp4

    panels = action_panel_frames(frames, actions, title)
    h, w = panels.shape[1] - panels.shape[1] % 2, panels.shape[2] - panels.shape[2] % 2
    encode_mp4(path, np.ascontiguousarray(panels[:, :h, :w]), fps=fps)
    return path
