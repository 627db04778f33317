"""The agent's graph state: small, JSON-like, checkpointed after every node.

Frames and videos never live here; they go to the run directory (ground rule 6).
"""

from __future__ import annotations

from typing import TypedDict


class SubtaskResult(TypedDict):
    skill: str
    args: dict[str, str]
    instruction: str
    success_claimed: bool
    attempts: int
    judge_score: float
    ground_truth: bool | None  # simulated robots only; reporting, never deciding


class ChoreState(TypedDict, total=False):
    chore: str
    plan: list[dict]  # [{skill, args, instruction}]
    cursor: int  # index of the current subtask in `plan`
    attempt: int  # 1-based attempt at the current subtask
    chunks: int  # chunks executed in the current attempt
    steps: int  # control steps executed in the current attempt (the budget counts these)
    chunk_serial: int  # chunks executed in the whole run: part of every chunk id
    executor_done: bool  # the executor has nothing more to propose for this attempt
    judge_score: float  # the judge's last completion probability for the current subtask
    judge_streak: int  # consecutive verdicts at or above the done threshold
    replans: int
    results: list[SubtaskResult]
    subtask_start: int | None  # chunk serial of the current subtask's first frame
    # what perception reported when the subtask began (object ids -> positions, and the
    # drawer's and light's states), to check the skill's effects against
    subtask_scene: dict | None
    route: str  # where the last decision node sends the run next
    status: str  # "running", "done", "failed"
    failure: str
