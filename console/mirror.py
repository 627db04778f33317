"""The scripted executor over a robot in another process: a mirror of its simulator.

The scripted experts read simulator ground truth from a `TabletopSim` in their own process. A fleet
robot runs in its own process, so the console keeps a mirror: the same scene seed, stepped with
every action the robot applied and held whenever the robot held. MuJoCo is deterministic, so the
mirror stays the robot's twin; each step is checked against the robot's step counter and hand
position, and a mirror that drifts stops the chore with a clear error instead of steering blind.
An oracle for tests and demos, like the scripted executor itself: never a way to drive real robots.
"""

from __future__ import annotations

import numpy as np

from agent.executors.base import Proposal
from agent.executors.scripted import ScriptedExecutor
from agent.planners.base import PlannedStep
from robot_bridge.sim.tabletop import TabletopSim

HAND_TOLERANCE_M = 0.01  # farther than this from the robot's reported hand: the mirror drifted


class MirrorDriftError(RuntimeError):
    """The mirror no longer matches the robot; the scripted executor cannot go on."""


class SimMirror:
    """A twin of a fleet robot's simulator (create and use it from one thread)."""

    def __init__(self, seed: int, image_size: int) -> None:
        self.seed = seed
        self._sim = TabletopSim(image_size)
        self._sim.reset(seed)
        self.hold_due = False  # the robot held (control ended, e-stop): do the same before acting
        self.pending: np.ndarray | None = None  # proposed; the robot may have applied it since

    @property
    def sim(self) -> TabletopSim:
        return self._sim

    @property
    def steps(self) -> int:
        return self._sim.steps

    def step(self, action: np.ndarray) -> None:
        self._sim.step(action)

    def replay(self, run_dirs) -> None:
        """Redo what the robot did in these runs, in order (each ended with the robot held)."""
        from agent.rundir import RunDir

        for path in run_dirs:
            run = RunDir(path)
            before, after = run.applied_actions()
            run.close()
            for action in before + after:
                self._sim.step(np.asarray(action, dtype=np.float64))
            if before or after:
                self._sim.hold()

    def hold_if_due(self) -> None:
        if self.hold_due:
            self._sim.hold()
            self.hold_due = False

    def check(self, robot_step: int, robot_hand: np.ndarray) -> None:
        gap = float(np.linalg.norm(self._sim.ee_pos() - np.asarray(robot_hand)))
        if robot_step != self._sim.steps or gap > HAND_TOLERANCE_M:
            raise MirrorDriftError(
                f"the scripted executor's mirror of the robot drifted (robot at step {robot_step}, "
                f"mirror at {self._sim.steps}, hands {gap * 100:.1f} cm apart): something else "
                "moved the robot. Restart the fleet robot, or use --executor worldmodel"
            )

    def close(self) -> None:
        self._sim.close()


class MirroredScriptedExecutor:
    """ScriptedExecutor on a `SimMirror`, kept in step with the robot through `observe`."""

    name = "scripted"

    def __init__(self, mirror: SimMirror, observe) -> None:
        self.mirror = mirror
        self._observe = observe  # () -> robot_bridge Observation of the real robot
        self._inner = ScriptedExecutor(mirror)
        self.on_phase = lambda phase: None  # "acting" while proposing, "checking" when finished

    def _sync(self) -> None:
        obs = self._observe()
        mirror = self.mirror
        if mirror.pending is not None and obs.step == mirror.steps + 1:
            mirror.step(mirror.pending)
        mirror.pending = None
        mirror.hold_if_due()
        self.mirror.check(obs.step, obs.ee_pos)

    def begin(self, step: PlannedStep) -> None:
        self._sync()
        self._inner.begin(step)

    def propose(
        self, step: PlannedStep, frame: np.ndarray, state: np.ndarray, objects=None
    ) -> Proposal:
        self._sync()
        proposal = self._inner.propose(step, frame, state, objects)
        if len(proposal.actions):
            self.mirror.pending = np.asarray(proposal.actions[0], dtype=np.float64)
        self.on_phase("acting" if len(proposal.actions) else "checking")
        return proposal
