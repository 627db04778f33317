"""Success predicates on simulator ground truth: for experts, data labels and evaluation only."""

from __future__ import annotations

from robot_bridge.sim import layout
from skills.library import SkillCall
from skills.scene import Scene


def is_success(call: SkillCall, scene: Scene, start: Scene) -> bool:
    """Did `call` succeed? `start` is the scene when the skill began (press_button needs it)."""
    args = call.args
    if call.skill == "pick_place":
        return _placement(scene, args["object"]) == ("in", args["target"])
    if call.skill == "stack":
        return _placement(scene, args["object"]) == ("on", args["base"])
    if call.skill == "open_drawer":
        return scene.drawer_open
    if call.skill == "close_drawer":
        return scene.drawer_slide <= layout.DRAWER_CLOSED_AT
    if call.skill == "press_button":
        return scene.light_on != start.light_on
    raise ValueError(f"no success predicate for skill {call.skill!r}")


def _placement(scene: Scene, block: str) -> tuple[str, str] | None:
    try:
        return scene.relation_of(block)
    except KeyError:
        return None
