"""`reverie datagen`: record seeded expert and failure episodes into LeRobot v3.0 datasets.

Writes three datasets under OUT: `train` (seen compositions), `test` (seen compositions, other
seeds, never trained on) and `holdout` (only the held-out compositions). Every episode is
deterministic in (seed, split, index), so any number of workers, and any number of interrupted
and resumed runs, produce the same files.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from skills.holdout import DEFAULT_HOLDOUT, load_holdout
from worldmodel.data import lerobot_v3 as fmt
from worldmodel.data.episodes import SPLITS, plan_episode, record_episode

CONFIG_FILE = ".datagen.json"


class DatagenConfig(BaseModel):
    episodes: int = Field(ge=1, description="training episodes")
    out: Path
    workers: int = Field(default=1, ge=1, le=64)
    seed: int = 0
    image_size: int = Field(default=64, ge=16, le=512)
    failure_fraction: float = Field(default=0.3, ge=0.0, le=1.0)
    random_starts: float = Field(default=0.0, ge=0.0, le=1.0)
    chore_starts: float = Field(default=0.0, ge=0.0, le=1.0)
    test_episodes: int | None = Field(default=None, ge=0)
    holdout_episodes: int | None = Field(default=None, ge=0)
    holdout_config: Path = DEFAULT_HOLDOUT

    def counts(self) -> dict[str, int]:
        default = max(1, self.episodes // 10)
        return {
            "train": self.episodes,
            "test": default if self.test_episodes is None else self.test_episodes,
            "holdout": default if self.holdout_episodes is None else self.holdout_episodes,
        }

    def identity(self) -> dict:
        """What must not change between a run and its resumption."""
        return {
            "seed": self.seed,
            "image_size": self.image_size,
            "failure_fraction": self.failure_fraction,
            # only when used, so datasets recorded before the option resume as they were
            **({"random_starts": self.random_starts} if self.random_starts else {}),
            **({"chore_starts": self.chore_starts} if self.chore_starts else {}),
            "held_out": load_holdout(self.holdout_config).model_dump()["held_out"],
        }


# ----------------------------------------------------------------------------- workers
_SIM = None
_HOLDOUT = None


def _init_worker(image_size: int, holdout_path: str) -> None:
    global _SIM, _HOLDOUT
    from robot_bridge.sim.tabletop import TabletopSim

    _SIM = TabletopSim(image_size=image_size)
    _HOLDOUT = load_holdout(holdout_path)


def _record_one(job: tuple[str, str, int, int, float, float, float]) -> tuple[str, int, bool]:
    root, split, index, seed, failure_fraction, random_starts, chore_starts = job
    plan = plan_episode(
        _SIM, index, split, seed, _HOLDOUT, failure_fraction, random_starts, chore_starts
    )
    record = record_episode(_SIM, plan)
    _write_staged(Path(root), record)
    return split, index, record.success


def _write_staged(root: Path, record) -> None:
    """Video, frame table, then the JSON marker: an episode without its JSON is not complete."""
    plan = record.plan
    i = plan.index
    video = root / fmt.VIDEO_PATH.format(video_key=fmt.VIDEO_KEY, **fmt.chunk_of(i))
    fmt.encode_mp4(video, record.frames)
    staging = root / ".staging"
    table = fmt.frames_table(record.states, record.actions, i, task_index=0, first_index=0)
    fmt.atomic_write_parquet(staging / f"episode_{i:06d}.parquet", table)
    meta = {
        "episode_index": i,
        "length": len(record.frames),
        "instruction": plan.instruction,
        "skill": plan.call.skill,
        "args": plan.call.args,
        "executed": plan.executed.model_dump() if plan.executed else None,
        "failure_mode": plan.failure_mode,
        "scene_seed": plan.scene_seed,
        "start_hand": plan.start_hand,
        "prelude": [c.model_dump() for c in plan.prelude],
        "start_objects": {k: list(v) for k, v in record.start_objects.items()},
        "success": record.success,
        "captions": [c.model_dump() for c in record.captions],
        "video_info": fmt.video_info(video),
        "stats": fmt.stats_to_json(
            {
                fmt.VIDEO_KEY: fmt.image_stats(record.frames),
                "observation.state": fmt.feature_stats(record.states),
                "action": fmt.feature_stats(record.actions),
            }
        ),
    }
    fmt.atomic_write_bytes(staging / f"episode_{i:06d}.json", json.dumps(meta).encode())


# ----------------------------------------------------------------------------- driver
def _check_config(cfg: DatagenConfig) -> None:
    cfg.out.mkdir(parents=True, exist_ok=True)
    path = cfg.out / CONFIG_FILE
    identity = cfg.identity()
    if path.exists():
        try:
            previous = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise fmt.DatasetError(f"{path}: corrupt datagen record ({exc})") from exc
        # both ways: an option used before and dropped now changed too
        changed = [k for k in {**previous, **identity} if previous.get(k) != identity.get(k)]
        if changed:
            raise ValueError(
                f"{cfg.out} was recorded with different {', '.join(changed)} "
                f"({', '.join(f'{k}={previous.get(k)!r}' for k in changed if k != 'held_out')}); "
                "resume with the same options or choose a new --out"
            )
    fmt.atomic_write_bytes(path, json.dumps(identity, indent=2).encode())


def completed(root: Path) -> set[int]:
    """Episode indices whose marker JSON exists and parses."""
    done = set()
    for marker in (root / ".staging").glob("episode_*.json"):
        try:
            json.loads(marker.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise fmt.DatasetError(
                f"{marker}: corrupt episode record ({exc}); delete it to record the episode again"
            ) from exc
        done.add(int(marker.stem.split("_")[1]))
    return done


def run_datagen(
    cfg: DatagenConfig,
    on_episode: Callable[[str, int, bool], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> dict:
    """Record whatever is missing, then (re)write every split's metadata. Returns a summary."""
    _check_config(cfg)
    jobs = []
    already = 0
    for split, count in cfg.counts().items():
        root = cfg.out / split
        for stale in root.rglob("*.tmp*"):
            stale.unlink()
        done = completed(root) if root.exists() else set()
        already += len(done & set(range(count)))
        jobs += [
            (
                str(root),
                split,
                i,
                cfg.seed,
                cfg.failure_fraction,
                cfg.random_starts,
                cfg.chore_starts,
            )
            for i in range(count)
            if i not in done
        ]
    if on_start:
        on_start(len(jobs), already)
    init = (cfg.image_size, str(cfg.holdout_config))
    if cfg.workers == 1 or len(jobs) <= 1:
        _init_worker(*init)
        for job in jobs:
            result = _record_one(job)
            if on_episode:
                on_episode(*result)
    else:
        with mp.get_context("spawn").Pool(cfg.workers, _init_worker, init) as pool:
            for result in pool.imap_unordered(_record_one, jobs, chunksize=4):
                if on_episode:
                    on_episode(*result)
    summary = {
        "out": str(cfg.out),
        "recorded_now": len(jobs),
        "resumed_from": already,
        "splits": {},
    }
    for split, count in cfg.counts().items():
        summary["splits"][split] = finalize(cfg.out / split, count, cfg.image_size)
    return summary


def finalize(root: Path, count: int, image_size: int) -> dict:
    """Write data parquets with global indices and all of meta/ from the staged episodes."""
    if count == 0:
        return {"episodes": 0, "frames": 0, "success_rate": None}
    metas = []
    for i in range(count):
        marker = root / ".staging" / f"episode_{i:06d}.json"
        try:
            metas.append(json.loads(marker.read_text()))
        except FileNotFoundError as exc:
            raise fmt.DatasetError(f"{marker}: missing; run datagen again to record it") from exc
    tasks: list[str] = []
    for m in metas:
        if m["instruction"] not in tasks:
            tasks.append(m["instruction"])
    rows, stats, first = [], [], 0
    for m in metas:
        i, n = m["episode_index"], m["length"]
        staged = root / ".staging" / f"episode_{i:06d}.parquet"
        try:
            table = pq.read_table(staged)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise fmt.DatasetError(f"{staged}: corrupt frame table ({exc})") from exc
        states = np.stack(table.column("observation.state").to_numpy(zero_copy_only=False))
        actions = np.stack(table.column("action").to_numpy(zero_copy_only=False))
        task_index = tasks.index(m["instruction"])
        data = fmt.frames_table(states, actions, i, task_index, first)
        fmt.atomic_write_parquet(root / fmt.DATA_PATH.format(**fmt.chunk_of(i)), data)
        ep_stats = fmt.stats_from_json(m["stats"])
        ep_stats.update(
            {
                "timestamp": fmt.feature_stats(np.arange(n) / fmt.FPS),
                "frame_index": fmt.feature_stats(np.arange(n)),
                "episode_index": fmt.feature_stats(np.full(n, i)),
                "index": fmt.feature_stats(first + np.arange(n)),
                "task_index": fmt.feature_stats(np.full(n, task_index)),
                "next.done": fmt.feature_stats((np.arange(n) == n - 1).astype(float)),
            }
        )
        stats.append(ep_stats)
        rows.append(_episode_row(m, first, ep_stats))
        first += n
    _write_meta(root, metas, rows, stats, tasks, first, image_size)
    successes = sum(m["success"] for m in metas)
    return {"episodes": count, "frames": first, "success_rate": round(successes / count, 4)}


def _episode_row(m: dict, first: int, ep_stats: dict) -> dict:
    import pyarrow as pa

    i, n = m["episode_index"], m["length"]
    loc = fmt.chunk_of(i)
    key = fmt.VIDEO_KEY
    row = {
        "episode_index": pa.array([i], pa.int64()),
        "tasks": pa.array([[m["instruction"]]], pa.list_(pa.string())),
        "length": pa.array([n], pa.int64()),
        "data/chunk_index": pa.array([loc["chunk_index"]], pa.int64()),
        "data/file_index": pa.array([loc["file_index"]], pa.int64()),
        "dataset_from_index": pa.array([first], pa.int64()),
        "dataset_to_index": pa.array([first + n], pa.int64()),
        f"videos/{key}/chunk_index": pa.array([loc["chunk_index"]], pa.int64()),
        f"videos/{key}/file_index": pa.array([loc["file_index"]], pa.int64()),
        f"videos/{key}/from_timestamp": pa.array([0.0], pa.float64()),
        f"videos/{key}/to_timestamp": pa.array([n / fmt.FPS], pa.float64()),
        "meta/episodes/chunk_index": pa.array([0], pa.int64()),
        "meta/episodes/file_index": pa.array([0], pa.int64()),
        # Reverie's own columns; LeRobot keeps them in ds.meta.episodes.
        "success": pa.array([m["success"]], pa.bool_()),
        "instruction": pa.array([m["instruction"]], pa.string()),
        "skill": pa.array([m["skill"]], pa.string()),
        "args": pa.array([json.dumps(m["args"])], pa.string()),
        "failure_mode": pa.array([m["failure_mode"] or ""], pa.string()),
        "scene_seed": pa.array([m["scene_seed"]], pa.int64()),
        "captions": pa.array([json.dumps(m["captions"])], pa.string()),
        # chore starts: the skills done before the episode, and what perception saw at its start
        "prelude": pa.array([json.dumps(m.get("prelude", []))], pa.string()),
        "start_objects": pa.array([json.dumps(m.get("start_objects", {}))], pa.string()),
    }
    for feature, s in ep_stats.items():
        for k, v in s.items():
            row[f"stats/{feature}/{k}"] = fmt.stat_column(np.asarray(v))
    return row


def _write_meta(root, metas, rows, stats, tasks, total_frames, image_size) -> None:
    import pyarrow as pa

    table = pa.concat_tables([pa.table(r) for r in rows])
    fmt.atomic_write_parquet(root / fmt.EPISODES_PATH.format(chunk_index=0, file_index=0), table)
    fmt.atomic_write_parquet(root / "meta" / "tasks.parquet", fmt.tasks_table(tasks))
    pooled = {k: fmt.aggregate_stats([s[k] for s in stats]) for k in stats[0]}
    fmt.atomic_write_bytes(
        root / "meta" / "stats.json", json.dumps(fmt.stats_to_json(pooled), indent=2).encode()
    )
    info = {
        "codebase_version": "v3.0",
        "robot_type": "reverie_tabletop_sim",
        "total_episodes": len(metas),
        "total_frames": total_frames,
        "total_tasks": len(tasks),
        "chunks_size": fmt.CHUNKS_SIZE,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 200,
        "fps": fmt.FPS,
        "splits": {"train": f"0:{len(metas)}"},
        "data_path": fmt.DATA_PATH,
        "video_path": fmt.VIDEO_PATH,
        "features": fmt.features(image_size, metas[0]["video_info"]),
    }
    fmt.atomic_write_bytes(root / "meta" / "info.json", json.dumps(info, indent=2).encode())


assert SPLITS == ("train", "test", "holdout")
