"""From goals to skill calls: in the order given, with the calls preconditions need inserted
(open the drawer before putting something in it or taking something out), goals that already hold
skipped, and end states ("... and leave it closed") enforced after everything else."""

from __future__ import annotations

from agent.perception import PerceivedScene
from agent.planners.base import PlannedStep
from agent.planners.local.goals import Goal
from agent.planners.local.phrases import NotUnderstood
from skills.library import SkillCall
from skills.symbolic import SymbolicState, apply_effects, unmet_preconditions
from skills.vocabulary import BLOCKS, spoken


def order_goals(goals: list[Goal], scene: PerceivedScene) -> list[PlannedStep]:
    """Skill calls reaching the goals; raises NotUnderstood when a goal cannot be reached."""
    kept = {g.block for g in goals if g.kind == "keep"}
    for goal in goals:
        if goal.kind == "place" and goal.block in kept and not goal.collective:
            raise NotUnderstood(
                f"The {spoken(goal.block)} should both stay where it is and move; which is it?"
            )
    goals = [g for g in goals if g.kind != "keep" and not (g.kind == "place" and g.block in kept)]
    goals = [g for g in goals if not g.final] + [g for g in goals if g.final]
    state = scene.symbolic()
    steps: list[PlannedStep] = []
    done: list[Goal] = []

    def do(call: SkillCall) -> None:
        nonlocal state
        steps.append(PlannedStep(skill=call.skill, args=call.args, instruction=call.instruction()))
        state = apply_effects(call, state)

    for goal in goals:
        for call in _calls_for(goal, state):
            if _needs_open_drawer(call, state):
                do(SkillCall(skill="open_drawer"))
            reasons = unmet_preconditions(call, state)
            if reasons:
                target = call.args.get("target")
                others = [r for r in ("bin", "drawer", "bowl") if r != target]
                error = NotUnderstood(
                    f"Cannot {call.instruction()}: {'; '.join(reasons)}.",
                    tuple((target, r) for r in others) if "full" in reasons[-1] else (),
                )
                error.understood = done
                raise error
            do(call)
        done.append(goal)
    return steps


def _needs_open_drawer(call: SkillCall, state: SymbolicState) -> bool:
    if state.drawer_open or call.skill not in ("pick_place", "stack"):
        return False
    if call.args.get("target") == "drawer":
        return True
    return any(not state.is_reachable(b) for b in (call.args["object"], call.args.get("base")) if b)


def _calls_for(goal: Goal, state: SymbolicState) -> list[SkillCall]:
    if goal.kind == "drawer":
        if state.drawer_open == goal.value:
            return []
        return [SkillCall(skill="open_drawer" if goal.value else "close_drawer")]
    if goal.kind == "light":
        return [] if state.light_on == goal.value else [SkillCall(skill="press_button")]
    if goal.kind == "press":
        return [SkillCall(skill="press_button")]
    block, target = goal.block, goal.target
    assert block is not None and target is not None
    if target in BLOCKS:
        if state.placement.get(block) == ("on", target):
            return []
        if state.placement.get(target) == ("on", block):
            raise NotUnderstood(
                f"The {spoken(target)} is on the {spoken(block)}; stack the other way round."
            )
        return [SkillCall(skill="stack", args={"object": block, "base": target})]
    if state.placement.get(block) == ("in", target):
        return []
    return [SkillCall(skill="pick_place", args={"object": block, "target": target})]
