"""Executors turn the current subtask and camera frame into the next chunk of actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from agent.planners.base import PlannedStep


@dataclass
class Proposal:
    actions: np.ndarray  # (K, 4) in the action space; empty when the executor is finished
    imagined: np.ndarray | None = None  # (T, H, W, 3) the chosen rollout, for the run video
    scores: list[float] = field(default_factory=list)  # judge score of every rollout considered
    info: dict = field(default_factory=dict)


class Executor(Protocol):
    name: str

    def begin(self, step: PlannedStep) -> None:
        """A new attempt at `step` starts."""
        ...

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        """The next chunk from the current frame, proprioception (ee x, y, z, gripper) and the
        perceived object positions ({id: (x, y, z)}, when the robot reports them)."""
        ...
