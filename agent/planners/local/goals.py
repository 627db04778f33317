"""A grammar of goals: each clause becomes end states ("the red block in the bowl", "the drawer
closed", "the light on"), an action (press the button), or blocks held for a later clause.

Commands and end states read alike: "close the drawer", "make sure the drawer ends up closed" and
"I'd like the drawer closed" all name the drawer and the state 'closed'. What decides is which
things a clause names and in which role, not its verb; the verb only settles what the objects
alone cannot (press vs. open, pick up vs. put).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.planners.local.lexicon import (
    COLOURS,
    EMPTY_VERBS,
    KEEP_VERBS,
    KNOWN,
    LIGHT_VERBS,
    NEGATIONS,
    NUMBERS,
    OTHER_COLOURS,
    PRESS_VERBS,
    VERBS,
)
from agent.planners.local.phrases import (
    ClauseParts,
    Discourse,
    NotUnderstood,
    NounPhrase,
    cut_clause,
    read_phrase,
)
from agent.planners.local.text import nearest_known
from skills.vocabulary import spoken

# Words that make a drawer or light goal an end state, enforced after everything else.
FINAL_WORDS = frozenset({"leave", "keep", "end", "ends", "stay", "remain", "finally", "afterwards"})


@dataclass(frozen=True)
class Goal:
    kind: str  # "place", "drawer", "light", "press", "keep"
    block: str | None = None
    target: str | None = None  # bowl / bin / drawer / a block id
    value: bool | None = None  # drawer open? light on?
    final: bool = False  # an end state ("... ends up closed"): it holds when the plan ends
    collective: bool = False  # from "everything", "two blocks": an exclusion may drop it

    def describe(self) -> str:
        if self.kind == "place":
            verb = "stack" if self.target not in ("bowl", "bin", "drawer") else "put"
            prep = "on" if verb == "stack" else "in"
            return f"{verb} the {spoken(self.block)} {prep} the {spoken(self.target)}"
        if self.kind == "drawer":
            return "open the drawer" if self.value else "close the drawer"
        if self.kind == "light":
            return f"turn the light {'on' if self.value else 'off'}"
        if self.kind == "keep":
            return f"leave the {spoken(self.block)} where it is"
        return "press the button"


def read_clause(words: list[str], talk: Discourse) -> list[Goal]:
    """The goals of one clause; raises NotUnderstood naming what could not be read."""
    for i, word in enumerate(words):
        if word not in KNOWN:
            guess = nearest_known(word)
            rewrites = ((word, guess),) if guess else ()
            if i and (words[i - 1] in COLOURS or words[i - 1] in OTHER_COLOURS):
                raise NotUnderstood(f"I can't see a {words[i - 1]} {word} here.", rewrites)
            raise NotUnderstood(
                f"I don't know how to '{' '.join(words)}': '{word}' is not a word I know.",
                rewrites,
            )
    if "beside" in words:
        raise NotUnderstood(
            "I can put blocks in the bowl, bin or drawer or on a block, not beside."
        )
    negated = bool(NEGATIONS & set(words))
    final = bool(FINAL_WORDS & set(words))
    verbs = [w for w in words if w in VERBS]
    parts = cut_clause(words)
    head = read_phrase(parts.head)
    light_words = set(verbs) & (PRESS_VERBS | LIGHT_VERBS) or _light_state(words)
    if head.noun in ("light", "button") or (
        not head.names_blocks and parts.destination is None and light_words
    ):
        return _light(words, verbs, negated, final, talk)
    if head.noun == "drawer" and parts.destination is None and _drawer_state(words) is None:
        return []  # "the drawer, I mean": an aside naming what 'it' was
    if (head.noun == "drawer" or not head.names_blocks) and _drawer_state(words) is not None:
        if parts.destination is None or head.noun == "drawer":
            talk.last_receptacle = "drawer"
            value = _drawer_state(words) != negated
            return [Goal("drawer", value=value, final=final)]
    stays = parts.destination is None or parts.destination[1].noun == "table"
    if negated or "alone" in words or (set(verbs) & KEEP_VERBS and stays):
        return _keep(parts, head, negated, talk)
    return _placement(parts, head, verbs, words, talk)


def _light_state(words: list[str]) -> bool:
    return "on" in words or "off" in words


def _drawer_state(words: list[str]) -> bool | None:
    """True for open, False for closed, None when the clause says neither."""
    if "close" in words or ("push" in words and "button" not in words):
        return False
    if "open" in words or "pull" in words:
        return True
    return None


def _light(words, verbs, negated, final, talk: Discourse) -> list[Goal]:
    if "on" in words or "off" in words:
        value = ("on" in words) != negated
        return [Goal("light", value=value, final=final)]
    if negated:
        raise NotUnderstood("I don't know what not to do with the button.", (("not", ""),))
    if not set(verbs) & (PRESS_VERBS | {"push"}) and "light" not in words:
        raise NotUnderstood("Should the light be on or off?", (("light", "light on"),))
    return [Goal("press")] * _times(words)


def _times(words: list[str]) -> int:
    if "twice" in words:
        return 2
    for i, word in enumerate(words[:-1]):
        if word in NUMBERS and words[i + 1] in ("times", "time"):
            return NUMBERS[word]
    return 1


def _keep(parts: ClauseParts, head: NounPhrase, negated: bool, talk: Discourse) -> list[Goal]:
    """'leave the blue one where it is', "don't touch the red block"."""
    if parts.destination is not None or not head.names_blocks:
        keep = ""
        if head.names_blocks:
            blocks, _ = talk.resolve_blocks(head)
            keep = ", ".join(Goal("keep", block=b).describe() for b in blocks)
        raise NotUnderstood(
            "I can't follow 'not' or 'leave' here; say what should be done instead.",
            closest=keep or None,
        )
    blocks, _ = talk.resolve_blocks(head)
    talk.mention(blocks)
    return [Goal("keep", block=b) for b in blocks]


def _placement(parts: ClauseParts, head: NounPhrase, verbs, words, talk: Discourse) -> list[Goal]:
    location = None
    if parts.location is not None and parts.location[1].noun in ("bowl", "bin", "drawer"):
        location = ("in", parts.location[1].noun)
    if parts.location is not None and parts.location[1].noun == "table":
        location = ("on", "table")  # "everything on the table"
    if parts.location is not None and parts.location[1].names_blocks:
        # "the red block on the blue block on the green one": a tower or a description; ask
        moving, _ = talk.resolve_blocks(head)
        base, _ = talk.resolve_blocks(parts.location[1])
        raise NotUnderstood(
            "I can't tell which block is the destination here; stack one block per clause.",
            closest=Goal("place", block=moving[0], target=base[0]).describe(),
        )
    if parts.source is not None and parts.source.noun in ("bowl", "bin", "drawer"):
        location = ("in", parts.source.noun)
    if head.empty and not head.quantity and set(verbs) & EMPTY_VERBS:
        raise NotUnderstood("What should be emptied?")
    if head.noun in ("bowl", "bin", "drawer") and not head.names_blocks:
        if not set(verbs) & EMPTY_VERBS and not (head.collective or head.pronoun):
            if parts.destination is None and talk.pending:  # "yellow block, bowl"
                return _send(talk.pending, head.noun, False, talk)
            raise NotUnderstood(
                f"The {head.noun} cannot be picked up; only blocks can be moved.",
            )
        location = ("in", head.noun)  # "empty the bowl into the bin"
        head = read_phrase(["everything"])
    if head.empty and not head.quantity:
        if location is not None:
            head = read_phrase(["everything"])
        elif talk.pending and parts.destination is not None:
            return _send(talk.pending, _target(parts, talk.pending, talk), False, talk)
        elif not verbs and parts.destination is None:
            return []
        else:
            raise NotUnderstood(f"I don't know how to '{' '.join(words)}'.")
    blocks, collective = talk.resolve_blocks(head, location)
    if parts.exclusion is not None:
        excluded, _ = talk.resolve_blocks(parts.exclusion)
        talk.mention(excluded)
        blocks = [b for b in blocks if b not in excluded]
    if parts.destination is None:
        if "too" in words and talk.last_destination:  # "... and the blue one too"
            return _send(blocks, talk.last_destination, collective, talk)
        talk.pending += [b for b in blocks if b not in talk.pending]  # "pick up the red block"
        talk.mention(blocks)
        return []
    if not verbs and talk.pending and not head.pronoun:  # "put the red block and the blue one in"
        blocks = talk.pending + [b for b in blocks if b not in talk.pending]
    return _send(blocks, _target(parts, blocks, talk), collective, talk)


def _target(parts: ClauseParts, moving: list[str], talk: Discourse) -> str:
    prep, np = parts.destination
    return talk.resolve_target(prep, np, moving)


def _send(blocks: list[str], target: str, collective: bool, talk: Discourse) -> list[Goal]:
    if blocks == [target]:
        raise NotUnderstood(f"The {spoken(target)} cannot be stacked on itself.")
    talk.mention(blocks)
    talk.pending = [b for b in talk.pending if b not in blocks]
    talk.last_destination = target
    if target in ("bowl", "bin", "drawer"):
        talk.last_receptacle = target
    moving = [b for b in blocks if b != target]
    if moving:
        talk.last_placed = moving[-1]
    return [Goal("place", block=b, target=target, collective=collective) for b in moving]
