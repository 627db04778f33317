"""Seeded placement of furniture and blocks: the same seed always gives the same scene."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from robot_bridge.sim import layout as L
from skills.vocabulary import BLOCKS

# Footprint radius of each placeable thing, and the free margin kept around it so fingers fit.
_RADIUS = {"bowl": L.BOWL_RADIUS, "bin": L.BIN_HALF * 1.42, "button": L.BUTTON_RADIUS}
_BLOCK_RADIUS = L.BLOCK_HALF * 1.42
_MARGIN = 0.035


@dataclass(frozen=True)
class Layout:
    seed: int
    blocks: dict[str, tuple[float, float, float]]  # id -> (x, y, yaw)
    bowl: tuple[float, float]
    bin: tuple[float, float]
    button: tuple[float, float]
    cabinet_x: float
    drawer_open: bool
    light_on: bool


def _blocked_by_drawer(x: float, y: float, r: float, cabinet_x: float) -> bool:
    """True if a footprint overlaps the cabinet or the space its drawer and handle sweep."""
    half_x = L.CABINET_HALF[0] + 0.02
    front = L.CABINET_Y - L.CABINET_HALF[1] - L.DRAWER_TRAVEL - 0.05
    return abs(x - cabinet_x) < half_x + r and y + r > front


def sample_layout(seed: int) -> Layout:
    """Draw a scene: 2-4 blocks, furniture positions, drawer and light states, all from `seed`."""
    rng = np.random.default_rng(seed)
    n_blocks = int(rng.integers(2, len(BLOCKS) + 1))
    chosen = sorted(rng.choice(len(BLOCKS), n_blocks, replace=False))
    drawer_open = bool(rng.random() < 0.5)
    light_on = bool(rng.random() < 0.5)
    for _ in range(1000):
        cabinet_x = float(rng.uniform(*L.CABINET_X))
        placed: list[tuple[float, float, float]] = []
        spots: dict[str, tuple[float, float]] = {}
        order = [("bin", _RADIUS["bin"]), ("bowl", _RADIUS["bowl"]), ("button", _RADIUS["button"])]
        order += [(BLOCKS[i], _BLOCK_RADIUS) for i in chosen]
        for name, r in order:
            spot = _place(rng, r, placed, cabinet_x)
            if spot is None:
                break
            spots[name] = spot
            placed.append((*spot, r))
        else:
            return Layout(
                seed=seed,
                blocks={
                    BLOCKS[i]: (*spots[BLOCKS[i]], float(rng.uniform(-0.35, 0.35))) for i in chosen
                },
                bowl=spots["bowl"],
                bin=spots["bin"],
                button=spots["button"],
                cabinet_x=cabinet_x,
                drawer_open=drawer_open,
                light_on=light_on,
            )
    raise RuntimeError(f"could not place the objects of seed {seed}")


def _place(rng, r: float, placed, cabinet_x: float) -> tuple[float, float] | None:
    for _ in range(200):
        x = float(rng.uniform(L.PLACE_X[0] + r * 0.5, L.PLACE_X[1] - r * 0.5))
        y = float(rng.uniform(L.PLACE_Y[0] + r * 0.5, L.PLACE_Y[1]))
        if _blocked_by_drawer(x, y, r, cabinet_x):
            continue
        if all(np.hypot(x - px, y - py) > r + pr + _MARGIN for px, py, pr in placed):
            return x, y
    return None
