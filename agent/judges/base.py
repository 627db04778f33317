"""Completion judges: did the robot accomplish the instruction, judged from camera frames only?"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class CompletionJudge(Protocol):
    name: str

    def completion(self, frames: list[np.ndarray], instruction: str) -> float:
        """P(the instruction was accomplished) from the frames since the subtask began."""
        ...
