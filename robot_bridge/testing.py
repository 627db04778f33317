"""Robot fakes and server helpers for tests, in one place (used by tests/ and benchmarks/).

- `CountingRobot`: the simulated tabletop, recording every action that reaches it, so a test can
  prove that a refused request moved nothing.
- `NullRobot`: the smallest `Robot` there is; it shows what a real robot must implement.
- `start_server(robot, **config)`: a running `BridgeServer` on a free loopback port.
"""

from __future__ import annotations

import numpy as np

from robot_bridge.robot import ActionSpec, CameraSpec, Observation, RobotInfo
from robot_bridge.server import BridgeServer, ServerConfig
from robot_bridge.sim_robot import SimRobot


class CountingRobot(SimRobot):
    """The sim robot, counting every action that reaches it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.applied: list[np.ndarray] = []

    def apply_action(self, action: np.ndarray) -> np.ndarray:
        self.applied.append(np.array(action))
        return super().apply_action(action)


class NullRobot:
    """A one-joint robot with a tiny wrist camera that does nothing: the `Robot` protocol, bare."""

    def __init__(self) -> None:
        self.actions: list[np.ndarray] = []
        self.stops = 0

    def info(self) -> RobotInfo:
        spec = ActionSpec(("joint",), (-0.5,), (0.5,), control_hz=50.0, max_chunk_steps=5)
        return RobotInfo("null-1", "null", spec, cameras=(CameraSpec("wrist", 4, 6, 3),))

    def observe(self) -> Observation:
        return Observation({"wrist": np.zeros((4, 6, 3), np.uint8)}, np.zeros(3), 1.0)

    def apply_action(self, action: np.ndarray) -> np.ndarray:
        self.actions.append(action)
        return action

    def stop(self) -> None:
        self.stops += 1


def start_server(robot, port: int = 0, **config) -> BridgeServer:
    """Serve `robot` on 127.0.0.1 (`port` 0: a free one); stop it with `server.stop()`."""
    return BridgeServer(robot, ServerConfig(port=port, **config)).start()
