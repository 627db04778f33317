"""What the agent knows of a scene: the robot's perceived object list, never simulator ground truth.

Relations between blocks and receptacles are inferred here from perceived positions and the known
furniture geometry, as a perception module on a real robot would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from robot_bridge.sim import layout as L
from skills.symbolic import SymbolicState
from skills.vocabulary import BLOCKS

Position = tuple[float, float, float]


@dataclass(frozen=True)
class PerceivedScene:
    objects: dict[str, Position]
    drawer_open: bool | None = None  # None: perception did not say; an ajar drawer is open
    drawer_state: str | None = None  # "open", "closed" or "ajar", as perception reported it
    light_on: bool | None = None
    placement: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_observation(cls, obs) -> PerceivedScene:
        """From a bridge or simulator observation (`objects`, `object_states`)."""
        states = getattr(obs, "object_states", {}) or {}
        drawer = states.get("drawer")
        light = states.get("light")
        objects = {k: tuple(map(float, v)) for k, v in obs.objects.items()}
        return cls(
            objects=objects,
            drawer_open=None if drawer is None else drawer != "closed",
            drawer_state=drawer,
            light_on=None if light is None else light == "on",
            placement=infer_placement(objects),
        )

    def blocks(self) -> list[str]:
        return [b for b in BLOCKS if b in self.objects]

    def symbolic(self) -> SymbolicState:
        return SymbolicState(
            drawer_open=bool(self.drawer_open),
            light_on=bool(self.light_on),
            placement=dict(self.placement),
        )


def infer_placement(objects: dict[str, Position]) -> dict[str, tuple[str, str]]:
    """Where each seen block is: on another block, in a receptacle, or on the table."""
    blocks = {b: np.array(p) for b, p in objects.items() if b in BLOCKS}
    out: dict[str, tuple[str, str]] = {}
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
            out[block] = ("on", base)
        elif (receptacle := _receptacle_at(p, objects)) is not None:
            out[block] = ("in", receptacle)
        else:
            out[block] = ("on", "table")
    return out


def _receptacle_at(p: np.ndarray, objects: dict[str, Position]) -> str | None:
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
