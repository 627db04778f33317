"""Paraphrase templates for benchmarks/planner_paraphrases.py, and the generator of its data file.

Each family is one kind of chore (a placement, a stack, a drawer or light end state, exclusions,
quantities, references, ...) with many phrasings. A phrasing is instantiated in scenes that suit it
(seeds 300-329, sometimes after a setup of skill calls applied symbolically), and its expected final
scene is written down from the slots. The split is by phrasing (a hash of its text), so a held-out
phrasing is never seen in the tuned third, not even with other colours.

    .venv/bin/python benchmarks/planner_paraphrase_templates.py   # rewrites the data file
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from robot_bridge.sim.sampling import sample_layout  # noqa: E402
from skills.library import SkillCall  # noqa: E402
from skills.symbolic import SymbolicState, apply_effects  # noqa: E402

DATA = Path(__file__).with_name("data") / "planner_paraphrases.jsonl"
SEEDS = range(300, 330)
COLOURS = ("red", "green", "blue", "yellow")
SURFACE = {  # how people name each receptacle
    "bowl": ("bowl", "dish", "bowl"),
    "bin": ("bin", "basket", "bucket", "trash can", "bin"),
    "drawer": ("drawer",),
}


@dataclass
class Scene:
    seed: int
    blocks: list[str]  # colours present
    drawer_open: bool
    light_on: bool
    setup: list[dict] = field(default_factory=list)


@dataclass
class Family:
    name: str
    phrasings: list[str]
    expect: Callable[[dict, Scene], dict]
    needs: Callable[[Scene], bool] = lambda s: True
    setup: Callable[[dict, Scene], list[dict]] | None = None
    receptacles: tuple[str, ...] = ("bowl", "bin", "drawer")


def split_of(text: str) -> str:
    """A third of phrasings, chosen by hash, is held out."""
    return "heldout" if int(hashlib.sha1(text.encode()).hexdigest(), 16) % 3 == 0 else "tuned"


def block(c: str) -> str:
    return f"{c}_block"


def on_table(s: Scene, *colours: str) -> dict:
    return {block(c): ["on", "table"] for c in colours}


FAMILIES: list[Family] = [
    Family(
        "place",
        [
            "put the {A} block in the {r}",
            "could you put the {A} block in the {r} please",
            "would you mind putting the {A} cube into the {r}",
            "I'd like the {A} block to end up in the {r}",
            "make sure the {A} block is in the {r}",
            "the {A} block should go in the {r}",
            "can you pop the {A} one in the {r}?",
            "drop the {A} brick into the {r} for me",
            "please place the {A} block inside the {r}",
            "get the {A} block into the {r}",
            "I want the {A} block in the {r}",
            "go ahead and move the {A} block to the {r}",
            "pick up the {A} block and put it in the {r}",
            "grab the {A} cube, then drop it in the {r}",
            "take the {A} block and stick it in the {r}",
            "the {A} block goes in the {r}",
            "{A} block in the {r} please",
            "kindly put the {A} block into the {r}",
            "would you put the {A} block in the {r}?",
            "put the {A} one in the {r}",
            "toss the {A} block in the {r}",
            "could you please move the {A} cube over to the {r}",
            "the {A} block belongs in the {r}",
            "when you get a chance, put the {A} block in the {r}",
            "hey robot, put the {A} block in the {r}",
            "I need the {A} block in the {r}",
            "pick the {A} block up and place it in the {r}",
            "put the {A} block in the {r}, thanks",
            "Can you put the {A} block into the {r} for me?",
            "Would you be so kind as to put the {A} block in the {r}",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]]}},
    ),
    Family(
        "stack",
        [
            "stack the {A} block on the {B} block",
            "stack the {A} block on top of the {B} one",
            "put the {A} one on top of the {B} one",
            "place the {A} cube onto the {B} cube",
            "I'd like the {A} block to end up on top of the {B} block",
            "make sure the {A} block is on the {B} block",
            "could you stack the {A} block onto the {B} please",
            "set the {A} block on the {B} one",
            "pile the {A} block on the {B} block",
            "the {A} block should be sitting on the {B} block",
            "put the {A} block on the {B}",
            "would you mind stacking the {A} cube on the {B} one",
            "pick up the {A} block and stack it on the {B} one",
            "can you put the {A} block on top of the {B} block please",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["on", block(v["B"])]}},
        needs=lambda s: len(s.blocks) >= 2,
    ),
    Family(
        "drawer_closed",
        [
            "close the drawer",
            "shut the drawer please",
            "make sure the drawer ends up closed",
            "could you close the drawer",
            "push the drawer shut",
            "I'd like the drawer closed",
            "the drawer should be closed",
            "don't leave the drawer open",
            "would you mind shutting the drawer",
            "slide the drawer closed",
            "can you close the drawer for me",
            "make sure the drawer isn't open",
        ],
        lambda v, s: {"drawer_open": False},
    ),
    Family(
        "drawer_open",
        [
            "open the drawer",
            "pull the drawer open",
            "could you open up the drawer",
            "I want the drawer open",
            "make sure the drawer is open",
            "pull out the drawer",
            "the drawer needs to be open",
            "would you open the drawer please",
            "I'd like the drawer to be open",
            "open the drawer for me",
        ],
        lambda v, s: {"drawer_open": True},
    ),
    Family(
        "light",
        [
            "turn the light {L}",
            "switch the lamp {L}",
            "lights {L} please",
            "could you turn the light {L}",
            "make sure the light is {L}",
            "I'd like the lamp to be {L}",
            "switch {L} the lamp",
            "turn {L} the lights",
            "the light should end up {L}",
            "can you get the light {L}",
            "leave the light {L}",
            "would you mind switching the light {L}",
            "please turn {L} the lamp",
            "I want the light {L}",
        ],
        lambda v, s: {"light_on": v["L"] == "on"},
    ),
    Family(
        "drawer_place_closed",
        [
            "put the {A} block in the drawer and make sure the drawer ends up closed",
            "put the {A} block in the drawer then close it",
            "put the {A} block in the drawer and shut it afterwards",
            "I'd like the {A} block in the drawer and the drawer closed",
            "open the drawer, put the {A} block inside, and close it again",
            "stick the {A} block in the drawer, then make sure the drawer is shut",
            "could you put the {A} cube into the drawer and close the drawer please",
            "put the {A} block in the drawer and leave it closed",
            "put the {A} block away in the drawer and close it when you're done",
            "the {A} block should end up in the drawer, and the drawer should be closed",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", "drawer"]}, "drawer_open": False},
    ),
    Family(
        "two_places",
        [
            "put the {A} block in the {r} and the {B} block in the {r2}",
            "put the {A} one in the {r} and the {B} one in the {r2}",
            "{A} block into the {r}, {B} block into the {r2}",
            "move the {A} block to the {r}, then the {B} one to the {r2}",
            "I'd like the {A} block in the {r} and the {B} block in the {r2}",
            "first put the {A} block in the {r}, then put the {B} block in the {r2}",
            "could you put the {A} cube in the {r} and then the {B} cube in the {r2}",
            "the {A} block goes in the {r} and the {B} one goes in the {r2}",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]], block(v["B"]): ["in", v["R2"]]}},
        needs=lambda s: len(s.blocks) >= 2,
    ),
    Family(
        "other_one",
        [
            "put the {A} block in the {r} and the other one in the {r2}",
            "put the {A} block in the {r} and the other block in the {r2}",
            "the {A} one goes in the {r}, the other one in the {r2}",
            "could you put the {A} cube in the {r} and the other cube in the {r2}",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]], block(v["B"]): ["in", v["R2"]]}},
        needs=lambda s: len(s.blocks) == 2,
    ),
    Family(
        "them",
        [
            "pick up the {A} and {B} blocks and put them in the {r}",
            "put the {A} block and the {B} block in the {r}",
            "grab the {A} block and the {B} one and drop them both in the {r}",
            "put the {A} and the {B} blocks into the {r}",
            "take the {A} and {B} cubes and put them in the {r} please",
            "I'd like both the {A} and {B} blocks to end up in the {r}",
            "put the {A} block in the {r}, then put the {B} one there too",
            "put the {A} block in the {r} and the {B} one as well",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]], block(v["B"]): ["in", v["R"]]}},
        needs=lambda s: len(s.blocks) >= 2,
    ),
    Family(
        "stack_on_it",
        [
            "put the {A} block in the {r} and then stack the {B} block on it",
            "stack the {A} block on the {B} block and then put the {C} one on top of it",
        ],
        lambda v, s: {
            "placement": (
                {block(v["A"]): ["in", v["R"]], block(v["B"]): ["on", block(v["A"])]}
                if "{C}" not in v["phrasing"]
                else {
                    block(v["A"]): ["on", block(v["B"])],
                    block(v["C"]): ["on", block(v["A"])],
                }
            )
        },
        needs=lambda s: len(s.blocks) >= 3,
    ),
    Family(
        "open_then_it",
        [
            "open the drawer and put the {A} block in it",
            "pull the drawer open and then put the {A} one inside",
            "open the drawer, then drop the {A} block in there",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", "drawer"]}, "drawer_open": True},
    ),
    Family(
        "all_in",
        [
            "put everything in the bin",
            "put all the blocks in the {r}",
            "could you put all of the blocks into the {r}",
            "every block goes in the {r}",
            "I'd like all the blocks to end up in the {r}",
            "clear the table by putting all the cubes in the {r}",
            "put each block in the {r}",
            "move all of them to the {r} please",
        ],
        lambda v, s: {"placement": {block(c): ["in", v["R"]] for c in s.blocks}},
        receptacles=("bin",),
    ),
    Family(
        "all_but",
        [
            "put every block except the {A} one in the {r}",
            "put all but the {A} block in the {r}",
            "put all the blocks in the {r} except the {A} one",
            "move everything but the {A} cube into the {r}",
            "put all of them in the {r} apart from the {A} block",
            "I'd like every block other than the {A} one to end up in the {r}",
            "put all the blocks in the {r}, but leave the {A} one where it is",
            "put everything except for the {A} block into the {r}",
            "all the blocks except the {A} one go in the {r}",
            "put all the blocks in the {r} but not the {A} one",
        ],
        lambda v, s: {
            "placement": {
                block(c): (["on", "table"] if c == v["A"] else ["in", v["R"]]) for c in s.blocks
            }
        },
        needs=lambda s: len(s.blocks) >= 3,
        receptacles=("bin", "drawer"),
    ),
    Family(
        "quantity",
        [
            "put two blocks in the {r}",
            "put any two blocks in the {r}",
            "could you put two of the blocks into the {r}",
            "put a couple of blocks in the {r}",
            "I'd like two blocks to end up in the {r}",
            "move 2 blocks to the {r}",
        ],
        lambda v, s: {"count_in": {v["R"]: 2}},
        needs=lambda s: len(s.blocks) >= 3,
    ),
    Family(
        "one_block",
        [
            "put a block in the {r}",
            "put one block in the {r}",
            "put any one of the blocks in the {r}",
            "could you put one of the cubes in the {r}",
        ],
        lambda v, s: {"count_in": {v["R"]: 1}},
    ),
    Family(
        "quantity_rest",
        [
            "put two blocks in the bowl and the rest in the bin",
            "put two of the blocks in the bowl and put the others in the bin",
            "two blocks go in the bowl, the remaining ones in the bin",
        ],
        lambda v, s: {"count_in": {"bowl": 2, "bin": len(s.blocks) - 2}},
        needs=lambda s: len(s.blocks) >= 3,
    ),
    Family(
        "place_light",
        [
            "put the {A} block in the {r} and turn the light {L}",
            "switch the lamp {L} and then put the {A} block in the {r}",
            "could you turn {L} the light and put the {A} cube into the {r}",
            "put the {A} one in the {r}, then make sure the lights are {L}",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]]}, "light_on": v["L"] == "on"},
    ),
    Family(
        "drawer_light",
        [
            "close the drawer and switch the light {L}",
            "shut the drawer and then switch the lamp {L}",
            "make sure the drawer is closed and the light is {L}",
            "turn the light {L}, then close the drawer",
        ],
        lambda v, s: {"drawer_open": False, "light_on": v["L"] == "on"},
    ),
    Family(
        "from_drawer",
        [
            "take the {A} block out of the drawer and put it in the {r}",
            "move the {A} block from the drawer to the {r}",
            "get the {A} block out of the drawer and into the {r}",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", v["R"]]}},
        needs=lambda s: not s.drawer_open,
        setup=lambda v, s: [
            {"skill": "open_drawer", "args": {}},
            {"skill": "pick_place", "args": {"object": block(v["A"]), "target": "drawer"}},
            {"skill": "close_drawer", "args": {}},
        ],
        receptacles=("bowl", "bin"),
    ),
    Family(
        "empty",
        [
            "empty the bowl into the bin",
            "move everything in the bowl to the bin",
            "take the blocks out of the bowl and put them in the bin",
            "put whatever is in the bowl into the bin",
        ],
        lambda v, s: {"placement": {block(v["A"]): ["in", "bin"], block(v["B"]): ["in", "bin"]}},
        needs=lambda s: len(s.blocks) >= 2,
        setup=lambda v, s: [
            {"skill": "pick_place", "args": {"object": block(v["A"]), "target": "bowl"}},
            {"skill": "pick_place", "args": {"object": block(v["B"]), "target": "bowl"}},
        ],
    ),
    Family(
        "missing_colour",
        [
            "stack the {A} block on top of the {X} one",
            "put the {X} block in the {r}",
            "could you move the {X} cube into the {r}",
            "I'd like the {X} block to end up in the {r}",
        ],
        lambda v, s: {"refuse": [v["X"]]},
        needs=lambda s: len(s.blocks) < 4,
    ),
    Family(
        "ambiguous",
        [
            "put the block in the {r}",
            "could you put the cube in the {r} please",
            "put the other one in the {r}",
        ],
        lambda v, s: {"refuse": ["which"]},
        needs=lambda s: len(s.blocks) >= 3,
    ),
    Family(
        "impossible",
        [
            "put the {A} block on the table",
            "put the {A} block under the {r}",
            "juggle the blocks",
            "put all the blocks in the bowl",
            "put the {A} block somewhere",
            "paint the {A} block",
        ],
        lambda v, s: {"refuse": []},
        needs=lambda s: len(s.blocks) >= 3,
    ),
]


def scenes() -> list[Scene]:
    out = []
    for seed in SEEDS:
        lay = sample_layout(seed)
        out.append(
            Scene(
                seed=seed,
                blocks=[b.removesuffix("_block") for b in lay.blocks],
                drawer_open=lay.drawer_open,
                light_on=lay.light_on,
            )
        )
    return out


def instantiate(family: Family, phrasing: str, rng: random.Random, pool: list[Scene]) -> dict:
    scene = rng.choice([s for s in pool if family.needs(s)])
    colours = rng.sample(scene.blocks, len(scene.blocks))
    absent = [c for c in COLOURS if c not in scene.blocks]
    receptacles = rng.sample(family.receptacles, len(family.receptacles))
    slots = {
        "A": colours[0],
        "B": colours[1 % len(colours)],
        "C": colours[2 % len(colours)],
        "X": absent[0] if absent else "",
        "R": receptacles[0],
        "R2": receptacles[1 % len(receptacles)],
        "L": rng.choice(("on", "off")),
        "phrasing": phrasing,
    }
    text = phrasing.format(
        A=slots["A"],
        B=slots["B"],
        C=slots["C"],
        X=slots["X"],
        L=slots["L"],
        r=rng.choice(SURFACE[slots["R"]]),
        r2=rng.choice(SURFACE[slots["R2"]]),
    )
    setup = family.setup(slots, scene) if family.setup else []
    return {
        "chore": text,
        "seed": scene.seed,
        "setup": setup,
        "expect": family.expect(slots, scene),
        "source": f"template:{family.name}",
        "split": split_of(phrasing),
    }


def generate(per_phrasing: int = 2) -> list[dict]:
    rng = random.Random(20)
    pool = scenes()
    cases = []
    for family in FAMILIES:
        for phrasing in family.phrasings:
            for _ in range(per_phrasing):
                cases.append(instantiate(family, phrasing, rng, pool))
    return cases


def check_setup(case: dict) -> None:
    """Setups must be valid skill sequences from the seed's start (the generator's own check)."""
    lay = sample_layout(case["seed"])
    state = SymbolicState(
        drawer_open=lay.drawer_open,
        light_on=lay.light_on,
        placement={b: ("on", "table") for b in lay.blocks},
    )
    for call in case["setup"]:
        state = apply_effects(SkillCall(**call), state)


if __name__ == "__main__":
    hand = Path(__file__).with_name("data") / "planner_paraphrases_hand.jsonl"
    cases = generate()
    for line in hand.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            case = json.loads(line)
            case.setdefault("setup", [])
            case["source"] = "hand"
            case["split"] = split_of(case["chore"])
            cases.append(case)
    for i, case in enumerate(cases):
        check_setup(case)
        case["id"] = i
    tmp = DATA.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(c) + "\n" for c in cases))
    tmp.replace(DATA)
    held = sum(c["split"] == "heldout" for c in cases)
    print(f"wrote {len(cases)} cases ({held} held out) to {DATA}")
