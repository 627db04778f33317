"""Executors that set a floor for comparisons: uniformly random actions."""

from __future__ import annotations

import numpy as np

from agent.executors.base import Proposal
from agent.planners.base import PlannedStep

CHUNK = 4  # actions per chunk, as the learned executors send them


class RandomExecutor:
    """Uniformly random actions in [-1, 1] (seeded); never says it is finished, so the attempt
    ends when the judge says done or the chunk budget runs out. Any learned executor must beat it."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def begin(self, step: PlannedStep) -> None:
        pass

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        return Proposal(actions=self.rng.uniform(-1, 1, (CHUNK, 4)))
