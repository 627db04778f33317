"""When a subtask counts as done: one rule for the agent's graph and for every evaluation loop.

The judge looks after every chunk, dozens of times per subtask, so one stray "done" must not end
it: the combined score (the judge gated by the perceived effects, `agent.judges.effects`) must
reach the threshold on `confirmations` checks in a row, or once when the executor has finished
(no later frames will come).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionRule:
    threshold: float = 0.5
    confirmations: int | None = 2  # None: the judge never ends a subtask (data collection)

    def update(self, streak: int, score: float) -> int:
        """The run of "done" verdicts after one more check scored `score`."""
        return streak + 1 if score >= self.threshold else 0

    def done(self, streak: int, score: float, finished: bool = False) -> bool:
        """Is the subtask done, after the latest check (`score`, `streak`)?"""
        if score < self.threshold:
            return False
        return finished or (self.confirmations is not None and streak >= self.confirmations)


AGENT_RULE = CompletionRule()  # what the agent's graph asks, and evaluations by default
