"""The `Robot` protocol: the small contract the bridge server wraps.

A robot is four calls — `info`, `observe`, `apply_action`, `stop` — in the spirit of LeRobot's
`get_observation / send_action`. Everything safety-related (validation, clipping, one controller,
heartbeat watchdog, e-stop latch, idempotent chunks) lives in the server, so an implementation
only talks to its hardware. A simulator also implements `SimulatedRobot`, and the server then also
serves the `SimControl` service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from skills.scene import Scene


@dataclass(frozen=True)
class ActionSpec:
    """Names, limits, rate and step size of the action vector.

    `step_size`: metres the end-effector target moves for an action value of 1 on each of the
    first three (dx, dy, dz) dimensions, per control period; 0 when the actions are not
    end-effector displacements (the robot does not say)."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    control_hz: float
    max_chunk_steps: int = 100
    step_size: float = 0.0

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0 or len(self.low) != n or len(self.high) != n:
            raise ValueError(
                f"action spec needs one low and one high limit per name; got {n} names, "
                f"{len(self.low)} low and {len(self.high)} high limits"
            )
        if any(lo > hi for lo, hi in zip(self.low, self.high, strict=True)):
            raise ValueError(f"action limits need low <= high; got low={self.low} high={self.high}")
        if not self.control_hz > 0:
            raise ValueError(f"control_hz must be positive; got {self.control_hz}")
        if not (math.isfinite(self.step_size) and self.step_size >= 0):
            raise ValueError(
                f"step_size must be a finite number of metres >= 0 (0: not reported); "
                f"got {self.step_size}"
            )

    @property
    def dim(self) -> int:
        return len(self.names)


Point = tuple[float, float, float]


@dataclass(frozen=True)
class CameraCalibration:
    """A fixed pinhole camera in the robot's base frame (metres): it looks from `position`
    towards `look_at` with image up as close to +z as possible (no roll), square pixels, the
    principal point at the image centre; `fovy_deg` is the vertical field of view."""

    position: Point
    look_at: Point
    fovy_deg: float

    def __post_init__(self) -> None:
        if not (0 < self.fovy_deg < 180):
            raise ValueError(f"fovy_deg must lie in (0, 180) degrees; got {self.fovy_deg}")
        axis = np.subtract(self.look_at, self.position)
        if not np.all(np.isfinite(axis)) or np.linalg.norm(axis) == 0:
            raise ValueError(
                f"look_at must be a finite point other than the camera position; got "
                f"position={self.position} look_at={self.look_at}"
            )
        if np.linalg.norm(axis[:2]) < 1e-9:
            raise ValueError(
                "a camera looking straight up or down has no defined image up (+z); got "
                f"position={self.position} look_at={self.look_at}: move look_at off the vertical"
            )


@dataclass(frozen=True)
class CameraSpec:
    name: str
    height: int
    width: int
    channels: int = 3
    calibration: CameraCalibration | None = None  # None: the robot does not say


@dataclass(frozen=True)
class RobotInfo:
    robot_id: str
    model: str
    action_spec: ActionSpec
    cameras: tuple[CameraSpec, ...]
    simulated: bool = False


@dataclass
class Observation:
    """What a robot reports: camera frames, proprioception and perceived objects."""

    images: dict[str, np.ndarray]  # camera name -> (H, W, 3) uint8
    ee_pos: np.ndarray  # (3,) end-effector position, metres
    gripper: float  # 0 = closed, 1 = fully open
    objects: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    # Articulation states perception reports, e.g. {"drawer": "closed", "light": "on"}.
    object_states: dict[str, str] = field(default_factory=dict)
    # Where perception sees each block, e.g. {"red_block": "in bowl", "blue_block": "on table"};
    # a robot whose perception does not say leaves it empty.
    placements: dict[str, str] = field(default_factory=dict)
    step: int = 0
    timestamp: float = 0.0

    @property
    def image(self) -> np.ndarray:
        """The first camera's frame (most robots have one head camera)."""
        return next(iter(self.images.values()))


@runtime_checkable
class Robot(Protocol):
    """A robot the bridge can serve.

    The server applies one action at a time, but may call `observe` while an action runs, and calls
    `stop` from any thread at any moment (an e-stop must not wait for the current action).
    """

    def info(self) -> RobotInfo:
        """Static description; called once when the server starts."""
        ...

    def observe(self) -> Observation:
        """The current frames and state."""
        ...

    def apply_action(self, action: np.ndarray) -> np.ndarray:
        """Apply one already validated and clipped action for one control period.

        A real robot returns when the period is over (that paces a chunk); return the action
        actually sent, which may differ if the hardware clips further.
        """
        ...

    def stop(self) -> None:
        """Stop moving now and hold the current pose. Must be quick and never raise."""
        ...


@runtime_checkable
class SimulatedRobot(Robot, Protocol):
    """A simulator: also resettable, with ground truth for experts and evaluation."""

    def reset(self, seed: int) -> Observation: ...

    def scene(self) -> Scene: ...
