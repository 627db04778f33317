"""The LLM planner: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, ...).

Its answer is parsed into a pydantic schema and checked against the skill library, the perceived
scene and the skills' preconditions. An invalid plan is sent back with the error (re-asked), and
refused with a clear message when it stays invalid.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from agent.perception import PerceivedScene
from agent.planners.base import Plan, PlannedStep, Planner, PlanningError, capabilities, refuse
from skills.library import SKILLS, SkillCall, SkillError, validate_call
from skills.symbolic import apply_effects, unmet_preconditions
from skills.vocabulary import spoken

SYSTEM_PROMPT = """You plan chores for a household robot at a tabletop.
Skills (name(arguments): what it does):
{skills}
Answer with JSON only: {{"steps": [{{"skill": "<name>", "args": {{"<arg>": "<object id>"}}}}, ...]}}
or, if the chore is impossible or names something not in the scene, {{"refusal": "<why>"}}.
Use only the object ids listed in the scene. Respect preconditions: the drawer must be open before
something goes in it. Skip goals that already hold."""


class LLMStep(BaseModel):
    skill: str
    args: dict[str, str] = {}


class LLMAnswer(BaseModel):
    steps: list[LLMStep] = []
    refusal: str | None = None


@dataclass
class LLMSettings:
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    timeout_s: float = 30.0
    max_attempts: int = 3

    @classmethod
    def from_env(cls) -> LLMSettings:
        return cls(
            base_url=os.environ.get("REVERIE_LLM_BASE_URL") or os.environ.get("OPENAI_BASE_URL"),
            model=os.environ.get("REVERIE_LLM_MODEL", "gpt-4o-mini"),
            api_key=os.environ.get("REVERIE_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY"),
        )


class LLMPlanner:
    """Plans with an LLM; `fallback` (e.g. the local planner) answers when the endpoint fails."""

    def __init__(
        self, settings: LLMSettings | None = None, fallback: Planner | None = None
    ) -> None:
        from openai import OpenAI

        self.settings = settings or LLMSettings.from_env()
        self.fallback = fallback
        self.client = OpenAI(
            base_url=self.settings.base_url,
            api_key=self.settings.api_key or "not-needed",
            timeout=self.settings.timeout_s,
            max_retries=0,
        )

    def plan(self, chore: str, scene: PerceivedScene, failure: str | None = None) -> Plan:
        if not chore.strip():
            raise refuse("The command is empty: say what the robot should do.", scene)
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT.format(skills=_skill_lines())},
            {"role": "user", "content": _user_message(chore, scene, failure)},
        ]
        error = ""
        for _ in range(self.settings.max_attempts):
            try:
                text = self._ask(messages)
            except PlanningError:
                if self.fallback is None:
                    raise
                return self.fallback.plan(chore, scene)
            try:
                return Plan(chore=chore, steps=self._validated(text, scene))
            except _Invalid as exc:
                error = str(exc)
                messages += [
                    {"role": "assistant", "content": text},
                    {
                        "role": "user",
                        "content": f"That plan is invalid: {error}. Answer again with JSON only.",
                    },
                ]
        raise refuse(
            f"The LLM planner ({self.settings.model}) gave no valid plan in "
            f"{self.settings.max_attempts} tries; last problem: {error}",
            scene,
        )

    def _ask(self, messages: list[dict]) -> str:
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.settings.model,
                messages=messages,
                temperature=0,
                response_format={"type": "json_object"},
            )
        except openai.APIError as exc:
            where = self.settings.base_url or "the OpenAI API"
            raise PlanningError(
                f"the LLM planner could not reach {where} ({type(exc).__name__}: {exc}); check "
                "REVERIE_LLM_BASE_URL / REVERIE_LLM_MODEL / REVERIE_LLM_API_KEY, or use the local planner"
            ) from exc
        return response.choices[0].message.content or ""

    def _validated(self, text: str, scene: PerceivedScene) -> list[PlannedStep]:
        try:
            answer = LLMAnswer.model_validate(json.loads(text))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise _Invalid(f"not the JSON schema asked for ({exc.__class__.__name__})") from exc
        if answer.refusal:
            raise refuse(f"The planner refused: {answer.refusal}", scene)
        state = scene.symbolic()
        steps = []
        for raw in answer.steps:
            call = SkillCall(skill=raw.skill, args=raw.args)
            try:
                validate_call(call, list(scene.objects))
            except SkillError as exc:
                raise _Invalid(str(exc)) from exc
            reasons = unmet_preconditions(call, state)
            if reasons:
                raise _Invalid(f"step {call} cannot run then: {'; '.join(reasons)}")
            state = apply_effects(call, state)
            steps.append(
                PlannedStep(skill=call.skill, args=call.args, instruction=call.instruction())
            )
        return steps


class _Invalid(ValueError):
    """An LLM answer to send back for another try."""


def _skill_lines() -> str:
    lines = []
    for name, spec in SKILLS.items():
        args = ", ".join(f"{p.name} in {{{', '.join(p.choices)}}}" for p in spec.params)
        lines.append(f"- {name}({args}): {spec.summary}")
    return "\n".join(lines)


def _user_message(chore: str, scene: PerceivedScene, failure: str | None) -> str:
    lines = [f"Scene objects: {', '.join(scene.objects)}"]
    lines += [
        f"- {block} is {rel} the {spoken(other)}" for block, (rel, other) in scene.placement.items()
    ]
    if scene.drawer_open is not None:
        lines.append(f"- the drawer is {'open' if scene.drawer_open else 'closed'}")
    if scene.light_on is not None:
        lines.append(f"- the light is {'on' if scene.light_on else 'off'}")
    if failure:
        lines.append(
            f"The previous attempt failed: {failure}. Plan what remains from the scene now."
        )
    lines.append(f"Chore: {chore}")
    return "\n".join(lines)


__all__ = ["LLMPlanner", "LLMSettings", "capabilities"]
