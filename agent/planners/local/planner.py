"""The local planner: understands chores phrased the way people talk, with no model at all.

It reads a chore as goals over the perceived scene (text.py: words and clauses; goals.py: the
grammar of goals; phrases.py: references and quantities) and orders them into skill calls
(ordering.py). What it cannot read it refuses, naming the words it could not follow and the
closest reading it can plan, because a clear question costs less than a confident wrong plan.
"""

from __future__ import annotations

from agent.perception import PerceivedScene
from agent.planners.base import Plan, refuse
from agent.planners.local.goals import Goal, read_clause
from agent.planners.local.ordering import order_goals
from agent.planners.local.phrases import Discourse, NotUnderstood
from agent.planners.local.text import normalize, split_clauses
from skills.vocabulary import spoken


class LocalPlanner:
    """Rule-based chore understanding over the skill vocabulary and the perceived scene."""

    def plan(self, chore: str, scene: PerceivedScene) -> Plan:
        words, notes = normalize(chore)
        try:
            return self._plan(chore, words, notes, scene)
        except NotUnderstood as exc:
            heard = f" (I {'; '.join(notes)}.)" if notes else ""
            closest = self._closest(words, scene, exc)
            raise refuse(exc.reason + heard, scene, closest=closest) from None

    def _plan(self, chore: str, words: list[str], notes: list[str], scene) -> Plan:
        goals, talk = self._goals(words, scene)
        steps = order_goals(goals, scene)
        return Plan(chore=chore, steps=steps, notes=notes + talk.choices)

    def _goals(self, words: list[str], scene: PerceivedScene) -> tuple[list[Goal], Discourse]:
        if not [w for w in words if w not in ",."]:
            raise NotUnderstood("The command is empty: say what the robot should do.")
        talk = Discourse(scene=scene, state=scene.symbolic())
        goals: list[Goal] = []
        for clause in split_clauses(words):
            try:
                goals += read_clause(clause, talk)
            except NotUnderstood as exc:
                exc.understood = exc.understood or goals
                raise
        if talk.pending:
            names = " and ".join(f"the {spoken(b)}" for b in talk.pending)
            error = NotUnderstood(
                f"Where should {names} go? Say e.g. 'put it in the bowl'.",
                tuple(("", w) for w in ("in the bowl", "in the bin", "in the drawer")),
            )
            error.understood = goals
            raise error
        if not goals:
            raise NotUnderstood(f"I don't know how to do '{' '.join(words)}'.")
        return goals, talk

    def _closest(self, words, scene, exc: NotUnderstood, depth: int = 2) -> str | None:
        """The nearest chore this planner can plan: the refusal's own guesses first (tried, and
        their own guesses in turn), then what was understood before the failure, then an example
        over the things the chore named."""
        for old, new in exc.rewrites:
            rewritten = _rewrite(words, old, new)
            try:
                goals, _ = self._goals(rewritten, scene)
                order_goals(goals, scene)
            except NotUnderstood as again:
                deeper = self._closest(rewritten, scene, again, depth - 1) if depth > 1 else None
                if deeper and again.rewrites:
                    return deeper
                continue
            return _describe(goals)
        if depth < 2:
            return None
        if exc.closest:
            return exc.closest
        if exc.understood:
            return _describe(exc.understood) + " (the part I understood)"
        return _example(words, scene)


def _rewrite(words: list[str], old: str, new: str) -> list[str]:
    if not old:  # append: "pick up the red block" + "in the bowl"
        return words + new.split()
    if old == "quantity":
        return ["all" if w in ("two", "three", "four", "five", "six") else w for w in words]
    if old == "not":
        return [w for w in words if w not in ("not", "never", "no")]
    if old not in words:
        return words
    at = words.index(old)
    return words[:at] + new.split() + words[at + 1 :]


def _example(words: list[str], scene: PerceivedScene) -> str:
    """A chore over the blocks and receptacles the words named, or the scene's first block."""
    named = [b for b in scene.blocks() if b.removesuffix("_block") in words]
    block = (named or scene.blocks() or [""])[0]
    target = next((r for r in ("bowl", "bin", "drawer") if r in words), "bowl")
    return f"put the {spoken(block)} in the {target}" if block else "open the drawer"


def _describe(goals: list[Goal]) -> str:
    """Goals as one chore; blocks going to the same receptacle in a row are named together."""
    parts: list[str] = []
    i = 0
    while i < len(goals):
        goal, j = goals[i], i + 1
        if goal.kind == "place" and goal.target in ("bowl", "bin", "drawer"):
            while j < len(goals) and goals[j].kind == "place" and goals[j].target == goal.target:
                j += 1
        if j - i > 1:
            colours = [g.block.removesuffix("_block") for g in goals[i:j]]
            names = ", ".join(colours[:-1]) + f" and {colours[-1]}"
            parts.append(f"put the {names} blocks in the {goal.target}")
        else:
            parts.append(goal.describe())
        i = j
    return ", then ".join(parts)
