"""Vocabulary biasing: steer the recogniser toward the words the robot can act on.

Two cues, both spoken the way people say them ("red block", not "red_block"):
- a prompt of example commands written from every skill's template and paraphrases, cycling
  through all the objects a skill accepts (Whisper reads it as the text that came before, so the
  phrasing and the names in it become likely);
- hotwords: the objects of the current scene, so what the robot sees is favoured most.
All object names stay in the prompt even when a scene lacks them: a user who names an absent block
must be heard correctly, so that the planner can refuse clearly instead of acting on another block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.planners.local.lexicon import PHRASES, WORDS
from skills.library import SKILLS
from skills.vocabulary import ALL_OBJECTS, BLOCKS, FIXTURES, RECEPTACLES, spoken

# Chore-shaped sentences: the connectives and quantifiers of multi-step chores ("then", "it",
# "all the blocks", "everything") that skill templates lack. Each names a different receptacle and
# the prompt does not end on the drawer: Whisper leans on the most recent prompt words, and a
# drawer-heavy ending made tiny.en hear "bowl" as "drawer".
CHORE_EXAMPLES: tuple[str, ...] = (
    "Put all the blocks in the bowl.",
    "Open the drawer, then put the green block in it and close it.",
    "Put everything in the bin.",
)


@dataclass(frozen=True)
class Biasing:
    """What the recogniser is given: `prompt` (previous text) and `hotwords` (scene objects)."""

    prompt: str
    hotwords: str


def skill_sentences() -> list[str]:
    """Every skill instruction once, its arguments filled by cycling through their choices."""
    sentences = []
    turn = 0  # one step per sentence, so every name comes round in every argument position
    for spec in SKILLS.values():
        for instruction in spec.instructions():
            args: dict[str, str] = {}
            for shift, param in enumerate(spec.params):
                choices = [c for c in param.choices if spoken(c) not in args.values()]
                args[param.name] = spoken(choices[(turn + shift) % len(choices)])
            turn += 1
            text = instruction.format(**args)
            sentences.append(text[0].upper() + text[1:] + ".")
    return sentences


def other_names() -> dict[str, list[str]]:
    """The planner's other names for each kind of object (its lexicon), each word said once:
    {"block": ["cube", ...], "bin": ["trash can", ..., "bucket", ...], "light": ["bulb"]}.

    Phrases come first and a name whose words were all said already is left out ("garbage bin"
    after "garbage can"), so that every word fits in Whisper's prompt.
    """
    kinds = ["block", *RECEPTACLES, *FIXTURES]
    names: dict[str, list[str]] = {kind: [] for kind in kinds}
    said = set(kinds)
    phrases = [(p, k) for p, k in PHRASES.items() if " " in p]
    singles = [(w, k) for w, k in WORDS.items() if w.isalpha() and w != k]
    for name, kind in [*phrases, *singles]:
        plural = name.endswith("s") and (name[:-1] in WORDS or name[:-1] in kinds)
        if kind in names and not plural and not set(name.split()) <= said:
            names[kind].append(name)
            said |= set(name.split())
    return names


def synonym_sentences() -> list[str]:
    """Commands that say every other name the planner accepts ("the red cube in the basket"),
    so that a user who says "lamp" or "dish" is heard saying it."""
    names = other_names()
    colours = [spoken(b).split()[0] for b in BLOCKS]
    places = [n for kind in RECEPTACLES for n in names[kind]]
    blocks = [f"the {colours[i % len(colours)]} {n}" for i, n in enumerate(names["block"])]
    fixtures = [n for kind in FIXTURES for n in names[kind]]
    return [
        f"Could you put {', '.join(blocks[:-1])} and {blocks[-1]} in the {places[0]}, please?",
        f"Then put it in the {', '.join(places[1:-1])} or {places[-1]}.",
        f"Then switch on the {', '.join(fixtures[:-1])} or {fixtures[-1]}.",
    ]


def biasing_prompt() -> str:
    """Example commands covering the whole skill vocabulary and the planner's other names for
    things (fits Whisper's 223-token prompt)."""
    return " ".join([*skill_sentences(), *synonym_sentences(), *CHORE_EXAMPLES])


def scene_hotwords(objects: Iterable[str]) -> str:
    """The scene's objects as spoken names, in the shared id order ("red block, bowl, ...")."""
    present = set(objects)
    return ", ".join(spoken(o) for o in ALL_OBJECTS if o in present)


def build_biasing(objects: Iterable[str] | None = None) -> Biasing:
    """Biasing for a scene's object ids; without a scene, every known object is a hotword."""
    return Biasing(
        prompt=biasing_prompt(),
        hotwords=scene_hotwords(ALL_OBJECTS if objects is None else objects),
    )
