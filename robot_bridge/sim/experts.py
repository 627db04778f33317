"""Scripted experts: closed-loop controllers that solve each skill from simulator ground truth.

An expert is a generator of actions; the caller steps the simulator between actions, so the expert
always sees the current state. Experts are for data generation and the scripted (oracle) executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from robot_bridge.sim import layout as L
from robot_bridge.sim.tabletop import TabletopSim
from skills.library import SkillCall

OPEN, CLOSED = -1.0, 1.0
# Gripper command that leaves each finger 2 cm from the centre: wide enough for the drawer handle
# bar, narrow enough that the back finger fits between the bar and the drawer front.
HANDLE_GRIP = 1.0 - 2 * 0.02 / L.FINGER_OPEN
# Each finger 3.5 cm from the centre: room for a block turned by up to 20 degrees.
NARROW_GRIP = 1.0 - 2 * 0.035 / L.FINGER_OPEN
TRAVEL_Z = 0.15
Point = Callable[[], np.ndarray]


def move_to(sim: TabletopSim, goal: Point, grip: float, tol: float = 0.004, max_steps: int = 40):
    """Drive the grasp point to `goal()` (re-read each step) with the gripper command `grip`."""
    for _ in range(max_steps):
        delta = goal() - sim.ee_pos()
        if np.all(np.abs(delta) < tol):
            return
        yield np.array([*np.clip(delta / L.MAX_STEP, -1, 1), grip])


def hold(grip: float, steps: int):
    for _ in range(steps):
        yield np.array([0.0, 0.0, 0.0, grip])


def _pos(sim: TabletopSim, object_id: str) -> np.ndarray:
    return np.array(sim.object_positions()[object_id])


def _up(sim: TabletopSim, grip: float):
    ee = sim.ee_pos()
    yield from move_to(sim, lambda: np.array([ee[0], ee[1], TRAVEL_Z]), grip, tol=0.01)


# Drop spots inside each receptacle (offsets from its centre), so as many blocks as it holds
# (skills.symbolic.CAPACITY) fit side by side.
_SPOTS = {
    "bowl": [(-0.027, 0.0), (0.027, 0.0)],
    "bin": [(0.0, 0.0), (0.035, 0.035), (-0.035, -0.035), (0.035, -0.035), (-0.035, 0.035)],
    "drawer": [(0.0, 0.0), (0.05, 0.0), (-0.05, 0.0)],
}


def _free_spot(sim: TabletopSim, centre: np.ndarray, receptacle: str, block: str) -> np.ndarray:
    """The drop spot farthest from the other blocks already in the receptacle (centre if empty)."""
    inside = [
        np.array(sim.object_positions()[b][:2])
        for rel, b, other in sim.relations()
        if rel == "in" and other == receptacle and b != block
    ]
    spots = [centre[:2] + np.array(o) for o in _SPOTS[receptacle]]
    if not inside:
        return spots[0]
    return max(spots, key=lambda s: min(np.linalg.norm(s - q) for q in inside))


def _drop_point(sim: TabletopSim, call: SkillCall) -> np.ndarray:
    if call.skill == "stack":
        base = _pos(sim, call.args["base"])
        return base + (0.0, 0.0, 2 * L.BLOCK_HALF + 0.008)
    target, block = call.args["target"], call.args["object"]
    if target == "bowl":
        centre, z = _pos(sim, "bowl"), L.BOWL_HEIGHT + 0.03
    elif target == "bin":
        centre, z = _pos(sim, "bin"), L.BIN_HEIGHT + 0.03
    else:
        cabinet = sim.data.body("cabinet").xpos
        exposed_front = L.TRAY_Y[0] - sim.drawer_slide()
        centre = np.array([cabinet[0], cabinet[1] + (exposed_front - L.CABINET_HALF[1]) / 2, 0.0])
        z = L.TRAY_RIM_Z + 0.03
    return np.array([*_free_spot(sim, centre, target, block), z])


def _approach_grip(sim: TabletopSim, block: str) -> float:
    """OPEN, or a narrower opening when a fully open back finger would land on the open drawer's
    handle bar (a block just in front of it; the handle juts out past the drawer)."""
    if ("in", block, "bowl") in sim.relations():  # a wide-open finger would catch the bowl's rim
        return NARROW_GRIP
    handle, b = _pos(sim, "drawer"), _pos(sim, block)
    reach = L.FINGER_OPEN + L.FINGER_HALF_THICKNESS
    near_x = abs(b[0] - handle[0]) < L.HANDLE_HALF[0] + L.FINGER_HALF_WIDTH + 0.005
    if near_x and b[1] + reach > handle[1] - L.HANDLE_HALF[1] - 0.005:
        return NARROW_GRIP
    return OPEN


def pick_and_drop(sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
    """pick_place and stack: grasp the block, carry it above the goal, release."""
    block = call.args["object"]
    grip = _approach_grip(sim, block)
    yield from _up(sim, grip)
    yield from move_to(sim, lambda: _pos(sim, block) * (1, 1, 0) + (0, 0, TRAVEL_Z), grip)
    yield from move_to(sim, lambda: _pos(sim, block), grip, tol=0.003)
    yield from hold(CLOSED, 4)
    yield from _up(sim, CLOSED)
    drop = _drop_point(sim, call)  # chosen once, so the goal does not hop while carrying
    yield from move_to(sim, lambda: drop * (1, 1, 0) + (0, 0, TRAVEL_Z), CLOSED)
    goal = drop if call.skill == "pick_place" else None
    yield from move_to(sim, lambda: goal if goal is not None else _drop_point(sim, call), CLOSED)
    yield from hold(OPEN, 3)
    yield from _up(sim, OPEN)


def slide_drawer(sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
    """open_drawer and close_drawer: grip the handle bar and pull or push it."""
    handle = lambda: _pos(sim, "drawer") + (0.0, -0.003, 0.0)  # noqa: E731  centre the gap finger
    yield from _up(sim, HANDLE_GRIP)
    yield from move_to(sim, lambda: handle() * (1, 1, 0) + (0, 0, TRAVEL_Z), HANDLE_GRIP)
    yield from move_to(sim, handle, HANDLE_GRIP, tol=0.003)
    yield from hold(CLOSED, 3)
    closed_y = sim.data.body("cabinet").xpos[1] + L.HANDLE_Y  # handle position, drawer shut
    # Aim a few millimetres past the end stop so the drawer reliably reaches it.
    if call.skill == "open_drawer":
        goal_y = closed_y - L.DRAWER_TRAVEL - 0.004
    else:
        goal_y = closed_y + 0.004
    start = handle()
    yield from move_to(sim, lambda: np.array([start[0], goal_y, start[2]]), CLOSED, tol=0.006)
    yield from hold(HANDLE_GRIP, 3)
    yield from _up(sim, HANDLE_GRIP)


def press_button(sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
    """press_button: close the fingers, press down on the cap, come back up."""
    button = lambda: _pos(sim, "button")  # noqa: E731
    yield from _up(sim, CLOSED)
    yield from move_to(sim, lambda: button() * (1, 1, 0) + (0, 0, TRAVEL_Z), CLOSED)
    yield from move_to(sim, lambda: button() + (0, 0, 0.004), CLOSED, tol=0.004, max_steps=15)
    yield from hold(CLOSED, 2)
    yield from _up(sim, CLOSED)


EXPERTS = {
    "pick_place": pick_and_drop,
    "stack": pick_and_drop,
    "open_drawer": slide_drawer,
    "close_drawer": slide_drawer,
    "press_button": press_button,
}


def expert_actions(sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
    """The scripted expert for `call`, as a generator of actions (one per control step)."""
    return EXPERTS[call.skill](sim, call)
