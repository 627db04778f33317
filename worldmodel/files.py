"""Where checkpoints live and what their files are called (no torch: the command line and the
agent read these before any model loads)."""

from pathlib import Path

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
DEFAULT_CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"
