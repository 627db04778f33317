"""Export the EMA weights of a training run's resume state as a model folder, to check a model
in closed loop while its training goes on.

    .venv/bin/python scripts/export_ema.py runs/train/wm runs/snapshot/wm
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worldmodel.checkpoint import (  # noqa: E402
    CONFIG_NAME,
    WEIGHTS_NAME,
    atomic_write_text,
    load_tensors,
    save_tensors,
)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: export_ema.py RUN_MODEL_DIR OUT_DIR (e.g. runs/train/wm runs/snapshot/wm)")
    run, out = Path(sys.argv[1]), Path(sys.argv[2])
    state = json.loads((run / "state" / "state.json").read_text())
    weights = load_tensors(run / "state" / "ema.safetensors")
    save_tensors(out / WEIGHTS_NAME, weights, {"steps": state["step"]})
    model_type = run.name
    config = {"model_type": model_type, **state["model"]}
    atomic_write_text(out / CONFIG_NAME, json.dumps(config, indent=2) + "\n")
    print(f"step {state['step']} -> {out}")


if __name__ == "__main__":
    main()
