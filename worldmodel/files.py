"""Where checkpoints live, what their files are called, and how files are written atomically (no
torch: the command line and the agent use these before any model loads)."""

import os
from pathlib import Path

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
DEFAULT_CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `path` so that a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
