"""The world-model executor: imagine N futures, invert each with the IDM, reject infeasible ones,
let the judge pick, and hand the first K actions to the robot (receding horizon).

Actions are smoothed before they reach the robot: averaged over the kept rollouts that agree
with the best one, and with the previous chunk's plan for the steps both cover (overlapping
windows), as in 1X's world-model policy. The gripper command is then latched open or closed,
and a grasp waits for the hand to reach the block (`agent.executors.gripper`).
"""

from __future__ import annotations

import numpy as np

from agent.executors.base import Proposal
from agent.executors.gripper import HandControl
from agent.frames import fit_frame
from agent.planners.base import PlannedStep
from agent.robot_fit import trained_step_size

ACTION_LIMIT = 1.0
LIMIT_SLACK = 0.25  # IDM outputs a little past the limits are noise; far past them, nonsense
MAX_JUMP = 1.2  # largest plausible change of the xyz command between neighbouring frames
AGREEMENT = 0.35  # mean xyz distance under which a kept rollout agrees with the best one
DEFAULT_CHUNK = 4  # actions carried out per imagination (receding horizon)


def feasible(actions: np.ndarray) -> np.ndarray:
    """(N, T, 4) -> (N,) bool: inside the limits and consistent between neighbouring frames."""
    inside = np.all(np.abs(actions) <= ACTION_LIMIT + LIMIT_SLACK, axis=(1, 2))
    jumps = np.linalg.norm(np.diff(actions[:, :, :3], axis=1), axis=-1)
    steady = (
        np.all(jumps <= MAX_JUMP, axis=1) if actions.shape[1] > 1 else np.ones(len(actions), bool)
    )
    return inside & steady


def consensus(actions: np.ndarray, scores: np.ndarray, keep: np.ndarray, k: int) -> np.ndarray:
    """Average the first k actions of the kept rollouts that agree with the best kept one."""
    candidates = np.flatnonzero(keep)
    best = candidates[np.argmax(scores[candidates])]
    distance = np.linalg.norm(actions[candidates, :k, :3] - actions[best, :k, :3], axis=-1).mean(
        axis=1
    )
    agreeing = candidates[distance <= AGREEMENT]
    weights = scores[agreeing] + 1e-6
    return np.tensordot(weights / weights.sum(), actions[agreeing, :k], axes=1)


class WorldModelExecutor:
    name = "worldmodel"

    def __init__(
        self,
        rollouts: int = 4,
        chunk: int = DEFAULT_CHUNK,
        context: int = 2,
        resamples: int = 2,
        imaginer=None,
        seed: int = 0,
        image_size: int | None = None,
        grasp_guard: bool = True,
        step_size: float | None = None,  # the robot's (GetInfo); None: the training data's
        reject_early_grasps: bool = True,
    ) -> None:
        if imaginer is None:
            from worldmodel.imagine import Imaginer

            imaginer = Imaginer()
        self.imaginer = imaginer
        self.rollouts, self.chunk, self.context, self.resamples = (
            rollouts,
            chunk,
            context,
            resamples,
        )
        # frames are resized to what the models were trained on (64 px for the shipped ones)
        self.seed = seed
        self.image_size = image_size or getattr(imaginer, "image_size", 64)
        self.hand = HandControl(grasp_guard, step_size or trained_step_size())
        # a rollout that closes the hand out of the block's reach is dropped while another
        # rollout does not (experiment 15 in docs/world_model.md)
        self.reject_early_grasps = reject_early_grasps
        self._history: list[np.ndarray] = []
        self._planned: np.ndarray | None = None  # the previous chunk's actions beyond its first k
        self._goals = None  # where the subtask's objects were perceived when it began
        self._calls = 0

    def begin(self, step: PlannedStep) -> None:
        self._history, self._planned, self._goals = [], None, None
        self.hand.reset()
        # sampling seeds count from the subtask's start: the same subtask from the same frames
        # imagines the same futures, whatever ran before (an evaluation's runs stay comparable)
        self._calls = 0

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        frame = fit_frame(frame, self.image_size)
        if self._goals is None and objects is not None:
            from worldmodel.goals import goal_points

            self._goals = goal_points(step.skill, step.args, objects)
        self._history.append(frame)
        recent = np.stack(self._history[-self.context :])
        if len(recent) < self.context:  # at the start of a skill, repeat the first frame
            recent = np.concatenate([np.repeat(recent[:1], self.context - len(recent), 0), recent])
        result, keep, resampled = None, None, -1
        for _ in range(1 + self.resamples):
            resampled += 1
            self._calls += 1
            result = self.imaginer.imagine(
                recent,
                step.instruction,
                step.skill,
                np.asarray(state, np.float32),
                rollouts=self.rollouts,
                seed=self.seed + self._calls,
                history=np.stack(self._history),
                goals=self._goals,
            )
            keep = feasible(result.actions)
            if keep.any():
                break
        assert result is not None and keep is not None
        if not keep.any():  # every sample infeasible: fall back on the least extreme one
            keep = np.zeros(len(keep), bool)
            keep[np.argmin(np.abs(result.actions).max(axis=(1, 2)))] = True
        block = (objects or {}).get(step.args.get("object", ""))
        early = self.hand.early_grasps(step.skill, block, result.actions, np.asarray(state))
        if self.reject_early_grasps and (keep & ~early).any():
            keep &= ~early  # the others imagine reaching the block first: follow them
        k = min(self.chunk, result.actions.shape[1])
        actions = consensus(result.actions, result.scores, keep, k)
        if self._planned is not None:  # overlapping windows: blend with what was planned before
            overlap = min(len(self._planned), k)
            actions[:overlap] = (actions[:overlap] + self._planned[:overlap]) / 2
        gripper = self.hand.apply(step.skill, block, actions, np.asarray(state, np.float64))
        best = int(np.flatnonzero(keep)[np.argmax(result.scores[keep])])
        self._planned = result.actions[best, k:]
        return Proposal(
            actions=np.clip(actions, -ACTION_LIMIT, ACTION_LIMIT),
            imagined=result.frames[best, 1 : k + 1],
            scores=[round(float(s), 4) for s in result.scores],
            info={
                "kept": int(keep.sum()),
                "early_grasps": int(early.sum()),
                "resamples": resampled,
                **gripper,
                **{k_: round(v, 4) for k_, v in result.timings.items()},
            },
        )
