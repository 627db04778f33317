"""Noun phrases and where they point: colours, quantities, "the other one", "it", "the rest".

A clause is cut into a head (what is acted on), a destination ("into the bin", "on the green
one"), a source ("from the bowl") and an exclusion ("except the blue one"); each part is read as
a `NounPhrase`, and `Discourse` resolves it against the scene and what the chore said before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.perception import PerceivedScene
from agent.planners.local.lexicon import (
    COLLECTIVES,
    COLOURS,
    DESTINATION_PREPS,
    NUMBERS,
    OTHER_COLOURS,
    OTHERS,
    RECEPTACLES,
    SOURCE_PREPS,
    VERBS,
)
from skills.symbolic import SymbolicState
from skills.vocabulary import spoken


class NotUnderstood(ValueError):
    """A part of the chore the planner cannot read; `rewrites` are chores that may be meant."""

    def __init__(
        self,
        reason: str,
        rewrites: tuple[tuple[str, str], ...] = (),
        closest: str | None = None,
    ):
        super().__init__(reason)
        self.reason = reason
        self.rewrites = rewrites  # (word in the chore, words to try instead)
        self.closest = closest  # a reading to offer when no rewrite plans
        self.understood: list = []  # the goals read before the failure


@dataclass
class NounPhrase:
    words: list[str]
    colours: list[str] = field(default_factory=list)
    unknown_colour: str | None = None
    noun: str | None = None  # block, bowl, bin, drawer, button, light, table, or None
    pronoun: str | None = None  # it, them, there
    quantity: int | None = None
    definite: bool = False
    collective: bool = False
    other: bool = False
    plural: bool = False

    @property
    def empty(self) -> bool:
        return not (self.colours or self.noun or self.pronoun or self.collective or self.other)

    @property
    def names_blocks(self) -> bool:
        return bool(self.colours or self.other or self.collective or self.noun == "block") or (
            self.quantity is not None and self.noun in (None, "block")
        )


def read_phrase(words: list[str]) -> NounPhrase:
    """What a span of words refers to (the verbs and framing words in it are skipped)."""
    np = NounPhrase(words=list(words))
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        prev = words[i - 1] if i else ""
        if word in COLOURS:
            np.colours.append(word)
        elif word in OTHER_COLOURS:
            np.unknown_colour = word
        elif word in ("block", "one") and not (word == "one" and nxt in ("of", "block", "blocks")):
            np.noun = np.noun or "block"
        elif word in ("blocks", "ones"):
            np.noun, np.plural = np.noun or "block", True
        elif word in ("bowl", "bin", "drawer", "button", "light", "table", "ontable"):
            np.noun = "table" if word == "ontable" else word
        elif word in ("it", "that", "this"):
            np.pronoun = np.pronoun or "it"
        elif word in ("them", "they", "those", "these"):
            np.pronoun, np.plural = "them", True
        elif word == "there":
            np.pronoun = "there"
        elif word in COLLECTIVES:
            np.collective = True
        elif word in OTHERS:
            np.other = True
            np.plural |= word in ("others", "rest", "remaining")
        elif word in NUMBERS and not (word == "one" and prev in COLOURS):
            np.quantity = NUMBERS[word]
            np.plural |= NUMBERS[word] > 1
        elif word in ("a", "an", "any") and nxt not in ("couple",):
            np.quantity = np.quantity or 1
        elif word == "the":
            np.definite = True
    if np.collective and np.quantity == 1 and "any" in words:
        np.collective = False  # "any one of the blocks"
    if np.collective:
        np.quantity = None
    return np


@dataclass
class ClauseParts:
    head: list[str]
    destination: tuple[str, NounPhrase] | None = None  # (preposition, phrase)
    location: tuple[str, NounPhrase] | None = None  # "the block in the bowl"
    source: NounPhrase | None = None
    exclusion: NounPhrase | None = None


def cut_clause(words: list[str]) -> ClauseParts:
    """Head, destination, location, source and exclusion of one clause."""
    exclusion = None
    if "except" in words:
        at = words.index("except")
        end = next(
            (j for j in range(at + 1, len(words)) if words[j] in DESTINATION_PREPS | VERBS),
            len(words),
        )
        exclusion = read_phrase(words[at + 1 : end])
        words = words[:at] + words[end:]
    source = None
    if "from" in words:
        at = words.index("from")
        end = next(
            (j for j in range(at + 1, len(words)) if words[j] in DESTINATION_PREPS | VERBS),
            len(words),
        )
        source = read_phrase(words[at + 1 : end])
        words = words[:at] + words[end:]
    preps = [i for i, w in enumerate(words) if w in DESTINATION_PREPS | SOURCE_PREPS]
    found: list[tuple[int, str, NounPhrase]] = []
    for n, i in enumerate(preps):
        end = preps[n + 1] if n + 1 < len(preps) else len(words)
        span = [w for w in words[i + 1 : end] if w not in VERBS]
        np = read_phrase(span)
        if words[i] == "there":
            np = read_phrase(["there"])
        if _is_destination(words[i], np):
            found.append((i, words[i], np))
    if not found:
        if words and words[-1] in ("in", "inside", "into"):  # "put the green block inside"
            return ClauseParts(words[:-1], ("in", read_phrase(["there"])), None, source, exclusion)
        return ClauseParts(words, None, None, source, exclusion)
    i, prep, np = found[-1]
    location = None
    if len(found) > 1:
        j, loc_prep, loc_np = found[-2]
        location = (loc_prep, loc_np)
        head = words[:j]
    else:
        head = words[:i]
    return ClauseParts(head, (prep, np), location, source, exclusion)


def _is_destination(prep: str, np: NounPhrase) -> bool:
    if prep == "there":
        return True
    if np.noun in ("light", "button"):  # "turn on the light": a state, not a place
        return False
    if prep == "on" and np.empty:  # "switch it on"
        return False
    if prep == "to" and not (np.noun or np.colours or np.pronoun or np.other):
        return False  # "to end up", "to be"
    return not np.empty


@dataclass
class Discourse:
    """What the chore has said so far, for 'it', 'them', 'there', 'the other one', 'the rest'."""

    scene: PerceivedScene
    state: SymbolicState
    mentioned: list[str] = field(default_factory=list)
    last_blocks: list[str] = field(default_factory=list)
    last_receptacle: str | None = None
    last_destination: str | None = None
    last_placed: str | None = None
    pending: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # notes on blocks chosen for "two blocks"

    def blocks(self) -> list[str]:
        return self.scene.blocks()

    def mention(self, blocks: list[str]) -> None:
        self.mentioned += [b for b in blocks if b not in self.mentioned]
        if blocks:
            self.last_blocks = list(blocks)

    def resolve_blocks(
        self, np: NounPhrase, location: tuple[str, str] | None = None, avoid: tuple = ()
    ) -> tuple[list[str], bool]:
        """The blocks a phrase names, and whether they were chosen collectively ("all", "two")."""
        if np.unknown_colour:
            raise NotUnderstood(f"I can't see a {np.unknown_colour} block here.")
        if np.colours:
            return [self.block_of(c) for c in np.colours], False
        if np.pronoun in ("it", "them"):
            if self.pending:
                return list(self.pending), False
            if np.collective:
                return self.collect(location), True
            if self.last_blocks:
                return list(self.last_blocks), False
            word = "them" if np.pronoun == "them" else "it"
            raise NotUnderstood(f"I don't know what '{word}' refers to; name the block.")
        candidates = self.collect(location)
        if np.other:
            return self.others(np, candidates, avoid), False
        if np.collective or (np.plural and np.definite and np.quantity is None):
            return candidates, True
        if np.quantity is not None:
            if np.definite and np.quantity == len(candidates):
                return candidates, False  # "the two blocks" with two on the table
            return self.choose(np.quantity, candidates, avoid), True
        if location is not None and len(candidates) == 1:
            return candidates, False
        if len(self.blocks()) == 1:
            return self.blocks(), False
        options = ", ".join(spoken(b) for b in candidates or self.blocks())
        raise NotUnderstood(
            f"Which block? I can see: {options}.",
            tuple(("block", f"{spoken(b)}") for b in candidates or self.blocks()),
        )

    def block_of(self, colour: str) -> str:
        block = f"{colour}_block"
        if block not in self.scene.objects:
            seen = [b.removesuffix("_block") for b in self.blocks()]
            unused = [c for c in seen if f"{c}_block" not in self.mentioned]
            raise NotUnderstood(
                f"There is no {colour} block here; I see {', '.join(seen)} blocks.",
                tuple((colour, c) for c in unused + [c for c in seen if c not in unused]),
            )
        return block

    def collect(self, location: tuple[str, str] | None) -> list[str]:
        """Every block, or those at `location` ("the blocks in the bowl"), topmost first."""
        blocks = [b for b in self.blocks() if location is None or self.at(b, location)]
        return sorted(blocks, key=lambda b: -self.height(b))

    def at(self, block: str, location: tuple[str, str]) -> bool:
        return self.state.placement.get(block) == location

    def height(self, block: str) -> int:
        rel, other = self.state.placement.get(block, ("on", "table"))
        return 1 + self.height(other) if rel == "on" and other in self.state.placement else 0

    def others(self, np: NounPhrase, candidates: list[str], avoid: tuple) -> list[str]:
        if not self.mentioned and not avoid:
            raise NotUnderstood(
                "'The other one' or 'the rest': other than which block? Name a block first."
            )
        rest = [b for b in candidates if b not in self.mentioned and b not in avoid]
        if np.quantity is not None and np.quantity != len(rest):
            raise NotUnderstood(
                f"There are {len(rest)} other blocks, not {np.quantity}: "
                + ", ".join(spoken(b) for b in rest)
                + "."
            )
        if not rest:
            raise NotUnderstood("There is no other block left.")
        if not np.plural and np.quantity is None and len(rest) > 1:
            raise NotUnderstood(
                "Which other block? I can see: " + ", ".join(spoken(b) for b in rest) + ".",
                tuple(("other", spoken(b).split()[0]) for b in rest),
            )
        return rest

    def choose(self, n: int, candidates: list[str], avoid: tuple) -> list[str]:
        """`n` blocks for "two blocks": ones not named elsewhere, reachable, free on top."""
        pool = [b for b in candidates if b not in self.mentioned and b not in avoid]
        if len(pool) < n:
            total = len(self.blocks())
            raise NotUnderstood(
                f"There are only {total} blocks here, so I can't take {n}"
                + (f" ({len(pool)} not already named)." if len(pool) != total else "."),
                (("quantity", "all"),),
            )
        ranked = sorted(pool, key=lambda b: (not self.state.is_reachable(b), self.height(b) > 0))
        chosen = sorted(ranked[:n], key=lambda b: -self.height(b))
        self.choices.append(
            f"chose {' and '.join('the ' + spoken(b) for b in chosen)} for '{n} block"
            f"{'s' if n > 1 else ''}'"
        )
        return chosen

    def resolve_target(self, prep: str, np: NounPhrase, moving: list[str]) -> str:
        """Where blocks go: a receptacle, or a block to stack on."""
        if np.pronoun == "there" or (np.pronoun == "it" and prep in ("in", "into", "inside")):
            target = self.last_receptacle or self.last_destination
            if target is None:
                raise NotUnderstood("I don't know where 'there' is; name the bowl, bin or drawer.")
            return target
        if np.pronoun == "it":  # "on it", "on top of it": the block placed last
            if self.last_placed is None:
                raise NotUnderstood("I don't know what 'on it' refers to; name the block.")
            return self.last_placed
        if np.noun in RECEPTACLES:
            if np.noun not in self.scene.objects:
                raise NotUnderstood(f"There is no {np.noun} here.")
            return np.noun
        if np.noun in ("table", "light", "button"):
            raise NotUnderstood(
                "Blocks can go in the bowl, the bin or the drawer, or on another block, "
                f"not on the {np.noun}."
            )
        if np.names_blocks or np.unknown_colour:
            blocks, _ = self.resolve_blocks(np, avoid=tuple(moving))
            if len(blocks) != 1:
                raise NotUnderstood("A block can be stacked on only one other block.")
            return blocks[0]
        raise NotUnderstood(f"I don't know where '{' '.join(np.words)}' is.")
