"""A vision-language judge on any OpenAI-compatible endpoint: frames go as PNG images, the answer
must fit a small JSON schema, or the call fails with a clear error."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from agent.planners.llm import LLMSettings

PROMPT = (
    "These are frames from a robot's head camera, oldest first, while it tried to: {instruction}. "
    'Was it accomplished in the last frame? Answer with JSON only: {{"done": true|false, '
    '"confidence": <0..1>, "reason": "<short>"}}'
)


class JudgeError(RuntimeError):
    """The VLM judge could not give a verdict (endpoint down, or an answer outside the schema)."""


class Verdict(BaseModel):
    done: bool
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = ""


class VLMJudge:
    name = "vlm"

    def __init__(self, settings: LLMSettings | None = None, frames: int = 3) -> None:
        from openai import OpenAI

        self.settings = settings or LLMSettings.from_env()
        self.frames = frames
        self.client = OpenAI(
            base_url=self.settings.base_url,
            api_key=self.settings.api_key or "not-needed",
            timeout=self.settings.timeout_s,
            max_retries=0,
        )

    def verdict(self, frames: list[np.ndarray], instruction: str) -> Verdict:
        import openai

        picks = np.round(np.linspace(0, len(frames) - 1, min(self.frames, len(frames)))).astype(int)
        content: list[dict] = [{"type": "text", "text": PROMPT.format(instruction=instruction)}]
        content += [
            {"type": "image_url", "image_url": {"url": _png_data_url(frames[i])}} for i in picks
        ]
        try:
            response = self.client.chat.completions.create(
                model=self.settings.model,
                messages=[{"role": "user", "content": content}],
                temperature=0,
                response_format={"type": "json_object"},
            )
        except openai.APIError as exc:
            raise JudgeError(
                f"the VLM judge could not reach {self.settings.base_url or 'the OpenAI API'} ({exc})"
            ) from exc
        text = response.choices[0].message.content or ""
        try:
            return Verdict.model_validate(json.loads(text))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise JudgeError(f"the VLM judge answered outside the schema: {text[:200]!r}") from exc

    def completion(self, frames: list[np.ndarray], instruction: str) -> float:
        v = self.verdict(frames, instruction)
        return v.confidence if v.done else 1.0 - v.confidence


def _png_data_url(frame: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
