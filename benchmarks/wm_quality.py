"""Quality of the shipped learned models on episodes never used for training, baselines measured
in the same run:
- world model, action-conditioned: PSNR/SSIM of predicted vs real frames at each horizon step,
  against copying the current frame (target: >= 3 dB better at the final step);
- IDM: mean absolute action error vs predicting the training mean action (target: <= 30%);
- judge: accuracy, precision, recall (target: >= 90% accuracy).
On the `test` (seen compositions) and `holdout` (held-out compositions) splits.

    .venv/bin/python benchmarks/wm_quality.py [--data data/episodes] [--windows 256] [--out FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import provenance, publish  # noqa: E402
from worldmodel.scoring import score_split  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path("data/episodes"))
    parser.add_argument("--splits", nargs="+", default=["test", "holdout"])
    parser.add_argument("--windows", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3, help="world-model sampling steps")
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/wm_quality.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    result: dict = {
        "benchmark": "wm_quality",
        **provenance(),
        "targets": {
            "wm.psnr_gain_final_db": ">= 3.0",
            "idm.mae_ratio": "<= 0.30",
            "judge.accuracy": ">= 0.90",
        },
        "splits": {},
    }
    for split in args.splits:
        scores = score_split(args.data / split, args.checkpoints, args.windows, args.steps)
        scores["meets"] = {
            "wm": scores["wm.psnr_gain_final_db"] >= 3.0,
            "idm": scores["idm.mae_ratio"] <= 0.30,
            "judge": scores["judge.accuracy"] >= 0.90,
        }
        result["splits"][split] = scores
        if not args.json:
            print(f"{split}: {json.dumps(scores)}", file=sys.stderr)
    publish(args.out, result, args.json)


if __name__ == "__main__":
    main()
