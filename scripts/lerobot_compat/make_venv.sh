#!/usr/bin/env bash
# Idempotent recipe: a CPU-only virtualenv with lerobot 0.4.4 able to load (and video-decode)
# LeRobot v3.0 datasets from a local root, WITHOUT pulling a CUDA torch.
#
#   bash scripts/lerobot_compat/make_venv.sh            # creates/updates /work/lerobot-venv
#   VENV=/some/where bash scripts/lerobot_compat/make_venv.sh
#
# Facts this recipe works around (checked 2026, lerobot 0.4.4, torch 2.13.0+cpu, Python 3.11):
#  * lerobot 0.4.4 pins torch<2.11, torchvision<0.26, torchcodec<0.11 plus heavy extras
#    (wandb, rerun-sdk, diffusers, opencv, gymnasium, ...) -> install lerobot with --no-deps and add
#    only what `lerobot.datasets.lerobot_dataset` imports.
#  * torchvision has no CPU build for torch 2.13 here; lerobot/datasets/utils.py and video_utils.py
#    `import torchvision` at module top but only use it for (a) transforms.ToTensor on dtype=="image"
#    features and (b) the "pyav" video backend. We ship a tiny stub package (tv_shim/torchvision) that
#    is put on sys.path ONLY by callers that want it (PYTHONPATH=$VENV/tv_shim or sys.path.insert).
#  * torchcodec: PyPI wheels 0.14.0 .. 0.17.0 need libnvrtc.so.13 (CUDA) -> fail on CPU-only boxes.
#    0.12.0 / 0.13.0 are "+cpu" wheels and load against torch 2.13.0+cpu and system FFmpeg 5.1
#    (Debian 12: libavcodec59 ...). We use torchcodec==0.13.0 (--no-deps: it declares no deps anyway).
set -euo pipefail

PY=${PY:-/root/.pyenv/versions/3.11.7/bin/python3}
VENV=${VENV:-/work/lerobot-venv}
LEROBOT_VERSION=${LEROBOT_VERSION:-0.4.4}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCHCODEC_VERSION=${TORCHCODEC_VERSION:-0.13.0}
# lerobot 0.4.4 allows datasets<5; 0.4.0-0.4.3 pin datasets<4.2 (set DATASETS_REQ for those)
DATASETS_REQ=${DATASETS_REQ:-"datasets>=4.0.0,<5.0.0"}

# 1. system FFmpeg shared libs for torchcodec (PyAV wheels bundle their own FFmpeg; torchcodec does not)
if ! ldconfig -p | grep -q 'libavcodec\.so'; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    libavcodec59 libavformat59 libavutil57 libavdevice59 libavfilter8 libswscale6 libswresample4
fi

# 2. venv + CPU torch first (from the local wheel in /opt/wheels via pip's find-links)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/pip"
CONSTRAINTS="$VENV/constraints.txt"
echo "torch==$TORCH_VERSION" > "$CONSTRAINTS"
"$PIP" install -q -c "$CONSTRAINTS" "torch==$TORCH_VERSION"

# 3. lerobot itself without its (CUDA-torch-pulling, heavy) dependency list
"$PIP" install -q -c "$CONSTRAINTS" --no-deps "lerobot==$LEROBOT_VERSION"

# 4. the minimal runtime deps of lerobot.datasets.* (version ranges copied from lerobot 0.4.4 metadata);
#    the constraints file guarantees pip never swaps torch.
"$PIP" install -q -c "$CONSTRAINTS" \
  "$DATASETS_REQ" \
  "huggingface-hub>=0.34.2,<0.36.0" \
  "av>=15.0.0,<16.0.0" \
  "accelerate>=1.10.0,<2.0.0" \
  "packaging>=24.2,<26.0" \
  "jsonlines>=4.0.0,<5.0.0" \
  "draccus==0.10.0" \
  "termcolor>=2.4.0,<4.0.0" \
  "deepdiff>=7.0.1,<9.0.0" \
  einops pandas pyarrow pillow numpy

# 5. video decoder (CPU wheel). Newer torchcodec wheels on PyPI are CUDA builds; see header.
"$PIP" install -q -c "$CONSTRAINTS" --no-deps "torchcodec==$TORCHCODEC_VERSION"

# 6. torchvision stub (only used when the real torchvision is absent and the caller opts in)
mkdir -p "$VENV/tv_shim/torchvision"
cat > "$VENV/tv_shim/torchvision/__init__.py" <<'EOF'
"""Minimal stand-in for torchvision (no CPU torchvision build exists for torch 2.13).

Covers exactly what lerobot 0.4.x's dataset code touches at import/read time:
  lerobot/datasets/utils.py       -> `from torchvision import transforms`; transforms.ToTensor()
                                     (only called for dtype=="image" features, i.e. PIL images)
  lerobot/datasets/video_utils.py -> `import torchvision`; set_video_backend()/io.VideoReader
                                     (only for video_backend="pyav"/"video_reader"; use "torchcodec")
"""
import types as _types

import numpy as _np
import torch as _torch

__version__ = "0.0.0+lerobot-shim"


class _ToTensor:
    def __call__(self, pic):
        arr = _np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        t = _torch.from_numpy(_np.ascontiguousarray(arr.transpose(2, 0, 1)))
        return t.to(_torch.float32).div(255.0) if t.dtype == _torch.uint8 else t


transforms = _types.ModuleType("torchvision.transforms")
transforms.ToTensor = _ToTensor


def set_video_backend(backend):
    raise RuntimeError(
        "torchvision shim: the 'pyav'/'video_reader' backends need real torchvision; "
        "use video_backend='torchcodec'"
    )


io = _types.ModuleType("torchvision.io")


def _no_video_reader(*a, **k):
    raise RuntimeError("torchvision shim: torchvision.io.VideoReader unavailable; use torchcodec")


io.VideoReader = _no_video_reader

import sys as _sys

_sys.modules["torchvision.transforms"] = transforms
_sys.modules["torchvision.io"] = io
EOF

# 7. sanity: no CUDA torch sneaked in; lerobot dataset module imports; torchcodec loads
"$VENV/bin/python" - <<'EOF'
import importlib.metadata as md, torch
assert torch.__version__.endswith("+cpu"), torch.__version__
bad = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia-")]
assert not bad, bad
EOF
PYTHONPATH="$VENV/tv_shim" "$VENV/bin/python" -c "
import torch, torchcodec, lerobot
from torchcodec.decoders import VideoDecoder
from lerobot.datasets.lerobot_dataset import LeRobotDataset, CODEBASE_VERSION
print('OK lerobot', lerobot.__version__, 'codebase', CODEBASE_VERSION, 'torch', torch.__version__, 'torchcodec', torchcodec.__version__)
"
