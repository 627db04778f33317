"""Run settings and live handles, passed to every node as LangGraph's typed run context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.executors.base import Executor
from agent.judges.base import CompletionJudge
from agent.planners.base import Planner
from agent.rundir import RunDir


@dataclass
class RunContext:
    robot: object  # robot_bridge.client.RobotClient
    control: object  # robot_bridge.client.ControlSession
    executor: Executor
    judge: CompletionJudge
    planner: Planner
    run: RunDir
    simulated: bool  # the robot serves SimControl: ground truth for the report, never decisions
    reacquire: Callable[[], object] = lambda: None  # a new control session after a lapse
    max_chunks: int = 40  # chunks per attempt at one subtask
    max_attempts: int = 2
    max_replans: int = 1
    judge_every: int = 1  # judge after every n-th chunk (and whenever the executor finishes)
    done_threshold: float = 0.5
    confirmations: int = 2  # consecutive "done" verdicts before the subtask is claimed done
    progress: Callable[[str], None] = lambda message: None
