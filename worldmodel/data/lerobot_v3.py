"""Episodes on disk in the LeRobot dataset format v3.0 (parquet + MP4 + meta/ JSON), without lerobot.

Layout of one split root (one data parquet and one MP4 per episode, which v3.0 allows):
    meta/info.json, meta/stats.json, meta/tasks.parquet, meta/episodes/chunk-000/file-000.parquet
    data/chunk-{c:03d}/file-{f:03d}.parquet
    videos/observation.images.head/chunk-{c:03d}/file-{f:03d}.mp4
    .staging/episode_{i:06d}.{parquet,json}   per-episode records; the JSON is written last and
                                              marks the episode complete (resume reads these)
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from worldmodel.files import atomic_write_bytes as atomic_write_bytes  # re-exported for datagen

FPS = 10
VIDEO_KEY = "observation.images.head"
CHUNKS_SIZE = 1000
CHUNK_FILE = "chunk-{chunk_index:03d}/file-{file_index:03d}"
DATA_PATH = "data/" + CHUNK_FILE + ".parquet"
VIDEO_PATH = "videos/{video_key}/" + CHUNK_FILE + ".mp4"
EPISODES_PATH = "meta/episodes/" + CHUNK_FILE + ".parquet"
STATE_NAMES = ["ee_x", "ee_y", "ee_z", "gripper_opening"]
ACTION_NAMES = ["dx", "dy", "dz", "gripper"]
QUANTILES = {"q01": 0.01, "q10": 0.10, "q50": 0.50, "q90": 0.90, "q99": 0.99}


class DatasetError(ValueError):
    """A dataset file is missing, corrupt or inconsistent; the message names the file."""


def chunk_of(episode_index: int) -> dict[str, int]:
    return {"chunk_index": episode_index // CHUNKS_SIZE, "file_index": episode_index % CHUNKS_SIZE}


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="snappy")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- video
def encode_mp4(path: Path, frames: np.ndarray, fps: int = FPS, crf: int = 18) -> None:
    """H.264 yuv420p MP4 (what LeRobot's tools and browsers decode); frame i at pts i/fps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"g": "2", "crf": str(crf)})
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    os.replace(tmp, path)


def decode_mp4(path: Path) -> np.ndarray:
    """All frames of an MP4 as (T, H, W, 3) uint8; a broken file raises DatasetError naming it."""
    try:
        with av.open(str(path)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        raise DatasetError(f"{path}: cannot decode video ({exc})") from exc
    if not frames:
        raise DatasetError(f"{path}: video has no frames")
    return np.stack(frames)


def video_info(path: Path) -> dict:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return {
            "video.height": s.height,
            "video.width": s.width,
            "video.codec": s.codec_context.codec.canonical_name,
            "video.pix_fmt": s.pix_fmt,
            "video.is_depth_map": False,
            "video.fps": int(s.base_rate),
            "video.channels": 3,
            "has_audio": len(c.streams.audio) > 0,
        }


# ----------------------------------------------------------------------------- stats
def feature_stats(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-dimension stats over frames, as lerobot.compute_stats gives for vector features."""
    x = x.astype(np.float64).reshape(len(x), -1)
    out = {
        "min": x.min(0),
        "max": x.max(0),
        "mean": x.mean(0),
        "std": x.std(0),
        "count": np.array([len(x)]),
    }
    out.update({k: np.quantile(x, q, axis=0) for k, q in QUANTILES.items()})
    return out


def image_stats(frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per-channel stats in [0, 1], shaped (3, 1, 1) as LeRobot stores them."""
    px = frames[:, ::4, ::4].reshape(-1, 3).astype(np.float64) / 255.0  # a subsample is plenty
    out = {"min": px.min(0), "max": px.max(0), "mean": px.mean(0), "std": px.std(0)}
    out.update({k: np.quantile(px, q, axis=0) for k, q in QUANTILES.items()})
    out = {k: v.reshape(3, 1, 1) for k, v in out.items()}
    out["count"] = np.array([len(frames)])
    return out


def aggregate_stats(stats_list: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Pool per-episode stats (same maths as lerobot's aggregate_feature_stats)."""
    means = np.stack([s["mean"] for s in stats_list])
    variances = np.stack([s["std"] ** 2 for s in stats_list])
    counts = np.stack([s["count"] for s in stats_list]).astype(np.float64)
    total = counts.sum(0)
    c = counts
    while c.ndim < means.ndim:
        c = np.expand_dims(c, -1)
    mean = (means * c).sum(0) / total
    var = ((variances + (means - mean) ** 2) * c).sum(0) / total
    out = {
        "min": np.min(np.stack([s["min"] for s in stats_list]), 0),
        "max": np.max(np.stack([s["max"] for s in stats_list]), 0),
        "mean": mean,
        "std": np.sqrt(var),
        "count": total.astype(np.int64),
    }
    out.update({k: (np.stack([s[k] for s in stats_list]) * c).sum(0) / total for k in QUANTILES})
    return out


def stats_to_json(stats: dict) -> dict:
    return {
        k: stats_to_json(v) if isinstance(v, dict) else np.asarray(v).tolist()
        for k, v in stats.items()
    }


def stats_from_json(stats: dict) -> dict:
    return {f: {k: np.asarray(v) for k, v in s.items()} for f, s in stats.items()}


def stat_column(v: np.ndarray) -> pa.Array:
    """One parquet cell holding a (possibly nested) list, e.g. (3, 1, 1) image stats."""
    if v.dtype.kind in "iu":
        return pa.array([v.tolist()], type=pa.list_(pa.int64()))
    typ = pa.float64()
    for _ in range(v.ndim):
        typ = pa.list_(typ)
    return pa.array([v.tolist()], type=typ)


# ----------------------------------------------------------------------------- tables
def frames_table(
    states: np.ndarray, actions: np.ndarray, episode_index: int, task_index: int, first_index: int
) -> pa.Table:
    n = len(states)
    t = np.arange(n)
    vec = pa.list_(pa.float32(), 4)
    return pa.table(
        {
            "observation.state": pa.array(list(states.astype(np.float32)), type=vec),
            "action": pa.array(list(actions.astype(np.float32)), type=vec),
            "next.done": pa.array(t == n - 1, pa.bool_()),
            "timestamp": pa.array((t / FPS).astype(np.float32), pa.float32()),
            "frame_index": pa.array(t, pa.int64()),
            "episode_index": pa.array(np.full(n, episode_index), pa.int64()),
            "index": pa.array(first_index + t, pa.int64()),
            "task_index": pa.array(np.full(n, task_index), pa.int64()),
        }
    )


def tasks_table(tasks: list[str]) -> pa.Table:
    """meta/tasks.parquet as pandas writes DataFrame({'task_index': ...}, index=tasks): lerobot
    reads the task string from the pandas index, so the pandas metadata must be present."""
    table = pa.table(
        {
            "task_index": pa.array(range(len(tasks)), pa.int64()),
            "__index_level_0__": pa.array(tasks, pa.string()),
        }
    )
    pandas_meta = {
        "index_columns": ["__index_level_0__"],
        "column_indexes": [
            {
                "name": None,
                "field_name": None,
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": {"encoding": "UTF-8"},
            }
        ],
        "columns": [
            {
                "name": "task_index",
                "field_name": "task_index",
                "pandas_type": "int64",
                "numpy_type": "int64",
                "metadata": None,
            },
            {
                "name": None,
                "field_name": "__index_level_0__",
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": None,
            },
        ],
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.3",
    }
    return table.replace_schema_metadata({b"pandas": json.dumps(pandas_meta).encode()})


def features(image_size: int, info: dict | None) -> dict:
    scalar = lambda dtype: {"dtype": dtype, "shape": [1], "names": None}  # noqa: E731
    return {
        VIDEO_KEY: {
            "dtype": "video",
            "shape": [image_size, image_size, 3],
            "names": ["height", "width", "channels"],
            "info": info,
        },
        "observation.state": {"dtype": "float32", "shape": [4], "names": STATE_NAMES},
        "action": {"dtype": "float32", "shape": [4], "names": ACTION_NAMES},
        "next.done": scalar("bool"),
        "timestamp": scalar("float32"),
        "frame_index": scalar("int64"),
        "episode_index": scalar("int64"),
        "index": scalar("int64"),
        "task_index": scalar("int64"),
    }
