"""Fine-grained, time-stamped captions derived from simulator state ("caption upsampling").

The captioner watches ground truth step by step and describes what changed, so captions are
correct for expert, perturbed and failed episodes alike.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from robot_bridge.sim import layout as L
from robot_bridge.sim.tabletop import TabletopSim
from skills.vocabulary import spoken


class Caption(BaseModel):
    frame: int
    t: float  # seconds since the episode started
    text: str


class Captioner:
    """Call `update(sim, frame)` after every step; it returns the captions that became true."""

    def __init__(self) -> None:
        self._above: str | None = None
        self._held: str | None = None
        self._lifted = False
        self._relations: dict[str, tuple[str, str]] = {}
        self._drawer_open: bool | None = None
        self._drawer_shut: bool | None = None
        self._light: bool | None = None
        self.captions: list[Caption] = []

    def update(self, sim: TabletopSim, frame: int) -> list[Caption]:
        texts = self._events(sim)
        new = [Caption(frame=frame, t=round(frame / L.CONTROL_HZ, 2), text=t) for t in texts]
        self.captions.extend(new)
        return new

    def _events(self, sim: TabletopSim) -> list[str]:
        out: list[str] = []
        first = self._light is None
        ee = sim.ee_pos()
        positions = sim.object_positions()
        held = sim.held_block()
        inside = {b for rel, b, _ in sim.relations() if rel == "in"}
        above = self._object_below(ee, {k: v for k, v in positions.items() if k not in inside})
        # Only a move to a new object is news: hovering, dipping and rising again is not.
        if above is not None and above != self._above and above != held and not first:
            out.append(f"gripper moves above the {spoken(above)}")
        if above is not None:
            self._above = above

        if held != self._held and not first:
            if held is not None:
                out.append(f"gripper closes on the {spoken(held)}")
            elif self._held is not None:
                out.append(f"gripper releases the {spoken(self._held)}")
        if held != self._held:
            self._lifted = False
        self._held = held
        if held is not None and not self._lifted and positions[held][2] > L.BLOCK_HALF + 0.03:
            self._lifted = True
            out.append(f"gripper lifts the {spoken(held)}")

        relations = {b: (rel, other) for rel, b, other in sim.relations()}
        for block, (rel, other) in relations.items():
            before = self._relations.get(block)
            if first or before == (rel, other) or rel == "held":
                continue
            if rel == "in":
                out.append(f"the {spoken(block)} lands in the {spoken(other)}")
            elif other != "table":
                out.append(f"the {spoken(block)} is stacked on the {spoken(other)}")
            elif before is not None and before[0] == "held":
                out.append(f"the {spoken(block)} is put down on the table")
        self._relations = relations

        slide = sim.drawer_slide()
        is_open, is_shut = slide >= L.DRAWER_OPEN_AT, slide <= L.DRAWER_CLOSED_AT
        if not first and is_open and not self._drawer_open:
            out.append("the drawer slides open")
        if not first and is_shut and not self._drawer_shut:
            out.append("the drawer slides shut")
        self._drawer_open, self._drawer_shut = is_open, is_shut

        if not first and sim.light_on != self._light:
            state = "on" if sim.light_on else "off"
            out.append(f"the button is pressed and the light turns {state}")
        self._light = sim.light_on
        return out

    @staticmethod
    def _object_below(ee: np.ndarray, positions: dict[str, tuple[float, float, float]]):
        """The object under the gripper, if the gripper hovers within 2.5 cm of it horizontally."""
        best, best_d = None, 0.025
        for name, p in positions.items():
            if name == "light":
                continue
            d = float(np.hypot(ee[0] - p[0], ee[1] - p[1]))
            if d < best_d and ee[2] > p[2] + 0.03:
                best, best_d = name, d
        return best
