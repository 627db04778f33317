"""Batch helpers shared by the recipes: transition tables and frame conversion."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from worldmodel.training.cache import EpisodeArrays


def transitions(data: EpisodeArrays) -> np.ndarray:
    """(N, 2) rows (episode, t) for every action that moves frame t to frame t + 1."""
    rows = [
        np.stack([np.full(n - 1, e), np.arange(n - 1)], 1)
        for e, n in enumerate(data.lengths)
        if n > 1
    ]
    return np.concatenate(rows).astype(np.int64)


def windows(data: EpisodeArrays, rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Frames at t + offsets (clamped to each episode) for rows (episode, t): (B, W, H, W, 3)."""
    e, t = rows[:, 0], rows[:, 1]
    idx = np.clip(t[:, None] + offsets[None, :], 0, data.lengths[e][:, None] - 1)
    return data.frames[(data.starts[e][:, None] + idx).ravel()].reshape(
        *idx.shape, *data.frames.shape[1:]
    )


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 (..., H, W, 3) -> float (..., 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).movedim(-1, -3).float() / 127.5 - 1.0


def random_blur(x: torch.Tensor, rng: np.random.Generator, prob: float, max_sigma: float = 1.0):
    """Blur each sample (B, ..., 3, H, W) with probability `prob` (imagined frames are soft)."""
    if prob <= 0:
        return x
    out = x.clone()
    for i in np.flatnonzero(rng.random(len(x)) < prob):
        sigma = float(rng.uniform(0.3, max_sigma))
        k = torch.arange(-2, 3, dtype=torch.float32)
        k = torch.exp(-(k**2) / (2 * sigma**2))
        k = k / k.sum()
        flat = out[i].reshape(-1, 1, *x.shape[-2:])
        flat = F.conv2d(F.pad(flat, (2, 2, 0, 0), mode="replicate"), k.view(1, 1, 1, 5))
        flat = F.conv2d(F.pad(flat, (0, 0, 2, 2), mode="replicate"), k.view(1, 1, 5, 1))
        out[i] = flat.reshape(out[i].shape)
    return out


def random_shift(x: torch.Tensor, rng: np.random.Generator, max_shift: int) -> torch.Tensor:
    """Translate each sample (B, ..., H, W) by up to `max_shift` pixels (edges replicated)."""
    if max_shift <= 0:
        return x
    h, w = x.shape[-2:]
    padded = F.pad(x.flatten(1, -3), (max_shift,) * 4, mode="replicate").view(
        *x.shape[:-2], h + 2 * max_shift, w + 2 * max_shift
    )
    out = torch.empty_like(x)
    for i, (dy, dx) in enumerate(rng.integers(0, 2 * max_shift + 1, (len(x), 2))):
        out[i] = padded[i, ..., dy : dy + h, dx : dx + w]
    return out
