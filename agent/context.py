"""Run settings and live handles, passed to every node as LangGraph's typed run context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from agent.completion import AGENT_RULE, CompletionRule
from agent.executors.base import Executor
from agent.judges.base import CompletionJudge
from agent.planners.base import Planner
from agent.rundir import RunDir

# Control steps one attempt at a subtask may take, whatever the executor's chunk length (the skill
# benchmarks give every executor the same): a scripted expert needs up to ~120, a learned hand at
# 60% of the expert's pace about as many.
STEP_BUDGET = 150


class GroundTruth(Protocol):
    """What a simulated robot can tell about a skill it did (robot_bridge.client.SimControlClient)."""

    def mark_skill_start(self) -> object: ...

    def check_skill(self, skill: str, args: dict[str, str]) -> object: ...  # has .success


@dataclass
class RunContext:
    robot: object  # robot_bridge.client.RobotClient
    control: object  # robot_bridge.client.ControlSession
    executor: Executor
    judge: CompletionJudge
    planner: Planner
    run: RunDir
    # Evaluation only: a simulator's verdicts for the run's report (its SimControl client), None
    # on a real robot. Written to the report, never read by a routing decision.
    ground_truth: GroundTruth | None = None
    reacquire: Callable[[], object] = lambda: None  # a new control session after a lapse
    max_steps: int = STEP_BUDGET  # control steps per attempt at one subtask
    max_attempts: int = 2
    max_replans: int = 1
    judge_every: int = 1  # judge after every n-th chunk (and whenever the executor finishes)
    completion: CompletionRule = AGENT_RULE  # when a subtask counts as done
    progress: Callable[[str], None] = lambda message: None
