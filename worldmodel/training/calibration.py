"""The IDM calibrated on the world model's own imaginations.

The IDM learns from real frames; the executor asks it to read imagined ones, which are softer and
draw the hand a little off. Fine-tuning it on imaginations of training windows made with the
recorded actions (so the labels are known), beside real transitions, made it read imaginations
better in the retired design (cosine of the 8-step move 0.79 -> 0.88). `reverie train
idm-calibrate` does this for the world model it is given; the imaginations are cached by that
model's weights, so a resumed run does not imagine them again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import WEIGHTS_NAME, load_tensors
from worldmodel.goals import cached_episode_goals
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import random_blur, to_tensor, windows
from worldmodel.training.idm import IDMRecipe
from worldmodel.training.trainer import TrainConfig
from worldmodel.training.wm import window_indices, window_rows

DEFAULT_TRAIN = TrainConfig(steps=1500, batch_size=64, lr=3e-4, weight_decay=1e-4, warmup=100)


@torch.no_grad()
def imagine_windows(
    wm_dir: Path,
    data: EpisodeArrays,
    goals,
    count: int,
    seed: int = 0,
    batch: int = 16,
    progress=None,
) -> dict[str, np.ndarray]:
    """Imaginations of `count` random training windows under their recorded actions: frames
    (N, K + T, H, W, 3) (the real context, then the imagined future) and the actions (N, T, A)
    that lead from the current frame through the imagined ones."""
    from worldmodel.diffusion.modeling_world_model import WorldModel
    from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline

    pipeline = WorldModelPipeline(WorldModel.from_pretrained(wm_dir))
    cfg = pipeline.model.config
    rng = np.random.default_rng(seed)
    rows = window_rows(data)
    rows = rows[rng.choice(len(rows), min(count, len(rows)), replace=False)]
    ctx, _, act = window_indices(data, rows, cfg.context_frames, cfg.frames)
    frames, actions = [], []
    for i in range(0, len(rows), batch):
        sl = slice(i, i + batch)
        e = rows[sl, 0]
        context = data.frames[ctx[sl]]
        imagined = pipeline(
            context,
            [data.skills[k] for k in e],
            data.states[ctx[sl, -1]],
            goals=(goals[0][e], goals[1][e]),
            actions=data.actions[act[sl]],
            seed=seed + i,
        )
        frames.append(np.concatenate([context, imagined], axis=1))
        actions.append(data.actions[act[sl]])
        if progress:
            progress(min(len(rows), i + batch), len(rows))
    return {"frames": np.concatenate(frames), "actions": np.concatenate(actions)}


class CalibratedIDMRecipe(IDMRecipe):
    """An IDM fine-tuned from `init_from` on imagined transitions (`p_imagined` of each batch)
    beside real ones. Trained into OUT/idm-calibrate; installed as the IDM."""

    name = "idm-calibrate"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None,
        wm_dir: Path,
        init_from: Path,
        cache_dir: Path | None = None,
        windows_count: int = 3000,
        p_imagined: float = 0.5,
    ) -> None:
        from worldmodel.idm.modeling_idm import InverseDynamicsModel

        self.init_from = Path(init_from)
        base = InverseDynamicsModel.from_pretrained(self.init_from)
        super().__init__(train, val, config=base.config)
        self.wm_dir, self.p_imagined = Path(wm_dir), p_imagined
        self.wm_digest = hashlib.sha256((self.wm_dir / WEIGHTS_NAME).read_bytes()).hexdigest()[:12]
        self.imagined = self._imagined(train, cache_dir, windows_count)
        n, length = self.imagined["frames"].shape[:2]
        context = length - self.imagined["actions"].shape[1]
        # transitions from the current frame on: imagined frame t -> t + 1, labelled with the action
        self.imagined_rows = np.stack(
            np.meshgrid(np.arange(n), np.arange(context - 1, length - 1), indexing="ij"), -1
        ).reshape(-1, 2)
        self.context = context

    def options(self) -> dict:
        return {
            "world_model": self.wm_digest,
            "init_from": str(self.init_from),
            "imagined_windows": len(self.imagined["frames"]),
            "p_imagined": self.p_imagined,
        }

    def _imagined(self, train: EpisodeArrays, cache_dir: Path | None, count: int) -> dict:
        path = cache_dir / f"imagined_{self.wm_digest}_{count}.npz" if cache_dir else None
        if path and path.is_file():
            with np.load(path) as saved:
                return {k: saved[k] for k in ("frames", "actions")}
        from rich.progress import Progress

        goals = cached_episode_goals(train, cache_dir)
        with Progress(transient=True) as bar:
            task = bar.add_task("imagining training windows", total=count)
            arrays = imagine_windows(
                self.wm_dir,
                train,
                goals,
                count,
                progress=lambda n, _: bar.update(task, completed=n),
            )
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez(tmp, **arrays)
            tmp.replace(path)
        return arrays

    def build_model(self):
        model = super().build_model()
        model.load_state_dict(load_tensors(self.init_from / WEIGHTS_NAME))
        return model

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        imagined = int(rng.binomial(batch_size, self.p_imagined))
        real = self.rows[rng.integers(len(self.rows), size=batch_size - imagined)]
        x_real = to_tensor(windows(self.train_data, real, self.offsets))
        a_real = self.train_data.actions[self.train_data.starts[real[:, 0]] + real[:, 1]]
        rows = self.imagined_rows[rng.integers(len(self.imagined_rows), size=imagined)]
        length = self.imagined["frames"].shape[1]
        idx = np.clip(rows[:, 1:2] + self.offsets[None], 0, length - 1)
        x_imagined = to_tensor(self.imagined["frames"][rows[:, :1], idx])
        a_imagined = self.imagined["actions"][rows[:, 0], rows[:, 1] - (self.context - 1)]
        x = random_blur(torch.cat([x_real, x_imagined]), rng, self.blur_prob)
        actions = np.concatenate([a_real, a_imagined]).astype(np.float32)
        return {"windows": x, "actions": torch.from_numpy(actions)}
