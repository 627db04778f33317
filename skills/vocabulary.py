"""Stable object ids and their spoken names, shared by the simulator, skills, planners and data.

Ids never change: they appear in plans, JSON output, datasets and tests.
"""

from __future__ import annotations

BLOCKS: tuple[str, ...] = ("red_block", "green_block", "blue_block", "yellow_block")
RECEPTACLES: tuple[str, ...] = ("bowl", "bin", "drawer")
FIXTURES: tuple[str, ...] = ("button", "light")
ALL_OBJECTS: tuple[str, ...] = BLOCKS + RECEPTACLES + FIXTURES

# What a person calls each object; used by instruction templates, captions and vocabulary biasing.
SPOKEN_NAMES: dict[str, str] = {
    "red_block": "red block",
    "green_block": "green block",
    "blue_block": "blue block",
    "yellow_block": "yellow block",
    "bowl": "bowl",
    "bin": "bin",
    "drawer": "drawer",
    "button": "button",
    "light": "light",
}


def spoken(object_id: str) -> str:
    """The natural name of an object id ("red_block" -> "red block")."""
    return SPOKEN_NAMES.get(object_id, object_id.replace("_", " "))
