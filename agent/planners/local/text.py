"""From what was typed or heard to clauses of known words.

Contractions are expanded (so "don't" keeps its "not"), synonyms and gerunds become the planner's
words, words misheard by speech recognition are corrected to the nearest known word (and the
correction is reported), and the chore is cut into clauses, one goal or action each.
"""

from __future__ import annotations

import re

from agent.planners.local.lexicon import (
    COLOURS,
    CORRECTABLE,
    HEARD_AS,
    KNOWN,
    PHRASES,
    VERBS,
    WORDS,
)

CONTRACTIONS = (
    (r"\bcan'?t\b", "can not"),
    (r"\bwon'?t\b", "will not"),
    (r"n't\b", " not"),
    (r"'d\b", " would"),
    (r"'re\b", " are"),
    (r"'ll\b", " will"),
    (r"'m\b", " am"),
    (r"'ve\b", " have"),
    (r"\b(it|that|what|there|here|who|where)'s\b", r"\1 is"),
    (r"'s\b", ""),  # a possessive ("the robot's") adds nothing here
)
_PHRASES = sorted(PHRASES.items(), key=lambda kv: -len(kv[0]))


def normalize(chore: str) -> tuple[list[str], list[str]]:
    """The chore as known words and clause marks (',' '.'), and the hearing corrections made."""
    text = chore.lower().replace("’", "'").replace("‘", "'")
    for pattern, repl in CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"[?!:;]", ".", text)
    text = re.sub(r"[^a-z0-9,. ]+", " ", text)
    text = re.sub(r"([,.])", r" \1 ", text)
    text = " " + re.sub(r"\s+", " ", text).strip() + " "
    for phrase, repl in _PHRASES:
        text = text.replace(f" {phrase} ", f" {repl} " if repl else " ")
        text = text.replace(f" {phrase} ", f" {repl} " if repl else " ")  # overlapping matches
    words, notes = [], []
    for word in text.split():
        word = WORDS.get(word, word)
        if word not in KNOWN and word not in ",.":
            heard = correct(word)
            if heard is not None:
                notes.append(f"heard '{word}' as '{heard}'")
                word = WORDS.get(heard, heard)
        words.append(word)
    return words, notes


def correct(word: str) -> str | None:
    """The known word a recogniser most likely turned into `word`, or None when none is close."""
    if word in HEARD_AS:
        return HEARD_AS[word]
    if len(word) < 3:
        return None
    limit = 1 if len(word) < 7 else 2  # two edits only in long words: "juggle" is not "toggle"
    scored = sorted((edit_distance(word, known), known) for known in CORRECTABLE)
    best = [known for d, known in scored if d == scored[0][0]]
    if scored[0][0] <= limit and len(best) == 1:
        return best[0]
    return None


def nearest_known(word: str) -> str | None:
    """A looser match than `correct`, for the 'did you mean' of a refusal."""
    scored = sorted((edit_distance(word, known), known) for known in CORRECTABLE)
    return scored[0][1] if scored and scored[0][0] <= max(2, len(word) // 2) else None


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def split_clauses(words: list[str]) -> list[list[str]]:
    """Cut at punctuation, 'then', and at 'and'/'but' unless they join colours ("red and blue")."""
    clauses: list[list[str]] = [[]]
    earlier: list[int] = []  # clauses introduced by "after": they happen before the one they follow
    for i, word in enumerate(words):
        if word in ("before", "after") and clauses[-1]:  # "X before Y", "X after you Y"
            if word == "after":
                earlier.append(len(clauses))
            clauses.append([])
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        prev = words[i - 1] if i else ""
        joins_colours = prev in COLOURS and (nxt in COLOURS or nxt == "the")
        if word == "by":  # "clear the table by putting ... in the bin": the means is the goal
            clauses[-1] = []
            continue
        if word in (",", ".", "then") or (word in ("and", "but") and not joins_colours):
            if word == "but" and _starts_exclusion(clauses[-1], nxt):
                clauses[-1].append("except")
                continue
            clauses.append([])
            continue
        clauses[-1].append(word)
    for at in earlier:  # "close the drawer after you put the red block in": put, then close
        if at < len(clauses):
            clauses.insert(at - 1, clauses.pop(at))
    return [c for c in clauses if c]


def _starts_exclusion(clause: list[str], nxt: str) -> bool:
    """'all but the blue one', 'everything but ...': 'but' means 'except' after a collective."""
    return bool(clause) and clause[-1] in ("all", "everything", "blocks") and nxt not in VERBS
