#!/usr/bin/env python3
"""Load a local LeRobot v3.0 dataset with the real lerobot (0.4.x) and print what it sees.

Run inside the compat venv (see scripts/lerobot_compat/make_venv.sh):
    /work/lerobot-venv/bin/python scripts/lerobot_compat/check.py DATA/train [--repo-id local/reverie]
        [--no-decode]    # skip video decoding (uses download_videos=False + item access w/o video)
        [--backend torchcodec]

Guarantees it never touches the network: HF_HUB_OFFLINE/HF_DATASETS_OFFLINE are set before any HF
import, and socket connects are refused (so any Hub fallback fails loudly instead of hanging).
Exit code 0 == dataset loaded, indexed (and decoded unless --no-decode).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
import tempfile
from pathlib import Path

# --- offline BEFORE importing huggingface_hub / datasets / lerobot -----------------------------
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault(
    "HF_DATASETS_CACHE", tempfile.mkdtemp(prefix="hf_ds_cache_")
)  # arrow cache of from_parquet


def _refuse(*a, **k):
    raise OSError("network access attempted (blocked by check_lerobot_compat.py)")


socket.socket.connect = _refuse  # type: ignore[assignment]
socket.create_connection = _refuse  # type: ignore[assignment]

# --- torchvision stub (no CPU torchvision for torch 2.13); only if the real one is absent ----------
if importlib.util.find_spec("torchvision") is None:
    shim = Path(sys.prefix) / "tv_shim"
    if not (shim / "torchvision" / "__init__.py").exists():
        sys.exit(f"torchvision missing and no shim at {shim}; run lerobot_compat_recipe.sh")
    sys.path.insert(0, str(shim))

import lerobot  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from lerobot.datasets.lerobot_dataset import CODEBASE_VERSION, LeRobotDataset  # noqa: E402


def describe(v):
    if isinstance(v, torch.Tensor):
        s = f"Tensor{tuple(v.shape)} {str(v.dtype).replace('torch.', '')}"
        if v.numel() <= 8:
            s += f" {v.flatten().tolist()}"
        return s
    return repr(v)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--repo-id", default="local/tiny")
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument("--backend", default=None, help="video_backend (default: lerobot's choice)")
    ap.add_argument(
        "--scan",
        action="store_true",
        help="also decode EVERY item (timestamp/pts check on all frames)",
    )
    args = ap.parse_args()

    print(
        f"lerobot {lerobot.__version__} (CODEBASE_VERSION {CODEBASE_VERSION}), torch {torch.__version__}, "
        f"torchcodec {'yes' if importlib.util.find_spec('torchcodec') else 'NO'}, "
        f"torchvision {'REAL' if 'tv_shim' not in str(importlib.util.find_spec('torchvision').origin) else 'shim'}"
    )

    kw = {}
    if args.no_decode:
        kw["download_videos"] = False
    if args.backend:
        kw["video_backend"] = args.backend
    ds = LeRobotDataset(args.repo_id, root=args.root, **kw)

    meta = ds.meta
    print(
        f"num_episodes={ds.num_episodes} num_frames={ds.num_frames} len={len(ds)} fps={ds.fps} "
        f"video_backend={ds.video_backend}"
    )
    print("features:")
    for k, ft in ds.features.items():
        extra = f" info={ft['info']}" if ft.get("info") else ""
        print(
            f"  {k}: dtype={ft['dtype']} shape={tuple(ft['shape'])} names={ft.get('names')}{extra}"
        )
    print("hf_dataset columns:", ds.hf_dataset.column_names)
    print("meta.episodes columns (stats/* dropped by lerobot):", meta.episodes.column_names)
    print("meta.tasks:\n", meta.tasks)
    if meta.stats is not None:
        print(
            "meta.stats:",
            {k: {s: tuple(np.shape(v)) for s, v in d.items()} for k, d in meta.stats.items()},
        )
    else:
        print("meta.stats: None")
    for e in range(meta.total_episodes):
        ep = meta.episodes[e]
        print(
            f"  episode {e}: length={ep.get('length')} tasks={ep.get('tasks')} "
            f"rows=[{ep.get('dataset_from_index')},{ep.get('dataset_to_index')}) "
            f"custom: success={ep.get('success')} instruction={ep.get('instruction')!r}"
        )
        # lerobot looks episodes up POSITIONALLY (meta.episodes[ep_idx]); a mis-ordered file loads
        # silently but serves the wrong video/rows, so check it here.
        assert ep["episode_index"] == e, (
            f"meta/episodes row {e} holds episode_index {ep['episode_index']}"
        )

    assert ds.num_episodes == meta.total_episodes
    assert ds.num_frames == len(ds.hf_dataset) == meta.total_frames

    if args.no_decode:
        # ds[i] would decode video; read the tabular part directly instead.
        row = ds.hf_dataset[0]
        print("hf_dataset[0]:", {k: describe(v) for k, v in row.items()})
        print("task of row 0:", meta.tasks.iloc[int(row["task_index"])].name)
        print("OK (no decode)")
        return 0

    # index one frame in each episode (first frame of ep 0, last frame of last episode)
    for idx in (0, len(ds) - 1):
        item = ds[idx]
        print(f"ds[{idx}]:")
        for k, v in item.items():
            print(f"  {k}: {describe(v)}")
        for vk in meta.video_keys:
            img = item[vk]
            assert img.dtype == torch.float32 and img.shape == (3, *meta.shapes[vk][:2]), img.shape
            assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
            print(f"  {vk} channel means: {[round(float(x), 3) for x in img.mean((1, 2))]}")
        assert isinstance(item["task"], str)

    # temporal context across an episode boundary (uses dataset_from/to_index + video timestamps)
    dt = {"observation.state": [-0.1, 0.0], "action": [0.0, 0.1, 0.2]}
    for vk in meta.video_keys:
        dt[vk] = [-0.1, 0.0]
    ds2 = LeRobotDataset(args.repo_id, root=args.root, delta_timestamps=dt, **kw)
    first_ep1 = int(meta.episodes[1]["dataset_from_index"]) if meta.total_episodes > 1 else 0
    item = ds2[first_ep1]
    print(
        f"delta_timestamps item ds2[{first_ep1}]:",
        {k: describe(v) for k, v in item.items() if k.endswith("_is_pad") or k in dt},
    )

    # a DataLoader batch, as training would do
    loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=False, num_workers=0)
    batch = next(iter(loader))
    print(
        "batch:",
        {
            k: describe(v) if isinstance(v, torch.Tensor) else f"list[{len(v)}]"
            for k, v in batch.items()
        },
    )
    if args.scan:
        for i in range(len(ds)):
            ds[
                i
            ]  # raises FrameTimestampError if any frame's pts != from_timestamp + timestamp (+-tolerance_s)
        print(f"scanned all {len(ds)} items")
    print("OK (decoded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
