"""Training recipe of the inverse dynamics model: L1 on the actions of real transitions."""

from __future__ import annotations

import numpy as np
import torch

from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import random_blur, to_tensor, transitions, windows
from worldmodel.training.trainer import TrainConfig

DEFAULT_TRAIN = TrainConfig(steps=3000, batch_size=64, lr=1e-3, weight_decay=1e-4, warmup=100)


class IDMRecipe:
    name = "idm"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: IDMConfig | None = None,
        blur_prob: float = 0.3,
        eval_samples: int = 4000,
    ) -> None:
        self.config = config or IDMConfig(image_size=train.frames.shape[1])
        self.train_data, self.val_data = train, val
        self.rows = transitions(train)
        self.offsets = np.arange(-self.config.before, 2 + self.config.after)
        self.mean_action = train.actions[train.starts[self.rows[:, 0]] + self.rows[:, 1]].mean(0)
        self.blur_prob = blur_prob
        self.eval_samples = eval_samples

    def build_model(self) -> InverseDynamicsModel:
        model = InverseDynamicsModel(self.config)
        model.action_mean.copy_(torch.from_numpy(self.mean_action))
        return model

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        rows = self.rows[rng.integers(len(self.rows), size=batch_size)]
        x = random_blur(
            to_tensor(windows(self.train_data, rows, self.offsets)), rng, self.blur_prob
        )
        actions = self.train_data.actions[self.train_data.starts[rows[:, 0]] + rows[:, 1]]
        return {"windows": x, "actions": torch.from_numpy(actions)}

    def loss(self, model, batch, generator):
        pred = model(batch["windows"])
        err = (pred - batch["actions"]).abs()
        return err.mean(), {"mae_gripper": float(err[:, 3].mean().detach())}

    def evaluate(self, model: InverseDynamicsModel) -> dict[str, float]:
        if self.val_data is None:
            return {}
        return evaluate_idm(model, self.val_data, self.mean_action, self.eval_samples)


@torch.no_grad()
def evaluate_idm(
    model: InverseDynamicsModel,
    data: EpisodeArrays,
    mean_action: np.ndarray,
    samples: int | None = None,
    seed: int = 0,
) -> dict:
    """MAE of the IDM on real transitions vs predicting `mean_action` (the training mean)."""
    rows = transitions(data)
    if samples and samples < len(rows):
        rows = rows[np.random.default_rng(seed).choice(len(rows), samples, replace=False)]
    offsets = np.arange(-model.config.before, 2 + model.config.after)
    device = next(model.parameters()).device
    preds = []
    for chunk in np.array_split(rows, max(1, len(rows) // 256)):
        preds.append(model(to_tensor(windows(data, chunk, offsets)).to(device)).cpu().numpy())
    pred = np.concatenate(preds)
    truth = data.actions[data.starts[rows[:, 0]] + rows[:, 1]]
    err = np.abs(pred - truth)
    base = np.abs(truth - mean_action[None])
    return {
        "idm.mae": round(float(err.mean()), 4),
        "idm.mae_mean_baseline": round(float(base.mean()), 4),
        "idm.mae_ratio": round(float(err.mean() / base.mean()), 4),
        "idm.mae_per_dim": [round(float(v), 4) for v in err.mean(0)],
        "idm.transitions": len(rows),
    }
