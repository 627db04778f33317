"""Spoken-alike correction: a heard word outside the planner's vocabulary becomes the known word
that sounds most like it ("ramp" -> "lamp", "Cut the green cube" -> "Put the green cube").

The vocabulary is the local planner's own (agent/planners/local/lexicon.py: its words, synonyms
and phrases), so what voice accepts and what the planner reads cannot drift apart. Known
mishearings come from the lexicon's `HEARD_AS`, which names the planner's word ("ramp" -> light);
the user is told the spoken-alike word among that word's synonyms ("lamp"), because an echo of
"ramp" -> "light" reads like a guess. Other unknown words are matched by sound: a small phonetic
spelling and an edit distance where confusable sounds (r/l, p/b/t/k, m/n, vowels) cost less.
A word with no close match, or two equally close, is left alone: the planner then refuses it
and names it, which beats a confident wrong plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from agent.planners.local.lexicon import CORRECTABLE, HEARD_AS, KNOWN, PHRASES, WORDS
from skills.vocabulary import ALL_OBJECTS, spoken

# How far a heard word may sound from a known one: one mild slip in a short word ("ramp" ->
# "lamp"), two in a longer one ("bottom" -> "button"); more turns "dance" into "bins".
SHORT_WORD_SOUNDS = 4
MAX_DISTANCE_SHORT = 0.5
MAX_DISTANCE_LONG = 1.0


@dataclass(frozen=True)
class Correction:
    heard: str
    meant: str

    def to_json(self) -> dict:
        return {"heard": self.heard, "as": self.meant}


@dataclass(frozen=True)
class Heard:
    """A transcript after correction: `text` is what the planner gets."""

    text: str
    corrections: tuple[Correction, ...] = ()

    def echo(self) -> str:
        """'heard "ramp" as "lamp"; "cut" as "put"' (empty when nothing was corrected)."""
        if not self.corrections:
            return ""
        return "heard " + "; ".join(f'"{c.heard}" as "{c.meant}"' for c in self.corrections)


@cache
def vocabulary() -> frozenset[str]:
    """Every word the planner reads: its known words, synonyms and the words of its phrases."""
    phrase_words = {w for phrase in PHRASES for w in phrase.split()}
    return KNOWN | frozenset(w for w in WORDS if w.isalpha()) | frozenset(phrase_words)


@cache
def targets() -> frozenset[str]:
    """Words a misheard word may become: the planner's content words and their synonyms."""
    synonyms = {w for w, canonical in WORDS.items() if canonical in CORRECTABLE and w.isalpha()}
    return CORRECTABLE | frozenset(synonyms)


def correct_transcript(text: str, objects: Iterable[str] | None = None) -> Heard:
    """`text` with every unknown word that sounds like a known one replaced, case kept.

    `objects` (perceived ids) break ties toward what the robot sees.
    """
    present = {w for o in (ALL_OBJECTS if objects is None else objects) for w in spoken(o).split()}
    corrections: list[Correction] = []

    def fix(match: re.Match) -> str:
        word = match.group(0)
        meant = nearest(word.lower(), present)
        if meant is None:
            return word
        corrections.append(Correction(word.lower(), meant))
        return meant.capitalize() if word[0].isupper() else meant

    # Words with apostrophes ("don't", "robot's") are the planner's to expand, never corrected.
    fixed = re.sub(r"(?<!['’])\b[A-Za-z]+\b(?!['’])", fix, text)
    return Heard(fixed, tuple(corrections))


def nearest(word: str, present: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The known word `word` was most likely said as, or None when it is known or none is close."""
    if word in vocabulary() or len(word) < 3:
        return None
    if word in HEARD_AS:  # a known mishearing: say it as the synonym it sounds like
        meant = HEARD_AS[word]
        same = [w for w in targets() | {meant} if WORDS.get(w, w) == meant and w.isalpha()]
        return min(same, key=lambda w: (sound_distance(word, w), w != meant, w))
    scored = sorted((sound_distance(word, t), t) for t in targets())
    best = scored[0][0]
    short = len(sounds(word)) <= SHORT_WORD_SOUNDS
    limit = MAX_DISTANCE_SHORT if short else MAX_DISTANCE_LONG
    if best > limit:
        return None
    tied = [t for d, t in scored if d == best]
    if len(tied) > 1:
        tied = [t for t in tied if t in present]
    return tied[0] if len(tied) == 1 else None


# Spelling to sound, in order: digraphs first, then single letters ('c' before e/i/y is 's').
_SPELLING = (
    (r"^kn", "n"),
    (r"^wr", "r"),
    (r"tch|ch", "C"),
    (r"sh|ti(?=on)", "S"),
    (r"th", "T"),
    (r"ph", "f"),
    (r"wh", "w"),
    (r"ck|q", "k"),
    (r"x", "ks"),
    (r"igh", "I"),
    (r"gh", ""),
    (r"mb$", "m"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"ee|ea|ie", "i"),
    (r"oo|ew|ue", "u"),
    (r"ow$|oa|ou(?=l)", "o"),
    (r"ou|ow", "W"),
    (r"ai|ay|ei|ey", "A"),
    (r"(?<=[^aeiou])e$", ""),  # a silent final e: "cube", "close"
    (r"(?<=[^aeiou])es$", "s"),
    (r"y$", "i"),
    (r"(.)\1", r"\1"),  # doubled letters sound once
)
# Vowels by where the tongue is: swapping front and back ("cup" / "keep") is not a slip.
_VOWEL_SIDE = {"i": 0, "e": 0, "A": 0, "y": 0, "a": 1, "I": 1, "u": 2, "o": 2, "W": 2}
_VOWELS = set(_VOWEL_SIDE)
# Sounds that a recogniser or a speaker easily swaps; each pair costs half a substitution.
_CLOSE_PAIRS = {
    frozenset(p)
    for p in ("rl", "pb", "td", "kg", "mn", "fv", "sz", "jy", "SC", "Tf", "pt", "tk", "kp", "bd")
    + ("dg", "bg", "mb", "nd", "vb", "fp", "nl", "wl", "wr", "sS")
}


@cache
def sounds(word: str) -> str:
    """A rough phonetic spelling: "lamb" -> "lam", "cube" -> "kub", "shut" -> "Sut"."""
    word = word.lower()
    for pattern, sound in _SPELLING:
        word = re.sub(pattern, sound, word)
    return word


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if a in _VOWELS and b in _VOWELS:
        return 0.6 if abs(_VOWEL_SIDE[a] - _VOWEL_SIDE[b]) == 2 else 0.25
    return 0.5 if frozenset((a, b)) in _CLOSE_PAIRS else 1.0


def _indel(a: str) -> float:
    return 0.5 if a in _VOWELS or a in "hwr" else 1.0


@cache
def sound_distance(a: str, b: str) -> float:
    """Weighted edit distance between the phonetic spellings of two words."""
    x, y = sounds(a), sounds(b)
    row = [0.0]
    for cb in y:
        row.append(row[-1] + _indel(cb))
    for ca in x:
        prev, row[0] = row[0], row[0] + _indel(ca)
        for j, cb in enumerate(y, 1):
            prev, row[j] = (
                row[j],
                min(row[j] + _indel(ca), row[j - 1] + _indel(cb), prev + _substitution(ca, cb)),
            )
    return row[-1]
