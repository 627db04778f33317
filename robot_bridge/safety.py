"""Safety checks the server applies before anything reaches the robot.

- `validate_chunk`: shape, finiteness and size of a chunk, all before the first action moves.
- `clip_action`: clip to the action spec's limits and report whether clipping changed anything.
- `EStop`: the latched emergency stop.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from robot_bridge.robot import ActionSpec

MAX_CHUNK_ID_CHARS = 128


class InvalidChunkError(ValueError):
    """A chunk that must not be executed; the message says what was wrong and what is valid."""


def validate_chunk(
    chunk_id: str, actions: Sequence[Sequence[float]], spec: ActionSpec
) -> np.ndarray:
    """Return the chunk as a (steps, dim) float64 array, or raise `InvalidChunkError`."""
    if not 1 <= len(chunk_id) <= MAX_CHUNK_ID_CHARS or not chunk_id.isprintable():
        raise InvalidChunkError(
            f"chunk_id must be 1-{MAX_CHUNK_ID_CHARS} printable characters (e.g. a UUID); "
            f"got {chunk_id[:40]!r}{'...' if len(chunk_id) > 40 else ''} ({len(chunk_id)} chars)"
        )
    if not 1 <= len(actions) <= spec.max_chunk_steps:
        raise InvalidChunkError(
            f"a chunk holds 1-{spec.max_chunk_steps} actions; got {len(actions)}"
        )
    names = ", ".join(spec.names)
    for i, values in enumerate(actions):
        if len(values) != spec.dim:
            raise InvalidChunkError(
                f"action {i} has {len(values)} values; each action has {spec.dim} ({names})"
            )
        bad = [f"{spec.names[j]}={v}" for j, v in enumerate(values) if not math.isfinite(v)]
        if bad:
            raise InvalidChunkError(
                f"action {i} is not finite ({', '.join(bad)}); every value must be a finite number"
            )
    return np.asarray(actions, dtype=np.float64).reshape(len(actions), spec.dim)


def clip_action(action: np.ndarray, spec: ActionSpec) -> tuple[np.ndarray, bool]:
    """Clip one action to the spec's limits; return it and whether clipping changed it."""
    clipped = np.clip(action, spec.low, spec.high)
    return clipped, bool(np.any(clipped != action))


@dataclass(frozen=True)
class StopState:
    reason: str
    since: float  # time.time() when latched


class EStop:
    """A latched emergency stop: once triggered, it stays on until `clear()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: StopState | None = None

    def trigger(self, reason: str) -> bool:
        """Latch the stop; return whether it was already latched."""
        with self._lock:
            was = self._state is not None
            if not was:
                self._state = StopState(reason or "no reason given", time.time())
            return was

    def clear(self) -> bool:
        """Unlatch; return whether it was latched."""
        with self._lock:
            was = self._state is not None
            self._state = None
            return was

    @property
    def state(self) -> StopState | None:
        return self._state

    @property
    def engaged(self) -> bool:
        return self._state is not None

    def refusal(self) -> str:
        state = self._state
        if state is None:
            return ""
        ago = time.time() - state.since
        return (
            f"the robot is e-stopped ({state.reason!r}, {ago:.1f} s ago); motion is refused until "
            "ClearStop is called (`RobotClient.clear_stop()`)"
        )
