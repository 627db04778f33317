"""The skill vocabulary: names, typed arguments, instruction templates and paraphrases.

A skill call is validated here against the objects a scene actually holds; unknown skills or ids
get an error that lists the valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from skills.vocabulary import BLOCKS, spoken


class SkillError(ValueError):
    """A skill call that names an unknown skill, argument or object."""


@dataclass(frozen=True)
class Param:
    name: str
    choices: tuple[str, ...]  # ids this argument may take (further limited by the scene)


@dataclass(frozen=True)
class SkillSpec:
    name: str
    params: tuple[Param, ...]
    template: str  # canonical instruction; {param} is replaced by the spoken object name
    paraphrases: tuple[str, ...]
    summary: str

    def instructions(self) -> tuple[str, ...]:
        return (self.template, *self.paraphrases)


SKILLS: dict[str, SkillSpec] = {
    s.name: s
    for s in (
        SkillSpec(
            "pick_place",
            (Param("object", BLOCKS), Param("target", ("bowl", "bin", "drawer"))),
            "put the {object} in the {target}",
            (
                "place the {object} in the {target}",
                "move the {object} into the {target}",
                "drop the {object} into the {target}",
                "pick up the {object} and put it in the {target}",
            ),
            "pick a block up and put it in the bowl, the bin or the (open) drawer",
        ),
        SkillSpec(
            "stack",
            (Param("object", BLOCKS), Param("base", BLOCKS)),
            "stack the {object} on the {base}",
            (
                "put the {object} on top of the {base}",
                "place the {object} on the {base}",
                "stack the {object} on top of the {base}",
            ),
            "put a block on top of another block",
        ),
        SkillSpec(
            "open_drawer",
            (),
            "open the drawer",
            ("pull the drawer open", "slide the drawer open"),
            "pull the drawer out by its handle",
        ),
        SkillSpec(
            "close_drawer",
            (),
            "close the drawer",
            ("push the drawer shut", "shut the drawer"),
            "push the drawer in by its handle",
        ),
        SkillSpec(
            "press_button",
            (),
            "press the button",
            ("push the button", "hit the button"),
            "press the button, which toggles the light",
        ),
    )
}
SKILL_KINDS: tuple[str, ...] = tuple(SKILLS)


class SkillCall(BaseModel):
    """One subtask: a skill name with its arguments, e.g. pick_place(object=red_block, target=bowl)."""

    skill: str
    args: dict[str, str] = Field(default_factory=dict)

    def spec(self) -> SkillSpec:
        return get_skill(self.skill)

    def instruction(self, paraphrase: int = 0) -> str:
        """The canonical instruction (paraphrase 0) or one of its paraphrases."""
        options = self.spec().instructions()
        text = options[paraphrase % len(options)]
        return text.format(**{k: spoken(v) for k, v in self.args.items()})

    def acts_on(self) -> str | None:
        """The object the hand goes to first: the skill's block, the drawer (its handle) or the
        button."""
        return {"open_drawer": "drawer", "close_drawer": "drawer", "press_button": "button"}.get(
            self.skill, self.args.get("object")
        )

    def destination(self) -> str | None:
        """Where the skill's block goes (pick_place's target, stack's base); None otherwise."""
        return self.args.get("target") or self.args.get("base")

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.skill}({args})"


def get_skill(name: str) -> SkillSpec:
    if name not in SKILLS:
        raise SkillError(f"unknown skill {name!r}; valid skills: {', '.join(SKILLS)}")
    return SKILLS[name]


def validate_call(call: SkillCall, scene_objects: list[str] | None = None) -> SkillCall:
    """Check a call's skill, argument names and object ids (against the scene when given)."""
    spec = get_skill(call.skill)
    expected = [p.name for p in spec.params]
    if sorted(call.args) != sorted(expected):
        raise SkillError(
            f"{call.skill} takes arguments ({', '.join(expected) or 'none'}); "
            f"got ({', '.join(call.args) or 'none'})"
        )
    for param in spec.params:
        value = call.args[param.name]
        valid = [c for c in param.choices if scene_objects is None or c in scene_objects]
        if value not in valid:
            where = "in this scene" if scene_objects is not None else "at all"
            raise SkillError(
                f"{call.skill}: {param.name}={value!r} is not valid {where}; "
                f"valid {param.name} ids: {', '.join(valid) or 'none'}"
            )
    if call.skill == "stack" and call.args["object"] == call.args["base"]:
        raise SkillError("stack: a block cannot be stacked on itself; choose two different blocks")
    return call
