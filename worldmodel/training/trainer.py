"""One training loop for every model: accelerate, EMA, periodic checkpoints, exact resume.

A recipe supplies the model, batches and the loss; this loop owns the rest. Every batch and every
noise draw is a pure function of (seed, step, process), so a run interrupted at any point and
resumed from its last checkpoint continues exactly as if it had not stopped (up to the steps since
that checkpoint, which are redone identically).

Output folder `OUT/<name>/`: the final model (`config.json` + `model.safetensors`, EMA weights when
EMA is on), `metrics.json`, `train_log.jsonl` (structlog JSON lines) and `state/` (resume state:
model, EMA and optimizer tensors as safetensors plus `state.json`; no pickle).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import torch
from pydantic import BaseModel, Field

from worldmodel.checkpoint import (
    CheckpointError,
    PretrainedModel,
    atomic_write_text,
    load_tensors,
    save_tensors,
)


class TrainConfig(BaseModel):
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0, le=1.0)
    weight_decay: float = Field(default=0.0, ge=0)
    warmup: int = Field(default=100, ge=0)
    min_lr_ratio: float = Field(default=0.1, ge=0, le=1)
    ema_decay: float | None = Field(default=0.999, ge=0, lt=1)
    grad_clip: float = Field(default=1.0, gt=0)
    seed: int = 0
    checkpoint_every_s: float = Field(default=120.0, gt=0)
    eval_every: int = Field(
        default=0, ge=0, description="steps between evaluations; 0: only at the end"
    )
    log_every: int = Field(default=50, ge=1)

    # Fields that may change between a run and its resumption (extend training, save more often).
    RESUMABLE_CHANGES: ClassVar[tuple[str, ...]] = (
        "steps",
        "checkpoint_every_s",
        "eval_every",
        "log_every",
    )

    def lr_at(self, step: int) -> float:
        """Linear warmup, then cosine decay to `min_lr_ratio * lr` at `steps`."""
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.steps - self.warmup))
        cosine = 0.5 * (1 + math.cos(math.pi * progress))
        return self.lr * (self.min_lr_ratio + (1 - self.min_lr_ratio) * cosine)


class Recipe(Protocol):
    """What a model contributes to training."""

    name: str

    def build_model(self) -> PretrainedModel: ...

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict[str, Any]: ...

    def loss(
        self, model: torch.nn.Module, batch: dict[str, Any], generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, float]]: ...

    def evaluate(self, model: PretrainedModel) -> dict[str, float]: ...


class TrainingInterrupted(Exception):
    """The time budget ran out; the state is saved and the same command resumes."""


def _to(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


# ----------------------------------------------------------------------------- optimizer state
def _optimizer_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for pid, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{pid}.{key}"] = value
            else:
                scalars[f"{pid}.{key}"] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def _load_optimizer(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict):
    state: dict[int, dict] = {}
    for name, value in {**tensors, **meta["scalars"]}.items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


# ----------------------------------------------------------------------------- EMA
class EMA:
    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone().float() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].lerp_(v.float(), 1 - decay)
            else:
                self.shadow[k].copy_(v)


# ----------------------------------------------------------------------------- the loop
def train(
    recipe: Recipe,
    config: TrainConfig,
    out: Path,
    resume: bool = True,
    max_seconds: float | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train `recipe` into `out/<name>`; returns the final metrics. Raises TrainingInterrupted when
    `max_seconds` runs out (state saved; calling again resumes)."""
    from accelerate import Accelerator

    accelerator = Accelerator()
    folder = out / recipe.name
    state_dir = folder / "state"
    torch.manual_seed(config.seed)
    model = recipe.build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    ema = EMA(model, config.ema_decay) if config.ema_decay else None
    step, elapsed = 0, 0.0
    if resume and (state_dir / "state.json").is_file():
        step, elapsed = _load_state(state_dir, model, opt, ema, config, recipe)
    elif (state_dir / "state.json").is_file() and accelerator.is_main_process:
        import shutil

        shutil.rmtree(state_dir)
    model, opt = accelerator.prepare(model, opt)
    log = _logger(folder / "train_log.jsonl") if accelerator.is_main_process else None
    if log and step == 0:
        log.info("start", model=recipe.name, params=_unwrap(accelerator, model).num_parameters())
    started, last_save = time.monotonic(), time.monotonic()
    losses: list[float] = []
    while step < config.steps:
        rng = np.random.default_rng([config.seed, step, accelerator.process_index])
        gen = torch.Generator(accelerator.device).manual_seed(
            config.seed * 1_000_003 + step * 101 + accelerator.process_index
        )
        batch = _to(recipe.batch(rng, config.batch_size), accelerator.device)
        for group in opt.param_groups:
            group["lr"] = config.lr_at(step)
        model.train()
        loss, parts = recipe.loss(model, batch, gen)
        opt.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step()
        if ema:
            ema.update(_unwrap(accelerator, model), step)
        step += 1
        losses.append(float(loss.detach()))
        now = time.monotonic()
        if log and step % config.log_every == 0:
            log.info(
                "step",
                step=step,
                loss=float(np.mean(losses[-config.log_every :])),
                lr=config.lr_at(step),
                **parts,
            )
        if progress:
            progress(step, config.steps, {"loss": float(np.mean(losses[-20:]))})
        if config.eval_every and step % config.eval_every == 0 and step < config.steps:
            metrics = _evaluate(recipe, accelerator, model, ema)
            if log:
                log.info("eval", step=step, **metrics)
        out_of_time = max_seconds is not None and now - started >= max_seconds
        if now - last_save >= config.checkpoint_every_s or out_of_time or step == config.steps:
            if accelerator.is_main_process:
                _save_state(
                    state_dir,
                    _unwrap(accelerator, model),
                    opt,
                    ema,
                    config,
                    recipe,
                    step,
                    elapsed + now - started,
                )
            last_save = now
            if out_of_time and step < config.steps:
                if log:
                    log.info("paused", step=step)
                raise TrainingInterrupted(
                    f"{recipe.name}: stopped at step {step}/{config.steps} after the time budget; "
                    "run the same command again to resume"
                )
    train_seconds = elapsed + time.monotonic() - started
    if accelerator.is_main_process:  # saved before evaluating: a failing evaluation loses nothing
        _final_model(accelerator, model, ema).save_pretrained(folder, metadata={"steps": step})
    metrics = _evaluate(recipe, accelerator, model, ema)
    metrics = {
        "model": recipe.name,
        "steps": step,
        "train_seconds": round(train_seconds, 1),
        **metrics,
    }
    if accelerator.is_main_process:
        atomic_write_text(folder / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        if log:
            log.info("done", **metrics)
    return metrics


def _unwrap(accelerator, model) -> PretrainedModel:
    return accelerator.unwrap_model(model)


def _final_model(accelerator, model, ema: EMA | None) -> PretrainedModel:
    final = _unwrap(accelerator, model)
    if ema:
        import copy

        final = copy.deepcopy(final)
        final.load_state_dict({k: v.to(final.state_dict()[k].dtype) for k, v in ema.shadow.items()})
    return final.eval()


def _evaluate(recipe: Recipe, accelerator, model, ema: EMA | None) -> dict[str, float]:
    if not hasattr(recipe, "evaluate"):
        return {}
    final = _final_model(accelerator, model, ema)
    with torch.no_grad():
        metrics = recipe.evaluate(final)
    model.train()
    return metrics


def _logger(path: Path):
    import structlog

    path.parent.mkdir(parents=True, exist_ok=True)
    return structlog.wrap_logger(
        structlog.WriteLogger(path.open("a")),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ],
    )


def _identity(model: PretrainedModel, config: TrainConfig, recipe: Recipe) -> dict:
    """What a resumed run must share with the saved one: the model, the training settings and
    the recipe's own options (e.g. the world model's --early-windows, when the recipe has any)."""
    train = config.model_dump(mode="json", exclude=set(TrainConfig.RESUMABLE_CHANGES))
    options = recipe.options() if hasattr(recipe, "options") else {}
    return {"model": model.config.model_dump(mode="json"), "train": train, "recipe": options}


def _save_state(
    state_dir: Path, model, opt, ema: EMA | None, config, recipe, step: int, elapsed: float
):
    save_tensors(state_dir / "model.safetensors", model.state_dict())
    if ema:
        save_tensors(state_dir / "ema.safetensors", ema.shadow)
    tensors, meta = _optimizer_tensors(opt)
    save_tensors(state_dir / "optimizer.safetensors", tensors)
    state = {
        "step": step,
        "elapsed_s": elapsed,
        "optimizer": meta,
        **_identity(model, config, recipe),
    }
    atomic_write_text(state_dir / "state.json", json.dumps(state))


def _load_state(state_dir: Path, model, opt, ema: EMA | None, config, recipe) -> tuple[int, float]:
    path = state_dir / "state.json"
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(
            f"{path}: corrupt JSON ({exc}); delete {state_dir} to start over"
        ) from exc
    identity = _identity(model, config, recipe)
    for part in ("model", "train", "recipe"):
        if part == "recipe" and part not in state:  # saved before recipes were fingerprinted
            continue
        if state.get(part) != identity[part]:
            changed = sorted(
                k
                for k in set(state.get(part, {})) | set(identity[part])
                if state.get(part, {}).get(k) != identity[part].get(k)
            )
            raise CheckpointError(
                f"{path}: the run being resumed used a different {part} config "
                f"(changed: {', '.join(changed)}); use the same settings, or --no-resume to start over"
            )
    model.load_state_dict(load_tensors(state_dir / "model.safetensors"))
    if ema:
        ema.shadow = load_tensors(state_dir / "ema.safetensors")
    _load_optimizer(opt, load_tensors(state_dir / "optimizer.safetensors"), state["optimizer"])
    return int(state["step"]), float(state["elapsed_s"])
