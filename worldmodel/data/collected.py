"""File formats of the data the agent's own runs produce (recorded by `evals.rollouts` and
`evals.takeovers`), read by the training recipes: the world-model executor's attempts labelled by
the simulator (hard negatives for the judge) and expert take-overs from its states (DAgger data for
the world model and the policy). Plain `.npz` files, no pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROLLOUTS_NAME = (
    "agent_rollouts.npz"  # beside train/, test/, holdout/; `reverie train judge` adds it
)
TAKEOVERS_NAME = "expert_takeovers.npz"  # beside train/
TAKEOVERS_GLOB = "expert_takeovers*.npz"  # `reverie train wm` adds every round's file, sorted
FIELDS = (
    "frames",
    "actions",
    "states",
    "lengths",
    "instructions",
    "skills",
    "goals",
    "goal_mask",
    "success",
    "handover_step",
    "task_seed",
)


def load_takeovers(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a `record-takeovers` file, checked; raises ValueError naming what is wrong."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {k: saved[k] for k in FIELDS if k in saved}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable take-over file ({exc})") from exc
    missing = [k for k in FIELDS if k not in arrays]
    if missing:
        raise ValueError(
            f"{path}: missing {', '.join(missing)}; record it again with `reverie record-takeovers`"
        )
    if arrays["lengths"].sum() != len(arrays["frames"]):
        raise ValueError(f"{path}: episode lengths do not add up to the number of frames")
    return arrays
