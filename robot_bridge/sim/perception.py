"""What the simulated robot's perception module reports: object positions and placements.

A real perception module is never exact: the simulated one adds Gaussian noise (per axis, a few
millimetres by default) to every position it reports, so nothing downstream comes to rely on exact
numbers. The noise is drawn from the scene seed and the step, so a run replays identically. Ground
truth (`TabletopSim.object_positions()`, `scene()`) stays exact for experts, data and evaluation.

Placements ("in bowl", "on red_block", "on table") are inferred from the noisy positions and the
furniture's geometry, as a real robot's scene-graph perception would; they reach the agent through
the robot contract (`PerceivedObject.placement`), so the agent needs no furniture geometry.
"""

from __future__ import annotations

import math

import numpy as np

from robot_bridge.sim import layout as L
from skills.vocabulary import ALL_OBJECTS, BLOCKS

# Standard deviation per axis, metres. 3 mm: what a calibrated RGB-D pipeline reports for
# tabletop objects at arm's length; 0 reports exact positions.
DEFAULT_POSITION_NOISE = 0.003
MAX_POSITION_NOISE = 0.05
_STREAM = 0x5E75  # keeps the noise's random stream apart from any other drawn from the seed


def check_position_noise(value: object, name: str = "position_noise") -> float:
    """The noise as a float in metres, or a ValueError naming `name` and what is valid."""
    try:
        noise = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        noise = math.nan
    if isinstance(value, bool) or not (0.0 <= noise <= MAX_POSITION_NOISE):
        raise ValueError(
            f"{name} must be a standard deviation in metres from 0 (exact) to "
            f"{MAX_POSITION_NOISE}; got {value!r} (default {DEFAULT_POSITION_NOISE}, i.e. "
            f"{DEFAULT_POSITION_NOISE * 1000:g} mm)"
        )
    return noise


def noisy_positions(
    positions: dict[str, tuple[float, float, float]], noise: float, seed: int, step: int
) -> dict[str, tuple[float, float, float]]:
    """`positions` as perception reports them at `step` of scene `seed`: each object moved by its
    own Gaussian draw (std `noise` per axis), the same whichever other objects are in view."""
    if noise == 0.0:
        return dict(positions)
    rng = np.random.default_rng([_STREAM, seed, step])
    offsets = rng.normal(0.0, noise, (len(ALL_OBJECTS), 3))
    return {
        name: tuple((np.asarray(p) + offsets[ALL_OBJECTS.index(name)]).tolist())
        for name, p in positions.items()
    }


def perceived_placements(objects: dict[str, tuple[float, float, float]]) -> dict[str, str]:
    """Where each seen block is, from perceived positions: "on <block>", "in <receptacle>" or
    "on table"."""
    blocks = {b: np.array(p) for b, p in objects.items() if b in BLOCKS}
    out: dict[str, str] = {}
    for block, p in blocks.items():
        base = next(
            (
                other
                for other, q in blocks.items()
                if other != block
                and np.all(np.abs(p[:2] - q[:2]) < 1.4 * L.BLOCK_HALF)
                and 1.5 * L.BLOCK_HALF < p[2] - q[2] < 2.6 * L.BLOCK_HALF
            ),
            None,
        )
        if base is not None:
            out[block] = f"on {base}"
        elif (receptacle := _receptacle_at(p, objects)) is not None:
            out[block] = f"in {receptacle}"
        else:
            out[block] = "on table"
    return out


def _receptacle_at(p: np.ndarray, objects: dict[str, tuple[float, float, float]]) -> str | None:
    if "bowl" in objects:
        bowl = np.array(objects["bowl"])
        if np.hypot(*(p[:2] - bowl[:2])) < L.BOWL_RADIUS and p[2] < L.BOWL_HEIGHT + 0.02:
            return "bowl"
    if "bin" in objects:
        bin_ = np.array(objects["bin"])
        if np.all(np.abs(p[:2] - bin_[:2]) < L.BIN_HALF) and p[2] < L.BIN_HEIGHT + 0.01:
            return "bin"
    if "drawer" in objects:  # the drawer's perceived position is its handle
        rel = p - np.array(objects["drawer"])
        y0, y1 = L.TRAY_Y[0] - L.HANDLE_Y, L.TRAY_Y[1] - L.HANDLE_Y
        floor = L.TRAY_FLOOR_Z - L.HANDLE_Z
        if abs(rel[0]) < L.TRAY_HALF_X and y0 < rel[1] < y1 and floor < rel[2] < floor + 0.06:
            return "drawer"
    return None
