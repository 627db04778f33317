"""Completion checked two ways: the learned judge on the camera frames, and the skill's symbolic
effects on what perception reports (the object list, the drawer's and the light's states).

Either alone was wrong too often: the video judge said "done" on 7 of 10 press_button attempts
where the hand was near the button and the light had not changed (measured 2026-11-29), and
perception cannot see a block once it is shut in the drawer. So the effects, when perception can
tell, gate the judge's verdict: where the two disagree strongly, neither decides alone and the
subtask is not done. Only what a real robot's perception offers is used, never ground truth.
"""

from __future__ import annotations

from agent.perception import PerceivedScene
from skills.library import SkillCall
from skills.symbolic import apply_effects

# With the effects seen to hold, the judge need only not object strongly.
JUDGE_OBJECTS = 0.1
# The combined score never reaches "done" (0.5) when perception sees the effects missing.
NOT_DONE = 0.49


def effects_hold(call: SkillCall, before: PerceivedScene, now: PerceivedScene) -> bool | None:
    """Does perception now report what `call` should have changed since `before`? None when it
    cannot tell (the state is not reported, or the block is out of sight)."""
    if call.skill in ("open_drawer", "close_drawer"):
        if now.drawer_state is None:
            return None
        return now.drawer_state == ("open" if call.skill == "open_drawer" else "closed")
    if call.skill == "press_button":
        if now.light_on is None or before.light_on is None:
            return None
        return now.light_on != before.light_on
    block = call.args["object"]
    if block not in now.objects:
        return None  # shut in the drawer or hidden by the hand: the judge decides alone
    expected = apply_effects(call, before.symbolic()).placement[block]
    return now.placement.get(block) == expected


def combined_score(judge_score: float, effects: bool | None) -> float:
    """The completion score the agent decides on (done at >= 0.5)."""
    if effects is None:
        return judge_score
    if not effects:
        return min(judge_score, NOT_DONE)
    return max(judge_score, 0.5) if judge_score >= JUDGE_OBJECTS else judge_score
