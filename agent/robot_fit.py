"""Does a robot fit the agent's learned models? Read from the robot's own description (GetInfo).

The agent takes what it needs to know about a robot from the robot contract, never from the
simulator's constants: the step size (metres an end-effector action of 1 moves), with which the
executors predict where the hand is headed, and the head camera's size and calibration. The
shipped models saw one camera only: the world model's conditioning maps project points with
its calibration (`worldmodel/camera.py`), and every model learned from its frames. A robot whose
camera differs gets a `RobotMismatchError` that names both cameras, not silently wrong maps.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from robot_bridge.robot import CameraCalibration, RobotInfo

# How far a robot's camera may be from the trained one and still count as the same: about a
# third of a pixel at 64 px and a 50 degree field of view (one pixel is ~0.8 degrees).
POSITION_TOLERANCE = 0.005  # metres
ANGLE_TOLERANCE = 0.3  # degrees, for the viewing direction and the field of view
ACTIONS = ("dx", "dy", "dz", "gripper")  # what every executor proposes, in this order
RETRAIN = (
    "To drive this robot, record data with its camera and retrain the models on it "
    "(docs/models.md), or mount and calibrate the camera as the models' camera was"
)


class RobotMismatchError(ValueError):
    """A robot the agent's models cannot drive as it is; the message says what differs and what
    to do about it."""


def trained_step_size(root: Path | None = None) -> float:
    """Metres per unit action in the shipped models' training data (the world model records it as
    `action_scale`); the executors' step size when no robot told them another."""
    from worldmodel.checkpoint import CONFIG_NAME, DEFAULT_CHECKPOINTS, read_config
    from worldmodel.diffusion.configuration_world_model import WorldModelConfig

    path = (root or DEFAULT_CHECKPOINTS) / "wm" / CONFIG_NAME
    if not path.is_file():
        return WorldModelConfig.model_fields["action_scale"].default
    return read_config(path, WorldModelConfig, "wm").action_scale


def trained_camera() -> CameraCalibration:
    """The head camera the shipped models were trained with: the calibration with which
    `worldmodel.camera` projects the conditioning maps."""
    from worldmodel import camera

    calibration = camera.L  # worldmodel/camera.py's calibration constants
    return CameraCalibration(
        tuple(calibration.CAMERA_POS),
        tuple(calibration.CAMERA_TARGET),
        float(calibration.CAMERA_FOVY_DEG),
    )


def check_actions(info: RobotInfo) -> None:
    """Every executor proposes end-effector displacements and a gripper command, in this order."""
    names = info.action_spec.names
    if names != ACTIONS:
        raise RobotMismatchError(
            f"robot {info.robot_id!r} ({info.model}) takes actions ({', '.join(names)}); the "
            f"agent's executors propose ({', '.join(ACTIONS)}): end-effector displacements and a "
            "gripper command. Serve the robot with that action spec (docs/bridge.md, 'Adding a "
            "real robot')"
        )


def robot_step_size(info: RobotInfo) -> float:
    """The robot's step size, which the learned executors need to know where the hand is headed."""
    step = info.action_spec.step_size
    if not step > 0:
        raise RobotMismatchError(
            f"robot {info.robot_id!r} ({info.model}) does not report its step size "
            "(ActionSpec.step_size: metres the end effector moves for an action of 1), and the "
            "learned executors need it to predict where the hand is headed; have the robot report "
            "it (docs/bridge.md, 'Adding a real robot'), or use --executor scripted on the "
            "simulator"
        )
    return step


def check_camera(
    info: RobotInfo, image_size: int, trained: CameraCalibration | None = None
) -> None:
    """Refuse a robot whose head camera (its first) differs from the one the models were trained
    with. Frames are resized to the models' `image_size`, so a larger square camera with the same
    calibration is fine; another aspect ratio, a smaller frame or another calibration is not."""
    trained = trained or trained_camera()
    models = (
        f"the shipped models were trained on {image_size}x{image_size} RGB frames from a camera "
        f"{_describe(trained)}"
    )
    if not info.cameras:
        raise RobotMismatchError(
            f"robot {info.robot_id!r} reports no camera; {models}. The learned models need that "
            "camera's frames; add it to RobotInfo.cameras"
        )
    cam = info.cameras[0]
    name = f"robot {info.robot_id!r} camera {cam.name!r}"
    if cam.channels != 3 or cam.height != cam.width or cam.height < image_size:
        raise RobotMismatchError(
            f"{name} gives {cam.width}x{cam.height} frames with {cam.channels} channels; {models}. "
            f"Valid: square RGB frames of at least {image_size}x{image_size} (they are resized to "
            f"it), from that camera. {RETRAIN}"
        )
    if cam.calibration is None:
        raise RobotMismatchError(
            f"{name} reports no calibration (CameraSpec.calibration: position, look-at point, "
            f"vertical field of view); {models}. Have the robot report its calibration "
            "(docs/bridge.md, 'Adding a real robot') so the agent can check it"
        )
    if differences := _differences(cam.calibration, trained):
        raise RobotMismatchError(
            f"{name} is {_describe(cam.calibration)}; {models}. They differ in "
            f"{', '.join(differences)}, so the models would place the hand and the goals at the "
            f"wrong pixels. {RETRAIN}"
        )


def _differences(robot: CameraCalibration, trained: CameraCalibration) -> list[str]:
    out = []
    moved = float(np.linalg.norm(np.subtract(robot.position, trained.position)))
    if moved > POSITION_TOLERANCE:
        out.append(f"position ({moved * 100:.1f} cm apart)")
    turned = math.degrees(math.acos(np.clip(_axis(robot) @ _axis(trained), -1.0, 1.0)))
    if turned > ANGLE_TOLERANCE:
        out.append(f"viewing direction ({turned:.1f} degrees apart)")
    if abs(robot.fovy_deg - trained.fovy_deg) > ANGLE_TOLERANCE:
        out.append("field of view")
    return out


def _axis(calibration: CameraCalibration) -> np.ndarray:
    axis = np.subtract(calibration.look_at, calibration.position).astype(np.float64)
    return axis / np.linalg.norm(axis)


def _describe(c: CameraCalibration) -> str:
    def point(p) -> str:
        return "(" + ", ".join(f"{v:.3f}" for v in p) + ")"

    return (
        f"at {point(c.position)} m looking at {point(c.look_at)} with a "
        f"{c.fovy_deg:g} degree vertical field of view"
    )
