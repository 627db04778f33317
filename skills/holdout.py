"""The held-out (skill, object, target) compositions, declared in `skills/configs/holdout.json`:
never recorded for training, so evaluations measure compositional generalization."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from skills.library import SkillCall, SkillError, validate_call

DEFAULT_HOLDOUT = Path(__file__).parent / "configs" / "holdout.json"


class HoldoutConfig(BaseModel):
    description: str = ""
    held_out: list[SkillCall]

    def contains(self, call: SkillCall) -> bool:
        return self.contains_args(call.skill, call.args)

    def contains_args(self, skill: str, args: dict[str, str]) -> bool:
        return any(h.skill == skill and h.args == args for h in self.held_out)


def load_holdout(path: Path | str = DEFAULT_HOLDOUT) -> HoldoutConfig:
    """Read and validate a held-out config; errors name the file and the bad entry."""
    path = Path(path)
    try:
        config = HoldoutConfig.model_validate(json.loads(path.read_text()))
        for call in config.held_out:
            validate_call(call)
    except FileNotFoundError as exc:
        raise ValueError(f"held-out config {path} does not exist") from exc
    except (json.JSONDecodeError, ValidationError, SkillError) as exc:
        raise ValueError(f"held-out config {path} is invalid: {exc}") from exc
    return config
