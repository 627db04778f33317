"""Training recipe of the judge: binary cross-entropy on real success and failure episodes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from worldmodel.judge.configuration_judge import JudgeConfig
from worldmodel.judge.modeling_judge import Judge, sample_indices
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import random_blur, to_tensor
from worldmodel.training.trainer import TrainConfig

DEFAULT_TRAIN = TrainConfig(steps=2500, batch_size=32, lr=1e-3, weight_decay=1e-4, warmup=100)


class JudgeRecipe:
    name = "judge"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: JudgeConfig | None = None,
        blur_prob: float = 0.3,
    ) -> None:
        self.config = config or JudgeConfig()
        self.train_data, self.val_data = train, val
        self.blur_prob = blur_prob
        # Balanced batches: failures are ~30% of the episodes.
        self.by_label = [np.flatnonzero(~train.success), np.flatnonzero(train.success)]
        if min(len(x) for x in self.by_label) == 0:
            raise ValueError(
                "the judge needs both success and failure episodes in the training data"
            )

    def build_model(self) -> Judge:
        return Judge(self.config)

    def _clip(self, rng: np.random.Generator, e: int) -> np.ndarray:
        """First and last frame, the others jittered around their evenly spaced positions."""
        n, k = int(self.train_data.lengths[e]), self.config.frames
        idx = sample_indices(n, k).astype(np.float64)
        jitter = rng.uniform(-0.5, 0.5, k) * (n - 1) / max(1, k - 1)
        idx[1:-1] = np.clip(idx[1:-1] + jitter[1:-1], 0, n - 1)
        return np.sort(np.round(idx).astype(np.int64))

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        labels = rng.integers(2, size=batch_size)
        episodes = [int(rng.choice(self.by_label[y])) for y in labels]
        clips = np.stack(
            [
                self.train_data.frames[self.train_data.starts[e] + self._clip(rng, e)]
                for e in episodes
            ]
        )
        return {
            "video": random_blur(to_tensor(clips), rng, self.blur_prob),
            "instructions": [self.train_data.instructions[e] for e in episodes],
            "labels": torch.from_numpy(labels.astype(np.float32)),
        }

    def loss(self, model, batch, generator):
        logits = model(batch["video"], batch["instructions"])
        loss = F.binary_cross_entropy_with_logits(logits, batch["labels"])
        return loss, {"acc": float(((logits > 0) == (batch["labels"] > 0.5)).float().mean())}

    def evaluate(self, model: Judge) -> dict:
        return evaluate_judge(model, self.val_data) if self.val_data is not None else {}


@torch.no_grad()
def evaluate_judge(model: Judge, data: EpisodeArrays, batch_size: int = 64) -> dict:
    """Accuracy, precision and recall (success is the positive class) at threshold 0.5."""
    scores = []
    for start in range(0, len(data), batch_size):
        ids = range(start, min(len(data), start + batch_size))
        scores.append(
            model.score([data.episode_frames(e) for e in ids], [data.instructions[e] for e in ids])
        )
    pred = np.concatenate(scores) > 0.5
    truth = data.success.astype(bool)
    tp, fp, fn = (pred & truth).sum(), (pred & ~truth).sum(), (~pred & truth).sum()
    return {
        "judge.accuracy": round(float((pred == truth).mean()), 4),
        "judge.precision": round(float(tp / max(1, tp + fp)), 4),
        "judge.recall": round(float(tp / max(1, tp + fn)), 4),
        "judge.majority_baseline": round(float(max(truth.mean(), 1 - truth.mean())), 4),
        "judge.episodes": len(truth),
    }
