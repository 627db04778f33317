"""What every planner returns, and how it refuses."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from agent.perception import PerceivedScene
from skills.library import SKILLS
from skills.vocabulary import spoken


class PlanningError(ValueError):
    """A chore that cannot be planned; the message is what the user reads."""


class PlannedStep(BaseModel):
    skill: str
    args: dict[str, str] = {}
    instruction: str


class Plan(BaseModel):
    chore: str
    steps: list[PlannedStep]
    notes: list[str] = []  # what the planner assumed: hearing corrections, blocks it chose


class Planner(Protocol):
    def plan(self, chore: str, scene: PerceivedScene) -> Plan: ...


def capabilities() -> str:
    """One line per skill: what the robot can do."""
    return "; ".join(f"{name}: {spec.summary}" for name, spec in SKILLS.items())


def scene_summary(scene: PerceivedScene) -> str:
    return ", ".join(spoken(o) for o in scene.objects)


def refuse(reason: str, scene: PerceivedScene, closest: str | None = None) -> PlanningError:
    """A refusal that names what is in the scene and what the robot can do, and the closest
    reading the planner could plan when it has one."""
    reading = f"\n  closest reading: '{closest}'" if closest else ""
    return PlanningError(
        f"{reason}{reading}\n  in this scene: {scene_summary(scene)}\n  the robot can: {capabilities()}"
    )
