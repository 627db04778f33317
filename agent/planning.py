"""`reverie plan`: a chore's plan against the perceived scene of a simulated seed."""

from __future__ import annotations

from agent.perception import PerceivedScene
from agent.planners.base import Plan
from agent.planners.local import LocalPlanner


def perceive_seed(seed: int) -> PerceivedScene:
    """What the robot would perceive at the start of the simulated scene `seed`."""
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(camera=False)
    obs = sim.reset(seed)
    sim.close()
    return PerceivedScene.from_observation(obs)


def plan_to_json(plan: Plan, seed: int | None) -> dict:
    return {
        "chore": plan.chore,
        "seed": seed,
        "plan": [step.model_dump() for step in plan.steps],
        "notes": plan.notes,  # hearing corrections and blocks chosen for "two blocks"
    }


def plan_chore(chore: str, seed: int) -> dict:
    """Plan `chore` in the scene of `seed`; raises PlanningError with a user-facing refusal."""
    scene = perceive_seed(seed)
    return plan_to_json(LocalPlanner().plan(chore, scene), seed)
