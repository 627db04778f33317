"""Decoded episodes as flat arrays, cached on disk beside the dataset.

Decoding the MP4s of a split takes a minute or two; training reads frames thousands of times, so
each split is decoded once into uint8/float32 `.npy` files (memory-mapped when read) under
`<dataset>/.wm_cache/<split>/`. The cache records a fingerprint of the split's metadata and is
rebuilt when the dataset changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worldmodel.data.lerobot_v3 import DatasetError

CACHE_VERSION = 1


@dataclass
class EpisodeArrays:
    """All episodes of one split, concatenated; episode `e` spans `starts[e]:starts[e]+lengths[e]`."""

    root: Path
    frames: np.ndarray  # (N, H, W, 3) uint8
    actions: np.ndarray  # (N, 4) float32
    states: np.ndarray  # (N, 4) float32
    starts: np.ndarray  # (E,) int64
    lengths: np.ndarray  # (E,) int64
    success: np.ndarray  # (E,) bool
    instructions: list[str]
    skills: list[str]
    args: list[dict[str, str]]
    failure_modes: list[str | None]
    episode_index: list[int]

    def __len__(self) -> int:
        return len(self.starts)

    def episode_frames(self, e: int) -> np.ndarray:
        s = self.starts[e]
        return self.frames[s : s + self.lengths[e]]

    def episode_actions(self, e: int) -> np.ndarray:
        s = self.starts[e]
        return self.actions[s : s + self.lengths[e]]

    def subset(self, episodes: np.ndarray) -> EpisodeArrays:
        """A view restricted to some episodes (frames stay shared)."""
        episodes = np.asarray(episodes, dtype=np.int64)
        pick = lambda xs: [xs[i] for i in episodes]  # noqa: E731
        return EpisodeArrays(
            root=self.root,
            frames=self.frames,
            actions=self.actions,
            states=self.states,
            starts=self.starts[episodes],
            lengths=self.lengths[episodes],
            success=self.success[episodes],
            instructions=pick(self.instructions),
            skills=pick(self.skills),
            args=pick(self.args),
            failure_modes=pick(self.failure_modes),
            episode_index=pick(self.episode_index),
        )


def _fingerprint(root: Path) -> str:
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for rel in ("meta/info.json", "meta/episodes/chunk-000/file-000.parquet"):
        p = root / rel
        if not p.is_file():
            raise DatasetError(
                f"{p}: missing; is {root} a split written by `reverie datagen` (e.g. DIR/train)?"
            )
        h.update(rel.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_dir_for(root: Path) -> Path:
    return root.parent / ".wm_cache" / root.name


def load_split(
    root: Path | str,
    cache_dir: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    in_memory: bool = False,
) -> EpisodeArrays:
    """The episodes of a split root (e.g. `data/episodes/train`), decoding them once if needed.
    Frames are memory-mapped unless `in_memory` (training samples them at random)."""
    root = Path(root)
    cache = cache_dir or cache_dir_for(root)
    fingerprint = _fingerprint(root)
    meta_path = cache / "meta.json"
    if _fingerprint_of(cache) != fingerprint:
        _build(root, cache, fingerprint, on_progress)
    meta = json.loads(meta_path.read_text())
    arr = lambda name: np.load(cache / f"{name}.npy", mmap_mode="r")  # noqa: E731
    return EpisodeArrays(
        root=root,
        frames=np.load(cache / "frames.npy") if in_memory else arr("frames"),
        actions=np.asarray(arr("actions")),
        states=np.asarray(arr("states")),
        starts=np.asarray(arr("starts")),
        lengths=np.asarray(arr("lengths")),
        success=np.asarray(arr("success")),
        instructions=meta["instructions"],
        skills=meta["skills"],
        args=meta["args"],
        failure_modes=meta["failure_modes"],
        episode_index=meta["episode_index"],
    )


def _build(root: Path, cache: Path, fingerprint: str, on_progress) -> None:
    from worldmodel.data.reader import EpisodeDataset

    data = EpisodeDataset(root)
    if len(data) == 0:
        raise DatasetError(f"{root}: split holds no episodes")
    first = data[0]
    lengths = np.array([m["length"] for m in data.episodes], np.int64)
    total = int(lengths.sum())
    # Each builder writes its own folder: two trainings started together (a world model and a
    # policy on the same new data) once shared one, and one published the other's half-written
    # frames (measured: a training loss of 0.11 instead of 0.7 on zeros).
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{cache.name}.tmp-", dir=cache.parent))
    frames = np.lib.format.open_memmap(
        tmp / "frames.npy", mode="w+", dtype=np.uint8, shape=(total, *first.frames.shape[1:])
    )
    actions = np.zeros((total, 4), np.float32)
    states = np.zeros((total, 4), np.float32)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    meta: dict = {k: [] for k in ("instructions", "skills", "args", "failure_modes")}
    meta["episode_index"] = []
    success = np.zeros(len(data), bool)
    for e in range(len(data)):
        ep = first if e == 0 else data[e]
        s = starts[e]
        frames[s : s + lengths[e]] = ep.frames
        actions[s : s + lengths[e]] = ep.actions
        states[s : s + lengths[e]] = ep.states
        success[e] = ep.success
        meta["instructions"].append(ep.instruction)
        meta["skills"].append(ep.skill)
        meta["args"].append(ep.args)
        meta["failure_modes"].append(ep.failure_mode)
        meta["episode_index"].append(ep.index)
        if on_progress:
            on_progress(e + 1, len(data))
    frames.flush()
    del frames
    for name, value in (
        ("actions", actions),
        ("states", states),
        ("starts", starts),
        ("lengths", lengths),
        ("success", success),
    ):
        np.save(tmp / f"{name}.npy", value)
    meta["fingerprint"] = fingerprint
    (tmp / "meta.json").write_text(json.dumps(meta))
    if _fingerprint_of(cache) == fingerprint:  # another builder finished first: keep its cache
        shutil.rmtree(tmp, ignore_errors=True)
        return
    shutil.rmtree(cache, ignore_errors=True)
    os.replace(tmp, cache)


def _fingerprint_of(cache: Path) -> str | None:
    """The fingerprint a complete cache was built for (None: no complete cache)."""
    try:
        return json.loads((cache / "meta.json").read_text()).get("fingerprint")
    except (OSError, json.JSONDecodeError):
        return None
