"""Expert take-over episodes (`reverie record-takeovers`) appended to a training split, with the
goal points perceived when each skill began."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from worldmodel.training.cache import EpisodeArrays


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def with_takeovers(train: EpisodeArrays, arrays: dict[str, np.ndarray]) -> EpisodeArrays:
    """`train` plus the take-over episodes at the end (episode_index -1: not in the dataset)."""
    from worldmodel.data.lerobot_v3 import DatasetError

    if arrays["frames"].shape[1:] != train.frames.shape[1:]:
        raise DatasetError(
            f"take-over frames are {arrays['frames'].shape[1:]}, the episodes' "
            f"{train.frames.shape[1:]}; record them again with `reverie record-takeovers`"
        )
    n, lengths = len(train.frames), arrays["lengths"].astype(np.int64)
    k = len(lengths)
    return EpisodeArrays(
        root=train.root,
        frames=np.concatenate([train.frames, arrays["frames"]]),
        actions=np.concatenate([train.actions, arrays["actions"].astype(np.float32)]),
        states=np.concatenate([train.states, arrays["states"].astype(np.float32)]),
        starts=np.concatenate([train.starts, n + np.cumsum(lengths) - lengths]),
        lengths=np.concatenate([train.lengths, lengths]),
        success=np.concatenate([train.success.astype(bool), arrays["success"].astype(bool)]),
        instructions=train.instructions + [str(t) for t in arrays["instructions"]],
        skills=train.skills + [str(t) for t in arrays["skills"]],
        args=train.args + [{}] * k,
        failure_modes=train.failure_modes + ["expert_takeover"] * k,
        episode_index=train.episode_index + [-1] * k,
    )


def append_takeovers(train: EpisodeArrays, goals: np.ndarray, goal_mask: np.ndarray, path: Path):
    """(train, goals, goal_mask, digest) with the take-over episodes of `path` appended; raises
    DatasetError naming the file when it is not a readable take-over file."""
    from worldmodel.data.collected import load_takeovers
    from worldmodel.data.lerobot_v3 import DatasetError

    try:
        arrays = load_takeovers(path)
    except ValueError as exc:
        raise DatasetError(str(exc)) from exc
    return (
        with_takeovers(train, arrays),
        np.concatenate([goals, arrays["goals"].astype(np.float32)]),
        np.concatenate([goal_mask, arrays["goal_mask"].astype(np.float32)]),
        file_digest(path),
    )
