"""The MuJoCo tabletop as a bridge `Robot` (and `SimulatedRobot`).

MuJoCo's EGL renderer is bound to the thread that created it, so the simulator lives on one
dedicated thread and every call is handed to it; the server may call from any of its threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from robot_bridge.robot import ActionSpec, CameraCalibration, CameraSpec, Observation, RobotInfo
from robot_bridge.sim import layout
from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE, check_position_noise
from robot_bridge.sim.tabletop import ACTION_NAMES, TabletopSim
from skills.scene import Scene

T = TypeVar("T")
HEAD_CAMERA = "head"
HEAD_CALIBRATION = CameraCalibration(
    layout.CAMERA_POS, layout.CAMERA_TARGET, layout.CAMERA_FOVY_DEG
)  # the scene's fixed head camera (scene_xml.py builds it from the same numbers)


class SimRobot:
    """The simulated tabletop. `realtime=True` paces actions at the control rate like hardware;
    `position_noise` (metres, std per axis; 0 = exact) is its perception's error on the object
    positions it reports."""

    def __init__(
        self,
        image_size: int = 128,
        seed: int = 0,
        realtime: bool = False,
        robot_id: str = "sim-tabletop",
        position_noise: float = DEFAULT_POSITION_NOISE,
    ) -> None:
        position_noise = check_position_noise(position_noise)  # before the thread starts
        self.realtime = realtime
        self.robot_id = robot_id
        self.image_size = image_size
        self._period = 1.0 / layout.CONTROL_HZ
        self._stop_requested = threading.Event()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim")
        self._sim: TabletopSim = self._thread.submit(
            TabletopSim, image_size, position_noise=position_noise
        ).result()
        self.call(lambda sim: sim.reset(seed))
        self.stops = 0  # how many times stop() was called (tests read it)

    @property
    def sim(self) -> TabletopSim:
        """The simulator itself, for scripted experts that read its ground truth (no rendering
        from other threads: use `call` for anything that renders)."""
        return self._sim

    def call(self, fn: Callable[[TabletopSim], T]) -> T:
        """Run `fn(sim)` on the simulator's thread and return its result (experts use this)."""
        return self._thread.submit(fn, self._sim).result()

    # ----------------------------------------------------------------------------- Robot
    def info(self) -> RobotInfo:
        n = len(ACTION_NAMES)
        return RobotInfo(
            robot_id=self.robot_id,
            model="reverie-tabletop-sim",
            action_spec=ActionSpec(
                names=ACTION_NAMES,
                low=(-1.0,) * n,
                high=(1.0,) * n,
                control_hz=float(layout.CONTROL_HZ),
                step_size=layout.MAX_STEP,
            ),
            cameras=(
                CameraSpec(HEAD_CAMERA, self.image_size, self.image_size, 3, HEAD_CALIBRATION),
            ),
            simulated=True,
        )

    def observe(self) -> Observation:
        return self.call(_observe)

    def apply_action(self, action: np.ndarray) -> np.ndarray:
        started = time.monotonic()
        self._stop_requested.clear()
        applied, _ = self.call(lambda sim: sim.step(action))
        if self.realtime:  # hold the action for the rest of its control period, unless stopped
            self._stop_requested.wait(max(0.0, self._period - (time.monotonic() - started)))
        return applied

    def stop(self) -> None:
        # The simulator advances only when an action is applied; holding means interrupting a
        # realtime wait and dropping the hand's target, so nothing commanded earlier plays out
        # after the stop is cleared. Queued on the sim thread: stop() never blocks or raises.
        self.stops += 1
        self._stop_requested.set()
        self._thread.submit(lambda: self._sim.hold())

    # ----------------------------------------------------------------------------- SimulatedRobot
    def reset(self, seed: int) -> Observation:
        return self.call(lambda sim: (sim.reset(seed), _observe(sim))[1])

    def scene(self) -> Scene:
        return self.call(lambda sim: sim.scene())

    def close(self) -> None:
        self.call(lambda sim: sim.close())
        self._thread.shutdown(wait=True)


def _observe(sim: TabletopSim) -> Observation:
    obs = sim.observe()
    return Observation(
        images={HEAD_CAMERA: obs.image},
        ee_pos=np.asarray(obs.ee_pos, dtype=np.float64),
        gripper=float(obs.gripper),
        objects=dict(obs.objects),
        object_states=dict(obs.object_states),
        placements=dict(obs.placements),
        step=sim.steps,
        timestamp=time.time(),
    )
