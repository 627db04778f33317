"""The scripted executor: the experts, reading simulator ground truth. An oracle baseline for
comparisons, available only with the embedded simulated robot."""

from __future__ import annotations

import numpy as np

from agent.executors.base import Proposal
from agent.planners.base import PlannedStep
from robot_bridge.sim.experts import expert_actions
from skills.library import SkillCall


class ScriptedExecutor:
    name = "scripted"

    def __init__(self, sim_robot) -> None:
        self.sim_robot = sim_robot  # robot_bridge.sim_robot.SimRobot, in this process
        self._actions = None

    def begin(self, step: PlannedStep) -> None:
        call = SkillCall(skill=step.skill, args=step.args)
        self._actions = expert_actions(self.sim_robot.sim, call)

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        if self._actions is None:
            self.begin(step)
        # Experts are closed loop: one action per chunk, the next computed on the new state.
        action = next(self._actions, None)
        if action is None:
            return Proposal(actions=np.zeros((0, 4)))
        return Proposal(actions=np.asarray(action, dtype=np.float64)[None])
