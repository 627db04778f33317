"""The world-model executor's gripper guard, on hand-made commands and on the simulator."""

import numpy as np
import pytest

from agent.executors.gripper import (
    closed_on_nothing,
    guard_grasp,
    hand_path,
    latch_gripper,
    within_grasp,
)

BLOCK = np.array([0.2, -0.1, 0.02])


def test_the_gripper_switches_only_on_a_clear_command():
    commands = np.array([0.3, -0.2, 0.7, 0.1, -0.4, -0.9, 0.2])
    out, closed = latch_gripper(commands, closed=False)
    assert out.tolist() == [-1, -1, 1, 1, 1, -1, -1] and closed is False
    assert latch_gripper(np.array([0.0, 0.4]), closed=True)[0].tolist() == [1, 1]


def test_hand_path_integrates_the_actions():
    actions = np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, -1.0, 1.0]])
    path = hand_path(np.zeros(3), actions, step_size=0.03)
    np.testing.assert_allclose(path, [[0.03, 0, 0], [0.06, 0, -0.03]])


def test_a_close_waits_until_the_hand_reaches_the_block():
    far = BLOCK + [0.12, 0.0, 0.1]
    path = np.stack([far, far, BLOCK + [0.0, 0.01, 0.01], BLOCK])
    out, closed = guard_grasp(np.array([-1.0, 1.0, 1.0, 1.0]), False, path, BLOCK)
    assert out.tolist() == [-1, -1, 1, 1] and closed is True
    out, closed = guard_grasp(np.array([1.0, 1.0]), False, np.stack([far, far]), BLOCK)
    assert out.tolist() == [-1, -1] and closed is False


def test_a_held_block_and_an_opening_are_left_alone():
    far = np.tile(BLOCK + [0.2, 0.2, 0.2], (3, 1))
    assert guard_grasp(np.array([1.0, 1.0, -1.0]), True, far, BLOCK)[0].tolist() == [1, 1, -1]


@pytest.mark.parametrize(
    "offset, reachable",
    [
        ((0, 0, 0), True),
        ((0.015, 0, 0), True),
        ((0, 0.019, 0.015), True),
        ((0.03, 0, 0), False),
        ((0, 0, 0.03), False),
        ((0, 0, -0.02), True),
    ],
)
def test_within_grasp(offset, reachable):
    assert within_grasp(BLOCK + offset, BLOCK) is reachable


def test_a_closed_hand_whose_fingers_met_holds_nothing():
    assert closed_on_nothing(True, 0.0) and not closed_on_nothing(True, 0.5)
    assert not closed_on_nothing(False, 0.0)


def _grasp_lifts(sim, offset) -> bool:
    """Lower the open hand to the block's centre + offset, close, lift: is the block lifted?"""
    from robot_bridge.sim.experts import CLOSED, OPEN, TRAVEL_Z, hold, move_to
    from skills.symbolic import feasible_calls

    sim.reset(3)
    block = next(c for c in feasible_calls(sim.scene()) if c.skill == "pick_place").args["object"]
    start = np.array(sim.object_positions()[block])
    goal = start + offset
    for moves in (
        lambda: move_to(sim, lambda: goal * (1, 1, 0) + (0, 0, TRAVEL_Z), OPEN),
        lambda: move_to(sim, lambda: goal, OPEN, tol=0.003),
        lambda: hold(CLOSED, 4),
        lambda: move_to(sim, lambda: goal + (0, 0, 0.1), CLOSED, tol=0.01),
    ):
        for action in moves():
            sim.step(action)
    return sim.object_positions()[block][2] - start[2] > 0.05


@pytest.mark.parametrize("offset", [(0.0, 0.0, 0.0), (0.015, 0.0, 0.0), (0.0, 0.019, 0.015)])
def test_a_close_the_guard_allows_grasps_the_block(sim, offset):
    assert within_grasp(BLOCK + offset, BLOCK)
    assert _grasp_lifts(sim, np.array(offset))


def test_a_close_the_guard_holds_back_would_miss(sim):
    offset = np.array([0.03, 0.0, 0.0])
    assert not within_grasp(BLOCK + offset, BLOCK)
    assert not _grasp_lifts(sim, offset)
