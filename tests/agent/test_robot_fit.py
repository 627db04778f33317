"""The agent learns a robot from its description over the real gRPC bridge (GetInfo): the
executors move the hand by the robot's step size, and a robot whose camera is not the one the
models were trained with, or that leaves out what the agent needs, is refused with a clear error."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import agent.run as run_module
import worldmodel.imagine
from agent.planners.base import PlannedStep
from agent.robot_fit import (
    ACTIONS,
    RobotMismatchError,
    check_camera,
    trained_camera,
    trained_step_size,
)
from agent.run import do_chore
from robot_bridge.client import RobotClient
from robot_bridge.robot import ActionSpec, CameraCalibration, CameraSpec, RobotInfo
from robot_bridge.sim_robot import HEAD_CALIBRATION, SimRobot
from robot_bridge.testing import start_server
from worldmodel.imagine import Imagination

PICK = PlannedStep(
    skill="pick_place",
    args={"object": "red_block", "target": "bowl"},
    instruction="put the red block in the bowl",
)
LONG_STRIDE = 0.05  # metres per unit action; the simulator (and the training data) move 0.03


class DescribedRobot(SimRobot):
    """The simulated tabletop describing itself as `describe(its own RobotInfo)`."""

    def __init__(self, describe, **kwargs) -> None:
        super().__init__(image_size=64, **kwargs)
        self.describe = describe

    def info(self):
        return self.describe(super().info())


def _stride(info, step: float):
    return replace(info, action_spec=replace(info.action_spec, step_size=step))


def _camera(info, **changes):
    return replace(info, cameras=(replace(info.cameras[0], **changes),))


def _info_over_grpc(describe):
    """The RobotInfo a client reads from a real server serving DescribedRobot(describe)."""
    robot = DescribedRobot(describe)
    server = start_server(robot)
    try:
        with RobotClient(server.address) as client:
            return client.info()
    finally:
        server.stop(grace=0)
        robot.close()


class OneRollout:
    """An imaginer that always imagines the same rollout (`worldmodel.imagine.Imaginer`'s calls)."""

    image_size = 64

    def __init__(self, *args, **kwargs) -> None:
        self.actions = np.zeros((1, 8, 4))

    def imagine(self, recent, instruction, skill, state, rollouts=1, **kwargs):
        frames = np.zeros((1, self.actions.shape[1] + 1, 64, 64, 3), np.uint8)
        return Imagination(frames=frames, actions=self.actions, scores=np.ones(1), timings={})


def _grasp_commands(executor) -> list[float]:
    """Four steps right and down from (0, -0.1, 0.17) with an open hand, closing at the fourth.
    The block sits where the hand is after them at 5 cm per unit, 8 cm short of it at 3 cm."""
    executor.imaginer.actions[0, :, :3] = [1.0, 0.0, -0.5]
    executor.imaginer.actions[0, :, 3] = [-1, -1, -1, 1, 1, 1, 1, 1]
    executor.begin(PICK)
    state = np.array([0.0, -0.1, 0.17, 1.0])
    block = (0.2, -0.1, 0.06)
    frame = np.zeros((64, 64, 3), np.uint8)
    return executor.propose(PICK, frame, state, {"red_block": block}).actions[:, 3].tolist()


def test_the_executor_moves_by_the_step_size_the_robot_reports(monkeypatch):
    monkeypatch.setattr(worldmodel.imagine, "Imaginer", OneRollout)
    info = _info_over_grpc(lambda info: _stride(info, LONG_STRIDE))
    assert info.action_spec.step_size == LONG_STRIDE  # carried by GetInfo
    executor = run_module.build_executor("worldmodel", None, 1, info)
    assert executor.hand.step_size == LONG_STRIDE
    # The grasp guard follows the hand along the robot's steps: it lets the close through where
    # the long-stride robot's hand reaches the block ...
    assert _grasp_commands(executor) == [-1.0, -1.0, -1.0, 1.0]
    # ... and holds it back for a hand that moves the training data's 3 cm per unit.
    default = run_module.build_executor("worldmodel", None, 1, _stride(info, trained_step_size()))
    assert _grasp_commands(default) == [-1.0, -1.0, -1.0, -1.0]


def _no_planning(*args):
    raise AssertionError("a refused robot is refused before planning")


def test_a_robot_with_another_camera_is_refused_naming_both_cameras(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "_make_planner", _no_planning)
    moved = CameraCalibration((0.0, -0.5, 0.7), (0.0, 0.1, 0.0), 60.0)
    robot = DescribedRobot(lambda info: _camera(info, calibration=moved))
    server = start_server(robot)
    try:
        with pytest.raises(RobotMismatchError) as refused:
            do_chore("press the button", robot=server.address, executor="worldmodel", runs=tmp_path)
    finally:
        server.stop(grace=0)
        robot.close()
    message = str(refused.value)
    assert (
        "camera 'head' is at (0.000, -0.500, 0.700) m looking at (0.000, 0.100, 0.000)" in message
    )
    assert "60 degree" in message  # the robot's camera ...
    assert "trained on 64x64 RGB frames from a camera at (0.000, -0.600, 0.620) m" in message
    assert "50 degree" in message  # ... and the models'
    assert "position" in message and "viewing direction" in message and "field of view" in message
    assert "retrain the models" in message


@pytest.mark.parametrize(
    ("describe", "expected"),
    [
        (lambda info: _stride(info, 0.0), "does not report its step size"),
        (lambda info: _camera(info, calibration=None), "reports no calibration"),
        (lambda info: _camera(info, height=48, width=64), "gives 64x48 frames"),
        (lambda info: _camera(info, height=32, width=32), "at least 64x64"),
        (
            lambda info: replace(
                info, action_spec=ActionSpec(("joint",), (-1.0,), (1.0,), 10.0, step_size=0.03)
            ),
            r"takes actions \(joint\); the agent's executors propose \(dx, dy, dz, gripper\)",
        ),
    ],
)
def test_a_robot_leaving_out_what_the_agent_needs_is_refused(
    tmp_path, monkeypatch, describe, expected
):
    monkeypatch.setattr(run_module, "_make_planner", _no_planning)
    robot = DescribedRobot(describe)
    server = start_server(robot)
    try:
        with pytest.raises(RobotMismatchError, match=expected):
            do_chore("press the button", robot=server.address, executor="policy", runs=tmp_path)
    finally:
        server.stop(grace=0)
        robot.close()


def test_the_simulated_camera_is_the_trained_one_at_any_larger_square_size():
    assert trained_camera() == HEAD_CALIBRATION
    spec = ActionSpec(ACTIONS, (-1.0,) * 4, (1.0,) * 4, 10.0, step_size=0.03)
    info = RobotInfo("sim", "sim", spec, (CameraSpec("head", 128, 128, 3, HEAD_CALIBRATION),))
    check_camera(info, 64)  # frames are resized to the models' size; the view is the same
    nudged = CameraCalibration((0.002, -0.6, 0.62), (0.0, 0.05, 0.0), 50.1)
    check_camera(_camera(info, calibration=nudged), 64)  # within a third of a pixel
