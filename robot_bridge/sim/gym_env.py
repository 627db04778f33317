"""Gymnasium environment `reverie/Tabletop-v0` around the MuJoCo tabletop."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from robot_bridge.sim import layout as L
from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE
from robot_bridge.sim.predicates import is_success
from robot_bridge.sim.tabletop import Observation, TabletopSim
from skills.library import SkillCall, validate_call
from skills.vocabulary import ALL_OBJECTS


class TabletopEnv(gym.Env):
    """A household tabletop seen from the robot's head camera.

    ## Scene
    A table with 2-4 coloured blocks (`red_block`, `green_block`, `blue_block`, `yellow_block`),
    a `bowl`, a `bin`, a cabinet whose `drawer` slides open and closed by its handle, and a `button`
    that toggles a `light` (the bulb on the cabinet). `reset(seed=s)` draws which blocks exist, every
    position, whether the drawer starts open and whether the light starts on; everything is
    deterministic given the seed.

    ## Action space
    `Box(-1, 1, (4,), float32)` at 10 Hz: end-effector dx, dy, dz, each scaled by `MAX_STEP`
    (0.03 m per step), and the gripper command (-1 fully open, +1 fully closed; intermediate values
    give intermediate finger openings). Values outside [-1, 1] are clipped and `info["action_clipped"]`
    is True; a wrong shape or a NaN/inf raises `InvalidActionError`.

    ## Observation space
    `Dict` with `image` (H, W, 3) uint8 from the head camera (`image_size`, default 128),
    `ee_pos` (3,) float32 metres, `gripper` (1,) float32 opening in [0, 1], and the perceived object
    list as `object_positions` (9, 3) float32 in the fixed order of `OBJECT_ORDER` with
    `object_visible` (9,) int8 saying which rows are real (absent blocks, and blocks inside a closed
    drawer, are not seen). Perceived positions carry perception's Gaussian noise,
    `position_noise` metres per axis (default 0.003; 0 for exact positions).

    ## Rewards and episode ends
    Without a task the reward is always 0 and episodes never terminate. With
    `reset(options={"task": {"skill": ..., "args": {...}}})` the reward is 1 on the step the task's
    success predicate first holds, and the episode terminates there. The registered env truncates
    after 200 steps (20 s).

    ## Version history
    - v0: first release; perceived positions noisy by default since 2026-11-29.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": L.CONTROL_HZ}
    OBJECT_ORDER = ALL_OBJECTS

    def __init__(
        self,
        image_size: int = 128,
        render_mode: str | None = None,
        position_noise: float = DEFAULT_POSITION_NOISE,
    ) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array'; got {render_mode!r}")
        self.render_mode = render_mode
        self.sim = TabletopSim(image_size=image_size, position_noise=position_noise)
        n = len(self.OBJECT_ORDER)
        self.action_space = spaces.Box(-1.0, 1.0, (4,), np.float32)
        self.observation_space = spaces.Dict(
            {
                "image": spaces.Box(0, 255, (image_size, image_size, 3), np.uint8),
                "ee_pos": spaces.Box(-1.0, 1.0, (3,), np.float32),
                "gripper": spaces.Box(0.0, 1.0, (1,), np.float32),
                "object_positions": spaces.Box(-5.0, 5.0, (n, 3), np.float32),
                "object_visible": spaces.MultiBinary(n),
            }
        )
        self.task: SkillCall | None = None
        self._start_scene = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        scene_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
        obs = self.sim.reset(scene_seed)
        self._start_scene = self.sim.scene()
        self.task = None
        if options and options.get("task") is not None:
            task = options["task"]
            call = task if isinstance(task, SkillCall) else SkillCall.model_validate(task)
            self.task = validate_call(call, self._start_scene.object_ids())
        return self._to_gym(obs), {"scene_seed": scene_seed}

    def step(self, action):
        applied, clipped = self.sim.step(action)
        obs = self.sim.observe()
        info: dict[str, Any] = {
            "action_clipped": clipped,
            "applied_action": applied.astype(np.float32),
        }
        reward, terminated = 0.0, False
        if self.task is not None:
            success = is_success(self.task, self.sim.scene(), self._start_scene)
            info["success"] = success
            reward, terminated = float(success), success
        return self._to_gym(obs), reward, terminated, False, info

    def render(self):
        if self.render_mode == "rgb_array":
            return self.sim.render()
        return None

    def close(self) -> None:
        self.sim.close()

    def _to_gym(self, obs: Observation) -> dict[str, np.ndarray]:
        n = len(self.OBJECT_ORDER)
        positions = np.zeros((n, 3), np.float32)
        visible = np.zeros(n, np.int8)
        for i, name in enumerate(self.OBJECT_ORDER):
            if name in obs.objects:
                positions[i] = np.clip(obs.objects[name], -5.0, 5.0)
                visible[i] = 1
        return {
            "image": obs.image,
            "ee_pos": np.clip(obs.ee_pos, -1.0, 1.0).astype(np.float32),
            "gripper": np.array([obs.gripper], np.float32),
            "object_positions": positions,
            "object_visible": visible,
        }
