"""The `Robot` protocol: the small contract the bridge server wraps.

A robot is four calls — `info`, `observe`, `apply_action`, `stop` — in the spirit of LeRobot's
`get_observation / send_action`. Everything safety-related (validation, clipping, one controller,
heartbeat watchdog, e-stop latch, idempotent chunks) lives in the server, so an implementation
only talks to its hardware. A simulator also implements `SimulatedRobot`, and the server then also
serves the `SimControl` service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from skills.scene import Scene


@dataclass(frozen=True)
class ActionSpec:
    """Names, limits and rate of the action vector."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    control_hz: float
    max_chunk_steps: int = 100

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

    @property
    def dim(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class CameraSpec:
    name: str
    height: int
    width: int
    channels: int = 3


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
