"""What the simulated robot's perception module reports about object positions.

A real perception module is never exact: the simulated one adds Gaussian noise (per axis, a few
millimetres by default) to every position it reports, so nothing downstream comes to rely on exact
numbers. The noise is drawn from the scene seed and the step, so a run replays identically. Ground
truth (`TabletopSim.object_positions()`, `scene()`) stays exact for experts, data and evaluation.
"""

from __future__ import annotations

import math

import numpy as np

from skills.vocabulary import ALL_OBJECTS

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
