"""The MuJoCo household tabletop: physics, rendering, ground truth. Wrapped by the Gymnasium env
(`reverie/Tabletop-v0`) and by the robot bridge."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from robot_bridge.sim import layout as L  # noqa: E402
from robot_bridge.sim.perception import (  # noqa: E402
    DEFAULT_POSITION_NOISE,
    check_position_noise,
    noisy_positions,
    perceived_placements,
)
from robot_bridge.sim.sampling import Layout, sample_layout  # noqa: E402
from robot_bridge.sim.scene_xml import build_mjcf  # noqa: E402
from skills.scene import GripperState, ObjectState, Scene  # noqa: E402
from skills.vocabulary import BLOCKS, RECEPTACLES  # noqa: E402

ACTION_NAMES = ("dx", "dy", "dz", "gripper")


class InvalidActionError(ValueError):
    """An action that cannot be executed (wrong shape or not finite)."""


def check_action(action) -> tuple[np.ndarray, bool]:
    """Validate an action; return it clipped to [-1, 1] and whether clipping changed it."""
    try:
        a = np.asarray(action, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidActionError(
            f"action must be 4 numbers (dx, dy, dz, gripper) in [-1, 1]; got {action!r}"
        ) from exc
    if a.shape != (4,):
        raise InvalidActionError(
            f"action must have shape (4,) = (dx, dy, dz, gripper); got shape {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise InvalidActionError(f"action must be finite; got {a.tolist()}")
    clipped = np.clip(a, -1.0, 1.0)
    return clipped, bool(np.any(clipped != a))


@dataclass
class Observation:
    """What the robot reports: a camera frame, proprioception and the perceived object list."""

    image: np.ndarray  # (H, W, 3) uint8 from the head camera
    ee_pos: np.ndarray  # (3,) grasp point between the fingertips, metres
    gripper: float  # opening, 0 = closed, 1 = fully open
    objects: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    # Articulation states a perception module reports: drawer open/closed, light on/off.
    object_states: dict[str, str] = field(default_factory=dict)
    # Where perception sees each block: "on table", "on <block>", "in <receptacle>".
    placements: dict[str, str] = field(default_factory=dict)


class TabletopSim:
    """Deterministic MuJoCo tabletop. `reset(seed)`, then `step(action)` at 10 Hz.

    `position_noise` (metres, std per axis; 0 = exact) is perception's error on the positions
    `observe()` reports; ground truth (`object_positions()`, `scene()`) is always exact."""

    def __init__(
        self,
        image_size: int = 128,
        shadows: bool = False,
        position_noise: float = DEFAULT_POSITION_NOISE,
        camera: bool = True,
    ) -> None:
        """`camera=False`: physics and perception only (planning, relabelling, probing scenes);
        observations then carry an empty image and `render` refuses."""
        if not 16 <= image_size <= 512:
            raise ValueError(f"image_size must be between 16 and 512 pixels; got {image_size}")
        self.position_noise = check_position_noise(position_noise)
        self.camera = camera
        self.image_size = image_size if camera else 16  # the smallest scene to build
        self.model = mujoco.MjModel.from_xml_string(
            build_mjcf(image_size=image_size, shadows=shadows)
        )
        self.data = mujoco.MjData(self.model)
        self._renderer: mujoco.Renderer | None = None
        m = self.model
        self._qadr = {n: m.joint(n).qposadr[0] for n in ("drawer_slide", "button_press")}
        self._block_qadr = {b: m.joint(b).qposadr[0] for b in BLOCKS}
        self._hand_qadr = [m.joint(f"hand_{a}").qposadr[0] for a in "xyz"]
        self._finger_qadr = [m.joint(f"finger_{s}").qposadr[0] for s in ("left", "right")]
        self._bulb = m.geom("lamp_bulb").id
        self._bulb_mat = {False: m.material("bulb_off").id, True: m.material("bulb_on").id}
        self._finger_geoms = {m.geom("finger_left").id, m.geom("finger_right").id}
        self._block_geoms = {m.geom(b).id: b for b in BLOCKS}
        self.layout: Layout | None = None
        self.present: tuple[str, ...] = ()
        self.light_on = False
        self.button_presses = 0
        self.steps = 0
        self._target = np.array(L.EE_HOME)
        self._button_down = False

    # ----------------------------------------------------------------------------- lifecycle
    def reset(self, seed: int, hand: tuple[float, float, float] | None = None) -> Observation:
        """Put the scene of `seed` on the table and the hand at home (or at `hand`, metres, in
        the hand's reach: where a previous skill left it), open."""
        if hand is not None and not all(
            lo <= v <= hi for v, lo, hi in zip(hand, L.EE_LOW, L.EE_HIGH, strict=True)
        ):
            raise ValueError(
                f"hand start {tuple(hand)} is out of the hand's reach: each coordinate must lie "
                f"between {L.EE_LOW} and {L.EE_HIGH} (metres)"
            )
        lay = sample_layout(seed)
        m, d = self.model, self.data
        mujoco.mj_resetData(m, d)
        m.body("bowl").pos[:] = (*lay.bowl, 0.0)
        m.body("bin").pos[:] = (*lay.bin, 0.0)
        m.body("button").pos[:] = (*lay.button, 0.0)
        m.body("cabinet").pos[:] = (lay.cabinet_x, L.CABINET_Y, 0.0)
        for i, block in enumerate(BLOCKS):
            adr = self._block_qadr[block]
            if block in lay.blocks:
                x, y, yaw = lay.blocks[block]
                d.qpos[adr : adr + 3] = (x, y, L.BLOCK_HALF + 0.0005)
                d.qpos[adr + 3 : adr + 7] = (np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2))
            else:
                d.qpos[adr : adr + 3] = (L.PARKING[0] + 0.2 * i, L.PARKING[1], L.PARKING[2])
        d.qpos[self._qadr["drawer_slide"]] = L.DRAWER_TRAVEL if lay.drawer_open else 0.0
        # the hand body sits at EE_HOME when its joints are zero
        start = np.array(L.EE_HOME if hand is None else hand, dtype=np.float64)
        d.qpos[self._hand_qadr] = start - np.array(L.EE_HOME)
        self._target = start
        d.ctrl[:3] = start - np.array(L.EE_HOME)
        d.ctrl[3:5] = (-L.FINGER_OPEN, L.FINGER_OPEN)
        d.qpos[self._finger_qadr] = (-L.FINGER_OPEN, L.FINGER_OPEN)
        self.layout = lay
        self.present = tuple(b for b in BLOCKS if b in lay.blocks)
        self.light_on = lay.light_on
        self.button_presses = 0
        self.steps = 0
        self._button_down = False
        self._show_light()
        mujoco.mj_forward(m, d)
        # Let the blocks settle so the first frame shows a scene at rest.
        mujoco.mj_step(m, d, nstep=10)
        return self.observe()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ----------------------------------------------------------------------------- acting
    def step(self, action) -> tuple[np.ndarray, bool]:
        """Apply one 0.1 s action; return the action actually applied and whether it was clipped."""
        if self.layout is None:
            raise RuntimeError("call reset(seed) before step()")
        a, clipped = check_action(action)
        ee = self.ee_pos()
        target = self._target + a[:3] * L.MAX_STEP
        target = np.clip(target, ee - L.TARGET_LEASH, ee + L.TARGET_LEASH)
        self._target = np.clip(target, L.EE_LOW, L.EE_HIGH)
        width = L.FINGER_OPEN * (1.0 - a[3]) / 2.0
        d = self.data
        d.ctrl[:3] = self._target - np.array(L.EE_HOME)
        d.ctrl[3:5] = (-width, width)
        mujoco.mj_step(self.model, d, nstep=L.SUBSTEPS)
        self._update_button()
        self.steps += 1
        return a, clipped

    def hold(self) -> None:
        """Stop where the hand is now: drop any target still ahead of it (e-stop, watchdog)."""
        self._target = np.clip(self.ee_pos(), L.EE_LOW, L.EE_HIGH)
        self.data.ctrl[:3] = self._target - np.array(L.EE_HOME)

    def _update_button(self) -> None:
        """A press toggles the light once; the cap must come back up before the next press counts."""
        q = self.data.qpos[self._qadr["button_press"]]
        if not self._button_down and q < L.BUTTON_PRESSED_AT:
            self._button_down = True
            self.button_presses += 1
            self.light_on = not self.light_on
            self._show_light()
        elif self._button_down and q > L.BUTTON_PRESSED_AT / 2:
            self._button_down = False

    def _show_light(self) -> None:
        self.model.geom_matid[self._bulb] = self._bulb_mat[self.light_on]

    # ----------------------------------------------------------------------------- sensing
    def ee_pos(self) -> np.ndarray:
        return self.data.site("grasp").xpos.copy()

    def gripper_opening(self) -> float:
        left, right = self.data.qpos[self._finger_qadr]
        return float(np.clip((right - left) / (2 * L.FINGER_OPEN), 0.0, 1.0))

    def drawer_slide(self) -> float:
        return float(self.data.qpos[self._qadr["drawer_slide"]])

    def render(self) -> np.ndarray:
        if not self.camera:
            raise RuntimeError(
                "this simulator was made without a camera (TabletopSim(camera=False)); make it "
                "with camera=True to render frames"
            )
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self.image_size, self.image_size)
        # No garbage collection while drawing: a dropped simulator's Renderer freed mid-frame
        # switches GL contexts (mujoco's close()). Suspected cause of two frames that once came
        # back differing in a datagen resume test (tests/worldmodel/test_datagen.py).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._renderer.update_scene(self.data, camera="head")
            return self._renderer.render().copy()
        finally:
            if collecting:
                gc.enable()

    def object_positions(self) -> dict[str, tuple[float, float, float]]:
        """Positions of every present object (drawer: its handle; light: its bulb)."""
        d = self.data
        pos = {b: tuple(d.body(b).xpos.tolist()) for b in self.present}
        pos["bowl"] = tuple(d.body("bowl").xpos.tolist())
        pos["bin"] = tuple(d.body("bin").xpos.tolist())
        pos["drawer"] = tuple(d.geom("drawer_handle").xpos.tolist())
        pos["button"] = tuple((d.body("button").xpos + (0, 0, L.BUTTON_TOP_Z)).tolist())
        pos["light"] = tuple(d.geom("lamp_bulb").xpos.tolist())
        return pos

    def observe(self) -> Observation:
        """The robot's view: what a camera, joint encoders and a perception module would give
        (object positions with perception's noise; blocks in a shut drawer out of sight)."""
        assert self.layout is not None, "reset first"
        objects = self.object_positions()
        drawer_shut = self.drawer_slide() < L.DRAWER_OPEN_AT
        for block in self.present:  # a shut drawer hides what is inside it
            if drawer_shut and self._in_drawer(np.array(objects[block])):
                del objects[block]
        seen = noisy_positions(objects, self.position_noise, self.layout.seed, self.steps)
        return Observation(
            image=self.render() if self.camera else np.zeros((0, 0, 3), np.uint8),
            ee_pos=self.ee_pos().astype(np.float32),
            gripper=self.gripper_opening(),
            objects=seen,
            placements=perceived_placements(seen),
            object_states={
                "drawer": self._drawer_state(),
                "light": "on" if self.light_on else "off",
            },
        )

    def _drawer_state(self) -> str:
        """As a perception module reports it: open, closed, or ajar in between (a drawer pushed
        most of the way is not shut, and the agent must not take it for shut)."""
        slide = self.drawer_slide()
        if slide >= L.DRAWER_OPEN_AT:
            return "open"
        return "closed" if slide <= L.DRAWER_CLOSED_AT else "ajar"

    # ----------------------------------------------------------------------------- ground truth
    def held_block(self) -> str | None:
        """The block both fingers touch, if any."""
        touching: dict[str, set[int]] = {}
        for c in self.data.contact[: self.data.ncon]:
            for finger, other in ((c.geom1, c.geom2), (c.geom2, c.geom1)):
                if finger in self._finger_geoms and other in self._block_geoms:
                    touching.setdefault(self._block_geoms[other], set()).add(finger)
        held = [b for b, fingers in touching.items() if len(fingers) == 2]
        return held[0] if held else None

    def _in_drawer(self, p: np.ndarray) -> bool:
        cabinet = self.data.body("cabinet").xpos
        rel = p - cabinet
        y0, y1 = L.TRAY_Y
        slide = self.drawer_slide()
        return (
            abs(rel[0]) < L.TRAY_HALF_X
            and y0 - slide < rel[1] < y1 - slide
            and L.TRAY_FLOOR_Z < rel[2] < L.TRAY_RIM_Z + 0.01
        )

    def _receptacle_of(self, p: np.ndarray) -> str | None:
        bowl = self.data.body("bowl").xpos
        if np.hypot(*(p[:2] - bowl[:2])) < L.BOWL_RADIUS - 0.004 and p[2] < L.BOWL_HEIGHT + 0.02:
            return "bowl"
        bin_ = self.data.body("bin").xpos
        if np.all(np.abs(p[:2] - bin_[:2]) < L.BIN_HALF - 0.003) and p[2] < L.BIN_HEIGHT + 0.01:
            return "bin"
        if self._in_drawer(p):
            return "drawer"
        return None

    def relations(self) -> list[tuple[str, str, str]]:
        held = self.held_block()
        pos = {b: self.data.body(b).xpos.copy() for b in self.present}
        out = []
        for block in self.present:
            p = pos[block]
            if block == held and p[2] > L.BLOCK_HALF + 0.004:
                out.append(("held", block, "gripper"))
                continue
            base = next(
                (
                    o
                    for o in self.present
                    if o != block
                    and np.all(np.abs(p[:2] - pos[o][:2]) < 1.4 * L.BLOCK_HALF)
                    and 1.5 * L.BLOCK_HALF < p[2] - pos[o][2] < 2.6 * L.BLOCK_HALF
                ),
                None,
            )
            if base is not None:
                out.append(("on", block, base))
            elif (receptacle := self._receptacle_of(p)) is not None:
                out.append(("in", block, receptacle))
            else:
                out.append(("on", block, "table"))
        return out

    def scene(self) -> Scene:
        """Ground truth for experts, data generation and evaluation — never for the agent."""
        assert self.layout is not None, "reset first"
        relations = self.relations()
        held = next((b for rel, b, _ in relations if rel == "held"), None)
        return Scene(
            seed=self.layout.seed,
            objects=[
                ObjectState(id=k, position=_round(v)) for k, v in self.object_positions().items()
            ],
            drawer_open=self.drawer_slide() >= L.DRAWER_OPEN_AT,
            light_on=self.light_on,
            relations=relations,
            drawer_slide=round(self.drawer_slide(), 4),
            button_presses=self.button_presses,
            gripper=GripperState(
                position=_round(self.ee_pos()),
                opening=round(self.gripper_opening(), 3),
                holding=held,
            ),
        )


def _round(v) -> tuple[float, float, float]:
    return tuple(round(float(x), 4) for x in v)  # type: ignore[return-value]


assert set(RECEPTACLES) == {"bowl", "bin", "drawer"}
