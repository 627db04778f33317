"""Training recipe of the pixel refiner: the world model's own imaginations of training windows,
corrected towards the real futures (mean squared error in pixels).

The trained VAE and world model (given folders, else the shipped ones) imagine the future of
`windows` training windows from their recorded actions once; the frames are cached beside the
refiner's run (keyed by the world model's weights), so a resumed run does not imagine them again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS, weights_sha256
from worldmodel.refiner.configuration_refiner import RefinerConfig
from worldmodel.refiner.modeling_refiner import FrameRefiner
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import to_tensor
from worldmodel.training.trainer import TrainConfig

# batch_size counts windows; each gives `frames` (8) training frames
DEFAULT_TRAIN = TrainConfig(
    steps=1500, batch_size=4, lr=2e-3, weight_decay=1e-4, warmup=50, ema_decay=0.995
)


def _imagine_windows(pipeline, data: EpisodeArrays, count: int, seed: int, progress=None) -> dict:
    """Action-conditioned imaginations of `count` windows of `data`, with what the refiner
    needs to learn from them: current frames, imagined and real futures, states and actions."""
    from worldmodel.evaluation import evaluation_windows
    from worldmodel.training.wm import window_indices

    cfg = pipeline.model.config
    rows = evaluation_windows(data, cfg.frames, count, seed)
    ctx, fut, act = window_indices(data, rows, cfg.context_frames, cfg.frames)
    imagined = np.zeros((len(rows), cfg.frames, *data.frames.shape[1:]), np.uint8)
    for i in range(0, len(rows), 32):
        sl = slice(i, i + 32)
        imagined[sl] = pipeline(
            data.frames[ctx[sl]],
            [data.instructions[e] for e in rows[sl, 0]],
            actions=data.actions[act[sl]],
            states=data.states[ctx[sl, -1]],
            seed=seed + i,
            refine=False,
        )
        if progress:
            progress(min(len(rows), i + 32), len(rows))
    return {
        "now": data.frames[ctx[:, -1]],
        "imagined": imagined,
        "truth": data.frames[fut],
        "states": data.states[ctx[:, -1]],
        "actions": data.actions[act],
    }


class RefinerRecipe:
    name = "refiner"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: RefinerConfig | None = None,
        vae_dir: Path | None = None,
        wm_dir: Path | None = None,
        cache_dir: Path | None = None,
        windows: int = 2400,
        eval_windows: int = 48,
    ) -> None:
        from worldmodel.diffusion.modeling_world_model import WorldModel
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.vae.modeling_vae import FrameVAE

        vae_dir = Path(vae_dir) if vae_dir else DEFAULT_CHECKPOINTS / "vae"
        wm_dir = Path(wm_dir) if wm_dir else DEFAULT_CHECKPOINTS / "wm"
        self.pipeline = WorldModelPipeline(
            FrameVAE.from_pretrained(vae_dir), WorldModel.from_pretrained(wm_dir)
        )
        key = weights_sha256(wm_dir)
        self.config = config or RefinerConfig(
            image_size=train.frames.shape[1],
            action_scale=self.pipeline.model.config.action_scale,
            frames=self.pipeline.model.config.frames,
            world_model_sha256=key,
        )
        self.train_data, self.val_data = train, val
        self.eval_windows = eval_windows
        self.examples = _cached(
            cache_dir / f"imagined_{key}_{windows}.npz" if cache_dir else None,
            lambda: _imagine_with_bar(self.pipeline, train, windows),
        )

    def build_model(self) -> FrameRefiner:
        return FrameRefiner(self.config)

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        idx = np.sort(rng.integers(len(self.examples["now"]), size=batch_size))
        return {k: v[idx] for k, v in self.examples.items()}

    def loss(self, model, batch, generator):
        refined = model(
            to_tensor(batch["now"]),
            to_tensor(batch["imagined"]),
            torch.from_numpy(batch["states"]),
            torch.from_numpy(batch["actions"]),
        )
        return (refined - to_tensor(batch["truth"])).square().mean(), {}

    def evaluate(self, model: FrameRefiner) -> dict:
        if self.val_data is None:
            return {}
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.evaluation import evaluate_world_model

        pipeline = WorldModelPipeline(self.pipeline.vae, self.pipeline.model, refiner=model)
        return evaluate_world_model(pipeline, self.val_data, windows=self.eval_windows)


def _imagine_with_bar(pipeline, data: EpisodeArrays, windows: int) -> dict:
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("imagining training windows", total=windows)
        return _imagine_windows(
            pipeline, data, windows, seed=1, progress=lambda n, _: bar.update(task, completed=n)
        )


def _cached(path: Path | None, make) -> dict:
    if path and path.is_file():
        with np.load(path) as saved:
            return {k: saved[k] for k in saved.files}
    examples = make()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **examples)
        tmp.replace(path)
    return examples
