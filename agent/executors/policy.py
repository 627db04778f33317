"""The behaviour-cloning executor: the direct (end-to-end) baseline for imagine-then-invert.

The same inputs as the world-model executor (the latest camera frames, the skill, the goal points
perceived when the subtask began, proprioception) and the same gripper handling
(`agent.executors.gripper.HandControl`), but the actions come straight from a policy network
trained on the same episodes, not from inverting imagined frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.executors.base import Proposal
from agent.executors.gripper import HandControl
from agent.executors.worldmodel import ACTION_LIMIT, DEFAULT_CHUNK
from agent.frames import fit_frame
from agent.planners.base import PlannedStep
from agent.robot_fit import trained_step_size


class PolicyExecutor:
    name = "policy"

    def __init__(
        self,
        checkpoint: Path | str | None = None,
        chunk: int = DEFAULT_CHUNK,
        grasp_guard: bool = True,
        step_size: float | None = None,  # the robot's (GetInfo); None: the training data's
    ) -> None:
        from worldmodel.policy.modeling_policy import BehaviourCloningPolicy

        self.policy = BehaviourCloningPolicy.from_pretrained(checkpoint)
        self.chunk = min(chunk, self.policy.config.chunk)
        self.image_size = self.policy.config.image_size
        self.hand = HandControl(grasp_guard, step_size or trained_step_size())
        self._history: list[np.ndarray] = []
        self._goals = None

    def begin(self, step: PlannedStep) -> None:
        self._history, self._goals = [], None
        self.hand.reset()

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        if self._goals is None and objects is not None:
            from worldmodel.goals import goal_points

            self._goals = goal_points(step.skill, step.args, objects)
        self._history.append(fit_frame(frame, self.image_size))
        context = np.stack(self._history[-self.policy.config.context_frames :])
        actions = self.policy.act(context, step.skill, state, self._goals)[: self.chunk].copy()
        block = (objects or {}).get(step.args.get("object", ""))
        info = self.hand.apply(step.skill, block, actions, np.asarray(state, np.float64))
        return Proposal(actions=np.clip(actions, -ACTION_LIMIT, ACTION_LIMIT), info=info)
