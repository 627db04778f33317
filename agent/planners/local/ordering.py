"""The local planner: understands chores phrased many ways, with no model at all.

It reads a chore as a sequence of goals ("the red block in the drawer", "the drawer closed",
"the light on"), resolves the objects against the perceived scene, and turns the goals into skill
calls in order, inserting the calls that preconditions need (open the drawer before putting
something in it) and skipping goals that already hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.perception import PerceivedScene
from agent.planners.base import Plan, PlannedStep, refuse
from skills.library import SkillCall
from skills.symbolic import SymbolicState, apply_effects, unmet_preconditions
from skills.vocabulary import BLOCKS, spoken

COLORS = ("red", "green", "blue", "yellow")
OTHER_COLORS = ("purple", "orange", "pink", "white", "black", "brown", "gray", "grey", "violet")
# Words people use for the things in the scene, mapped to our nouns.
SYNONYMS = {
    r"\b(cubes?|bricks?|blocks)\b": "block",
    r"\b(basket|bucket|trash can|trash|garbage can|box)\b": "bin",
    r"\b(dish)\b": "bowl",
    r"\b(cabinet|cupboard)\b": "drawer",
    r"\b(lamp|bulb|lights)\b": "light",
    r"\bthe switch\b": "the button",
}
NOUNS = ("block", "bowl", "bin", "drawer", "button", "light")
RECEPTACLE_NOUNS = ("bowl", "bin", "drawer")
ALL_BLOCKS = re.compile(
    r"\b(everything|every block|each block|all (?:of )?(?:the )?blocks?|all of them|the blocks?s?\b(?= (?:in|into|on)\b)|them all|all)\b"
)
VERBS = (
    "put|place|move|drop|toss|throw|stick|set|store|stack|pile|pick|bring|get|open|close|shut|"
    "press|push|hit|tap|toggle|turn|switch|leave|keep|pull|slide|tidy|clean|make"
)
PLACE_VERBS = re.compile(
    r"\b(put|place|move|drop|toss|throw|stick|set|store|stack|pile|pick|bring|get|tidy|clean)\b"
)
PREPOSITION = re.compile(r"\b(into|inside(?: of)?|in to|in|onto|on top of|on|over|atop|to)\b")
FILLER = {"the", "a", "an", "my", "please", "up", "it", "them", "and", "of", "top", "its", "to"}


@dataclass(frozen=True)
class Goal:
    kind: str  # "place", "drawer", "light", "press"
    block: str | None = None
    target: str | None = None  # bowl / bin / drawer / a block id
    value: bool | None = None  # drawer open? light on?


class LocalPlanner:
    """Rule-based chore understanding over the skill vocabulary and the perceived scene."""

    def plan(self, chore: str, scene: PerceivedScene) -> Plan:
        text = normalize(chore)
        if not text:
            raise refuse("The command is empty: say what the robot should do.", scene)
        goals = self._goals(text, scene)
        steps = order_goals(goals, scene)
        return Plan(chore=chore, steps=steps)

    # ----------------------------------------------------------------------------- reading
    def _goals(self, text: str, scene: PerceivedScene) -> list[Goal]:
        goals: list[Goal] = []
        pending: list[str] = []  # blocks picked up but not yet given a destination ("it")
        self._last_receptacle: str | None = None  # what "in it" means
        for clause in split_clauses(text):
            check_known_objects(clause, scene)
            new, pending = self._clause_goals(clause, scene, pending)
            goals += new
            mentioned = re.findall(r"\b(bowl|bin|drawer)\b", clause)
            if mentioned:
                self._last_receptacle = mentioned[-1]
        if pending:
            names = " and ".join(f"the {spoken(b)}" for b in pending)
            raise refuse(f"Where should {names} go? Say e.g. 'put it in the bowl'.", scene)
        if not goals:
            raise refuse(f"I don't know how to do '{text}'.", scene)
        return goals

    def _clause_goals(self, clause: str, scene: PerceivedScene, pending: list[str]):
        words = set(clause.split())
        mentions_drawer = "drawer" in words or (words & {"it"} and not PLACE_VERBS.search(clause))
        if (
            re.search(
                r"\b(close|shut)\b|\bpush\b.*\b(in|shut|closed)\b|\b(leave|keep)\b.*\b(closed|shut)\b",
                clause,
            )
            and mentions_drawer
        ):
            return [Goal("drawer", value=False)], pending
        if (
            re.search(r"\bopen\b|\bpull\b.*\bout\b", clause)
            and mentions_drawer
            and not PREPOSITION.search(clause.replace("pull out", ""))
        ):
            return [Goal("drawer", value=True)], pending
        if (
            "light" in words
            and re.search(r"\b(on|off)\b", clause)
            and not PLACE_VERBS.search(clause)
        ):
            return [Goal("light", value=bool(re.search(r"\bon\b", clause)))], pending
        if words & {"button", "light"} and re.search(r"\b(press|push|hit|tap|toggle)\b", clause):
            return [Goal("press")], pending
        if PLACE_VERBS.search(clause) or PREPOSITION.search(clause):
            return self._placement(clause, scene, pending)
        raise refuse(f"I don't know how to '{clause}'.", scene)

    def _placement(self, clause: str, scene: PerceivedScene, pending: list[str]):
        match = _destination(clause)
        head = clause[: match.start()] if match else clause
        blocks = self._blocks_in(head, scene, pending)
        if match is None:  # "pick up the red block" — the destination comes in a later clause
            return [], blocks
        destination = clause[match.end() :]
        # "... in the bowl and the blue block in the bin": a second placement sharing the verb
        more = re.search(
            r"\s+and\s+(?=(?:the\s+)?(?:\w+\s+)?block\b.*\b(?:in|into|on|onto)\b)", destination
        )
        if more:
            destination, rest = destination[: more.start()], destination[more.end() :]
        target = self._target(destination, scene)
        if not blocks:
            raise refuse(f"Which block should go {match.group(0)} the {spoken(target)}?", scene)
        if blocks == [target]:
            raise refuse(f"The {spoken(target)} cannot be stacked on itself.", scene)
        goals = [Goal("place", block=b, target=target) for b in blocks if b != target]
        if more:
            goals += self._placement("put " + rest, scene, [])[0]
        return goals, []

    def _blocks_in(self, phrase: str, scene: PerceivedScene, pending: list[str]) -> list[str]:
        if re.search(r"\b(it|them)\b", phrase) and pending and not ALL_BLOCKS.search(phrase):
            return list(pending)
        if ALL_BLOCKS.search(phrase):  # topmost first, so nothing is picked from under another
            return sorted(scene.blocks(), key=lambda b: -scene.objects[b][2])
        found = []
        for noun_phrase in re.finditer(
            r"\b(?:(\w+) )?(block|bowl|bin|drawer|button|light)\b", phrase
        ):
            color, noun = noun_phrase.group(1), noun_phrase.group(2)
            if noun != "block":
                raise refuse(f"The {noun} cannot be picked up; only blocks can be moved.", scene)
            found.append(self._block(color, scene))
        if not found and re.search(r"\b(it|them)\b", phrase):
            raise refuse("I don't know what 'it' refers to; name the block.", scene)
        return found

    def _block(self, color: str | None, scene: PerceivedScene) -> str:
        if color in COLORS:
            block = f"{color}_block"
            if block not in scene.objects:
                raise refuse(f"There is no {color} block here.", scene)
            return block
        if len(scene.blocks()) == 1:
            return scene.blocks()[0]
        options = ", ".join(spoken(b) for b in scene.blocks())
        raise refuse(f"Which block? I can see: {options}.", scene)

    def _target(self, phrase: str, scene: PerceivedScene) -> str:
        m = re.search(r"\b(?:(\w+) )?(block|bowl|bin|drawer|button|light|table)\b", phrase)
        if m is None and re.match(r"\s*(it|there)?\s*$", phrase) and self._last_receptacle:
            return self._last_receptacle
        if m is None:
            raise refuse(f"I don't know where '{phrase.strip()}' is.", scene)
        color, noun = m.group(1), m.group(2)
        if noun in RECEPTACLE_NOUNS:
            if noun not in scene.objects:
                raise refuse(f"There is no {noun} here.", scene)
            return noun
        if noun == "block":
            return self._block(color, scene)
        raise refuse(
            f"Blocks can go in the bowl, the bin or the drawer, or on another block, not on the {noun}.",
            scene,
        )


# ----------------------------------------------------------------------------- text helpers
def normalize(chore: str) -> str:
    text = chore.lower().strip()
    text = re.sub(r"[^a-z0-9,;.' ]+", " ", text).replace("'", "")
    for pattern, word in SYNONYMS.items():
        text = re.sub(pattern, word, text)
    text = re.sub(r"\bturn the light (on|off)\b", r"turn \1 the light", text)
    return re.sub(r"\s+", " ", text).strip(" .,;")


def split_clauses(text: str) -> list[str]:
    """Split at 'then', ';', ',' and at 'and' when a new verb follows."""
    parts = re.split(r"\s*(?:,\s*and then|,\s*then|\band then\b|\bthen\b|;|\.\s+|,)\s*", text)
    clauses = []
    for part in parts:
        clauses += re.split(rf"\s+and\s+(?=(?:please\s+)?(?:{VERBS})\b)", part)
    return [c.strip() for c in clauses if c.strip() and c.strip() not in ("and", "please")]


def check_known_objects(clause: str, scene: PerceivedScene) -> None:
    """Refuse phrases that name things the robot does not know or cannot see."""
    for m in re.finditer(r"\b(?:the|a|an|my)\s+(\w+)(?:\s+(\w+))?", clause):
        first, second = m.group(1), m.group(2)
        if first in OTHER_COLORS:
            raise refuse(f"I can't see a {first} {second or 'object'} here.", scene)
        if first in COLORS and second is not None and second not in NOUNS:
            raise refuse(f"I can't see a {first} {second} here.", scene)
        if first in COLORS or first in NOUNS or first in FILLER or first in ("rest", "blocks"):
            continue
        if first in ("way", "end", "same", "table"):
            continue
        raise refuse(f"I don't know what '{first}' is.", scene)
    for noun in NOUNS:
        if noun != "block" and re.search(rf"\b{noun}\b", clause) and noun not in scene.objects:
            raise refuse(f"There is no {noun} here.", scene)


def _destination(clause: str):
    """The preposition that starts the destination ("in the bowl", "on top of the red block")."""
    matches = list(PREPOSITION.finditer(clause))
    # "to" is weak ("I want you to put..."): use it only when no other preposition leads anywhere.
    matches = [m for m in matches if m.group(0) != "to"] + [
        m for m in matches if m.group(0) == "to"
    ]
    for m in matches:
        rest = clause[m.end() :]
        if re.search(r"\b(block|bowl|bin|drawer|button|light|table)\b|^\s*(it|there)?\s*$", rest):
            if m.group(0) == "on" and re.match(r"\s*(and|then)\b", rest):
                continue
            return m
    return None


# ----------------------------------------------------------------------------- ordering
def order_goals(goals: list[Goal], scene: PerceivedScene) -> list[PlannedStep]:
    """Skill calls for the goals in the order given, with precondition steps inserted and
    goals that already hold skipped."""
    state = scene.symbolic()
    steps: list[PlannedStep] = []

    def do(call: SkillCall) -> None:
        nonlocal state
        steps.append(PlannedStep(skill=call.skill, args=call.args, instruction=call.instruction()))
        state = apply_effects(call, state)

    for goal in goals:
        for call in _calls_for(goal, state, scene):
            if (
                call.skill == "pick_place"
                and call.args["target"] == "drawer"
                and not state.drawer_open
            ):
                do(SkillCall(skill="open_drawer"))
            reasons = unmet_preconditions(call, state)
            if reasons:
                raise refuse(f"Cannot {call.instruction()}: {'; '.join(reasons)}.", scene)
            do(call)
    return steps


def _calls_for(goal: Goal, state: SymbolicState, scene: PerceivedScene) -> list[SkillCall]:
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
            raise refuse(
                f"The {spoken(target)} is on the {spoken(block)}; stack the other way round.", scene
            )
        return [SkillCall(skill="stack", args={"object": block, "base": target})]
    if state.placement.get(block) == ("in", target):
        return []
    return [SkillCall(skill="pick_place", args={"object": block, "target": target})]
