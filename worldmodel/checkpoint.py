"""`save_pretrained` / `from_pretrained` for every learned model: safetensors weights + JSON config.

A checkpoint is a folder holding `config.json` (the model's pydantic config plus `model_type`) and
`model.safetensors`. Loading checks everything and raises `CheckpointError` naming the file and what
is wrong (missing, corrupt, another model type, an invalid field, missing or misshapen tensors).
No pickle is involved anywhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar, Self

import torch
from pydantic import BaseModel, ValidationError
from torch import nn

# re-exported: the models and their callers import these from here
from worldmodel.files import CONFIG_NAME as CONFIG_NAME
from worldmodel.files import DEFAULT_CHECKPOINTS as DEFAULT_CHECKPOINTS
from worldmodel.files import WEIGHTS_NAME as WEIGHTS_NAME
from worldmodel.files import atomic_write_text as atomic_write_text


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt or does not fit the model; the message names the file."""


def save_tensors(
    path: Path, tensors: dict[str, torch.Tensor], metadata: dict | None = None
) -> None:
    """Write safetensors atomically (a crash never leaves a half-written file under `path`)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    save_file(tensors, str(tmp), metadata={k: str(v) for k, v in (metadata or {}).items()})
    os.replace(tmp, path)


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise CheckpointError(f"{path}: missing")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors file ({exc})") from exc


def read_config(path: Path, config_cls: type[BaseModel], model_type: str) -> BaseModel:
    if not path.is_file():
        raise CheckpointError(f"{path}: missing")
    try:
        raw = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise CheckpointError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    found = raw.pop("model_type", None)
    if found != model_type:
        raise CheckpointError(f"{path}: model_type is {found!r}, expected {model_type!r}")
    try:
        return config_cls.model_validate(raw)
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise CheckpointError(f"{path}: invalid config ({fields})") from exc


def check_state_dict(path: Path, expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]):
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    shapes = [
        f"{k}: checkpoint {tuple(found[k].shape)}, model {tuple(v.shape)}"
        for k, v in expected.items()
        if k in found and found[k].shape != v.shape
    ]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} tensors (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"unexpected {len(unexpected)} tensors (e.g. {', '.join(unexpected[:3])})")
    if shapes:
        problems.append(f"shape mismatch: {'; '.join(shapes[:3])}")
    if problems:
        raise CheckpointError(
            f"{path}: does not match the model its config.json describes: {'; '.join(problems)}"
        )


class PretrainedModel(nn.Module):
    """Base class: the constructor takes one pydantic config; weights and config round-trip."""

    model_type: ClassVar[str]
    config_class: ClassVar[type[BaseModel]]

    def __init__(self, config: BaseModel) -> None:
        super().__init__()
        self.config = config

    def save_pretrained(self, directory: Path | str, metadata: dict | None = None) -> Path:
        directory = Path(directory)
        config = {"model_type": self.model_type, **self.config.model_dump(mode="json")}
        save_tensors(directory / WEIGHTS_NAME, self.state_dict(), metadata)
        atomic_write_text(directory / CONFIG_NAME, json.dumps(config, indent=2) + "\n")
        return directory

    @classmethod
    def from_pretrained(cls, directory: Path | str | None = None, device: str = "cpu") -> Self:
        """Load `directory` (default: the shipped `checkpoints/<model_type>`), in eval mode."""
        directory = Path(directory) if directory else DEFAULT_CHECKPOINTS / cls.model_type
        if not directory.is_dir():
            raise CheckpointError(
                f"{directory}: no such checkpoint folder; train one with `reverie train "
                f"{cls.model_type}` or pass the folder that holds config.json and model.safetensors"
            )
        config = read_config(directory / CONFIG_NAME, cls.config_class, cls.model_type)
        model = cls(config)
        weights_path = directory / WEIGHTS_NAME
        state = load_tensors(weights_path)
        check_state_dict(weights_path, model.state_dict(), state)
        model.load_state_dict(state)
        return model.to(device).eval()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def shipped_image_size(root: Path = DEFAULT_CHECKPOINTS) -> int:
    """The camera frame size the shipped models were trained on (the world model's), 64 without
    them: the embedded robot renders at it so the models never see upsampled frames."""
    from worldmodel.diffusion.configuration_world_model import WorldModelConfig

    path = root / "wm" / CONFIG_NAME
    return read_config(path, WorldModelConfig, "wm").image_size if path.is_file() else 64
