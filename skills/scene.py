"""Ground-truth description of a tabletop scene: what `reverie scene --json` prints.

Only scripted experts, data generation and evaluation may read it; the agent never decides from it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ObjectState(BaseModel):
    id: str
    position: tuple[float, float, float]


class GripperState(BaseModel):
    position: tuple[float, float, float]
    opening: float = Field(description="0 = closed, 1 = fully open")
    holding: str | None = None


class Scene(BaseModel):
    """Every block appears in exactly one relation: in a receptacle, on a block, on the table, or held."""

    seed: int | None
    objects: list[ObjectState]
    drawer_open: bool
    light_on: bool
    relations: list[tuple[str, str, str]]
    drawer_slide: float = Field(description="metres the drawer is pulled out")
    button_presses: int = 0
    gripper: GripperState

    def object_ids(self) -> list[str]:
        return [o.id for o in self.objects]

    def position(self, object_id: str) -> tuple[float, float, float]:
        for o in self.objects:
            if o.id == object_id:
                return o.position
        raise KeyError(object_id)

    def relation_of(self, block: str) -> tuple[str, str]:
        """(relation, other) for a block, e.g. ("in", "bowl") or ("on", "table")."""
        for rel, subject, other in self.relations:
            if subject == block:
                return rel, other
        raise KeyError(block)

    def blocks(self) -> list[str]:
        return [subject for _, subject, _ in self.relations]
