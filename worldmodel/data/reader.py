"""Load recorded episodes (LeRobot v3.0 layout written by `reverie datagen`) for training."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from worldmodel.data import lerobot_v3 as fmt


@dataclass
class Episode:
    index: int
    instruction: str
    skill: str
    args: dict[str, str]
    success: bool
    failure_mode: str | None
    frames: np.ndarray  # (T, H, W, 3) uint8
    states: np.ndarray  # (T, 4) float32
    actions: np.ndarray  # (T, 4) float32
    captions: list[dict]


class EpisodeDataset:
    """Random access to the episodes of one split root, e.g. `DIR/train`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        info_path = self.root / "meta" / "info.json"
        try:
            self.info = json.loads(info_path.read_text())
        except FileNotFoundError as exc:
            raise fmt.DatasetError(
                f"{info_path}: missing; is {self.root} a split written by `reverie datagen` "
                "(e.g. DIR/train)?"
            ) from exc
        except json.JSONDecodeError as exc:
            raise fmt.DatasetError(f"{info_path}: corrupt JSON ({exc})") from exc
        if self.info.get("codebase_version") != "v3.0":
            raise fmt.DatasetError(
                f"{info_path}: codebase_version {self.info.get('codebase_version')!r}; only v3.0 is read"
            )
        self.episodes = self._read_table(
            self.root / fmt.EPISODES_PATH.format(chunk_index=0, file_index=0)
        )

    @staticmethod
    def _read_table(path: Path) -> list[dict]:
        try:
            return pq.read_table(path).to_pylist()
        except FileNotFoundError as exc:
            raise fmt.DatasetError(f"{path}: missing") from exc
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise fmt.DatasetError(f"{path}: corrupt parquet file ({exc})") from exc

    def __len__(self) -> int:
        return len(self.episodes)

    def __iter__(self) -> Iterator[Episode]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, i: int) -> Episode:
        if not 0 <= i < len(self):
            raise IndexError(f"episode {i} out of range; {self.root} has {len(self)} episodes")
        meta = self.episodes[i]
        loc = fmt.chunk_of(meta["episode_index"])
        rows = self._read_table(self.root / fmt.DATA_PATH.format(**loc))
        video = self.root / fmt.VIDEO_PATH.format(video_key=fmt.VIDEO_KEY, **loc)
        frames = fmt.decode_mp4(video)
        if len(frames) != meta["length"] or len(rows) != meta["length"]:
            raise fmt.DatasetError(
                f"{video}: {len(frames)} frames and {len(rows)} table rows, expected {meta['length']}"
            )
        return Episode(
            index=meta["episode_index"],
            instruction=meta["instruction"],
            skill=meta["skill"],
            args=json.loads(meta["args"]),
            success=bool(meta["success"]),
            failure_mode=meta["failure_mode"] or None,
            frames=frames,
            states=np.array([r["observation.state"] for r in rows], np.float32),
            actions=np.array([r["action"] for r in rows], np.float32),
            captions=json.loads(meta["captions"]),
        )
