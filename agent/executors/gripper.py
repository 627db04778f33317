"""The world-model executor's gripper: a switch, latched, and guarded by proprioception.

Every skill uses the gripper as a switch, but the IDM reads it from imagined frames, where it is
the least certain part of the picture. Two failure modes were seen in closed-loop traces:
blurred imaginations invert to half-closed commands (the simulator, like a real parallel
gripper, reads the command as a width, and a half-closed hand cannot grasp), and imagination
closes the hand when the *imagined* hand reaches the block, 11-15 cm before the real one does.
The first is what `latch_gripper` is for, the second `guard_grasp` and `closed_on_nothing`.
They use only what a real robot reports: its own hand position and opening, and the perceived
position of the object the skill names.
"""

from __future__ import annotations

import numpy as np

GRIP_SWITCH = 0.5  # how far the IDM's gripper output must go to open or close the hand
OPEN_HAND = 0.75  # a gripper opening above this is an open hand (a held block keeps it near 0.5)
EMPTY_HAND = 0.2  # a closed hand opening less than this holds nothing (a block keeps ~0.5 open)
GRASPING_SKILLS = ("pick_place", "stack")
# Where the hand may close around a block, from the perceived block centre (metres). Measured on
# the simulator (the fingers close along x): grasps hold with the hand 1.5 cm off in x, 3 cm off
# in y, 3 cm below the centre or 2 cm above it, and slip 2 cm off in x or 3 cm above. The reach
# is a little generous along the fingers because a hand that closes on nothing opens again.
GRASP_REACH_XY = 0.02
GRASP_REACH_UP = 0.02


def latch_gripper(commands: np.ndarray, closed: bool) -> tuple[np.ndarray, bool]:
    """Gripper commands -> -1 (open) or +1 (close), switching only past +-GRIP_SWITCH."""
    out = np.empty_like(commands)
    for i, g in enumerate(commands):
        if g >= GRIP_SWITCH:
            closed = True
        elif g <= -GRIP_SWITCH:
            closed = False
        out[i] = 1.0 if closed else -1.0
    return out, closed


def hand_path(start: np.ndarray, actions: np.ndarray, step_size: float) -> np.ndarray:
    """(T, 3): where the hand is headed after each action (actions move it step_size per unit)."""
    return start + step_size * np.cumsum(actions[:, :3], axis=0)


def within_grasp(hand: np.ndarray, block: np.ndarray) -> bool:
    offset = hand - block
    return bool(np.linalg.norm(offset[:2]) <= GRASP_REACH_XY and offset[2] <= GRASP_REACH_UP)


def guard_grasp(
    latched: np.ndarray, was_closed: bool, path: np.ndarray, block: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Hold an imagined close back until the hand is within reach of the block.

    `latched` are +-1 commands; a switch from open to closed at a step whose `path` point is out of
    reach stays open, so the next imagination starts from an open hand still on its way."""
    out = latched.copy()
    closed = was_closed
    for i, g in enumerate(out):
        if g > 0 and not closed and not within_grasp(path[i], block):
            out[i] = -1.0
        closed = bool(out[i] > 0)
    return out, closed


def closed_on_nothing(closed: bool, opening: float) -> bool:
    """The hand was commanded shut and its fingers met: the grasp missed, open and try again."""
    return bool(closed and opening < EMPTY_HAND)


def grasps_thin_air(
    commands: np.ndarray, closed: bool, paths: np.ndarray, block: np.ndarray
) -> np.ndarray:
    """(N, T) gripper commands of N rollouts, (N, T, 3) hand paths -> (N,) bool: the rollout
    closes an open hand somewhere the block is out of reach (its imagination grasped early)."""
    early = np.zeros(len(commands), bool)
    for n, rollout in enumerate(commands):
        latched, _ = latch_gripper(rollout, closed)
        shut = np.flatnonzero(latched > 0)
        if not closed and len(shut):
            early[n] = not within_grasp(paths[n, shut[0]], block)
    return early


class HandControl:
    """The gripper policy of one skill attempt, shared by the learned executors: latch the
    proposed gripper commands, guard grasps with the perceived block and proprioception, and
    reopen a hand that closed on nothing."""

    def __init__(self, grasp_guard: bool, step_size: float) -> None:
        self.grasp_guard, self.step_size = grasp_guard, step_size
        self.closed: bool | None = None  # the latched state (None: read it from the robot)

    def reset(self) -> None:
        self.closed = None

    def early_grasps(self, skill: str, block, actions: np.ndarray, state: np.ndarray) -> np.ndarray:
        """(N, T, 4) rollouts -> (N,) bool: which ones close the open hand out of the block's
        reach. Such a rollout imagines a grasp that did not happen and then the carry after it."""
        closed = self.closed if self.closed is not None else bool(state[3] < OPEN_HAND)
        if not (self.grasp_guard and skill in GRASPING_SKILLS and block is not None) or closed:
            return np.zeros(len(actions), bool)
        start = np.asarray(state[:3], np.float64)
        paths = np.stack([hand_path(start, a, self.step_size) for a in actions])
        return grasps_thin_air(actions[:, :, 3], closed, paths, np.asarray(block, np.float64))

    def apply(self, skill: str, block, actions: np.ndarray, state: np.ndarray) -> dict:
        """Rewrite actions[:, 3] in place; `block`: the perceived position of the skill's object
        (None when not perceived). Returns what the guard did, for the events log."""
        if self.closed is None:
            self.closed = bool(state[3] < OPEN_HAND)
        guarded = self.grasp_guard and skill in GRASPING_SKILLS
        regrasp = guarded and closed_on_nothing(self.closed, state[3])
        if regrasp:
            self.closed = False
        was_closed = self.closed
        actions[:, 3], self.closed = latch_gripper(actions[:, 3], self.closed)
        latched = actions[:, 3].copy()
        if guarded and block is not None:
            path = hand_path(np.asarray(state[:3], np.float64), actions, self.step_size)
            actions[:, 3], self.closed = guard_grasp(
                actions[:, 3], was_closed, path, np.asarray(block, np.float64)
            )
        if not guarded:
            return {}
        return {"grasp_held": int((latched != actions[:, 3]).sum()), "regrasp": regrasp}
