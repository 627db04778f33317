"""What the agent knows of a scene: the robot's perceived object list, never simulator ground truth.

Where each block is (on the table, on another block, in a receptacle) is what the robot's
perception reports (`Observation.placements`, through the robot contract): the agent knows no
furniture geometry of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        """From a bridge or simulator observation (`objects`, `object_states`, `placements`)."""
        states = getattr(obs, "object_states", {}) or {}
        drawer = states.get("drawer")
        light = states.get("light")
        objects = {k: tuple(map(float, v)) for k, v in obs.objects.items()}
        return cls(
            objects=objects,
            drawer_open=None if drawer is None else drawer != "closed",
            drawer_state=drawer,
            light_on=None if light is None else light == "on",
            placement=read_placements(objects, getattr(obs, "placements", {}) or {}),
        )

    def blocks(self) -> list[str]:
        return [b for b in BLOCKS if b in self.objects]

    def symbolic(self) -> SymbolicState:
        return SymbolicState(
            drawer_open=bool(self.drawer_open),
            light_on=bool(self.light_on),
            placement=dict(self.placement),
        )


def read_placements(objects: dict[str, Position], reported: dict[str, str]) -> dict:
    """{"red_block": "in bowl"} -> {"red_block": ("in", "bowl")} for every seen block. A block
    perception placed nowhere (a robot that does not report placements) is taken to lie on the
    table; a report that is not "on X" or "in X" is refused."""
    out = {}
    for block in (b for b in BLOCKS if b in objects):
        relation, _, base = reported.get(block, "on table").partition(" ")
        if relation not in ("on", "in") or not base:
            raise ValueError(
                f"perception placed {block} {reported[block]!r}; a placement reads "
                "'on table', 'on <block>' or 'in <receptacle>'"
            )
        out[block] = (relation, base)
    return out
