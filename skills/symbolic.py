"""Symbolic preconditions and effects of skills, used to order a plan and to pick feasible tasks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from skills.library import SkillCall
from skills.scene import Scene

# How many blocks fit side by side in each receptacle (measured with the scripted experts).
CAPACITY = {"bowl": 2, "bin": 4, "drawer": 3}


@dataclass(frozen=True)
class SymbolicState:
    """The facts skills read and change: drawer, light, and where each block is."""

    drawer_open: bool
    light_on: bool
    placement: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # block -> (relation, other)

    @classmethod
    def from_scene(cls, scene: Scene) -> SymbolicState:
        return cls(
            drawer_open=scene.drawer_open,
            light_on=scene.light_on,
            placement={block: (rel, other) for rel, block, other in scene.relations},
        )

    def is_clear(self, block: str) -> bool:
        """Nothing rests on the block."""
        return all(p != ("on", block) for p in self.placement.values())

    def is_reachable(self, block: str) -> bool:
        """Not shut away in a closed drawer (directly or under a stack in it)."""
        rel, other = self.placement.get(block, ("on", "table"))
        if rel == "in" and other == "drawer":
            return self.drawer_open
        if rel == "on" and other in self.placement:
            return self.is_reachable(other)
        return True


def unmet_preconditions(call: SkillCall, state: SymbolicState) -> list[str]:
    """Why `call` cannot run now, as readable reasons; empty when it can."""
    reasons: list[str] = []
    args = call.args
    if call.skill in ("pick_place", "stack"):
        for role in ("object", "base") if call.skill == "stack" else ("object",):
            block = args[role]
            if block not in state.placement:
                reasons.append(f"the {block} is not in the scene")
            elif not state.is_clear(block):
                reasons.append(f"something is on top of the {block}")
            elif not state.is_reachable(block):
                reasons.append(f"the {block} is inside the closed drawer")
    if call.skill == "pick_place" and args["target"] == "drawer" and not state.drawer_open:
        reasons.append("the drawer must be open")
    if call.skill == "pick_place":
        target = args["target"]
        inside = [
            b for b, p in state.placement.items() if p == ("in", target) and b != args["object"]
        ]
        if len(inside) >= CAPACITY[target]:
            reasons.append(f"the {target} is full (it holds {CAPACITY[target]} blocks)")
    if call.skill == "open_drawer" and state.drawer_open:
        reasons.append("the drawer is already open")
    if call.skill == "close_drawer" and not state.drawer_open:
        reasons.append("the drawer is already closed")
    return reasons


def apply_effects(call: SkillCall, state: SymbolicState) -> SymbolicState:
    """The state after `call` succeeds."""
    placement = dict(state.placement)
    if call.skill == "pick_place":
        placement[call.args["object"]] = ("in", call.args["target"])
        return replace(state, placement=placement)
    if call.skill == "stack":
        placement[call.args["object"]] = ("on", call.args["base"])
        return replace(state, placement=placement)
    if call.skill == "open_drawer":
        return replace(state, drawer_open=True)
    if call.skill == "close_drawer":
        return replace(state, drawer_open=False)
    if call.skill == "press_button":
        return replace(state, light_on=not state.light_on)
    raise ValueError(f"no effects known for skill {call.skill!r}")


def candidate_calls(objects: list[str]) -> list[SkillCall]:
    """Every well-formed call over the given object ids, in a fixed order."""
    from skills.vocabulary import BLOCKS

    blocks = [b for b in BLOCKS if b in objects]
    calls = [
        SkillCall(skill="pick_place", args={"object": b, "target": t})
        for b in blocks
        for t in ("bowl", "bin", "drawer")
    ]
    calls += [
        SkillCall(skill="stack", args={"object": a, "base": b})
        for a in blocks
        for b in blocks
        if a != b
    ]
    calls += [SkillCall(skill=s) for s in ("open_drawer", "close_drawer", "press_button")]
    return calls


def feasible_calls(scene: Scene) -> list[SkillCall]:
    """Calls whose preconditions hold in `scene` and whose goal is not already true."""
    return feasible_in_state(SymbolicState.from_scene(scene))


def feasible_in_state(state: SymbolicState) -> list[SkillCall]:
    """Calls whose preconditions hold in `state` and whose goal is not already true."""
    from skills.vocabulary import BLOCKS

    out = []
    for call in candidate_calls([b for b in BLOCKS if b in state.placement]):
        if unmet_preconditions(call, state):
            continue
        if call.skill in ("pick_place", "stack"):
            goal = ("in", call.args["target"]) if call.skill == "pick_place" else None
            goal = goal or ("on", call.args["base"])
            if state.placement.get(call.args["object"]) == goal:
                continue
        out.append(call)
    return out
