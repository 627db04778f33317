"""Training recipe of the behaviour-cloning policy: L1 on the experts' next action chunks.

The same windows as the world model's (worldmodel/training/wm.py) with the same inputs, from
success episodes only (a failure's actions are not what the skill should do), the same share
from the episodes' first steps, and the same DAgger take-overs when there are any, so the
comparison with imagine-then-invert is on equal data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from worldmodel.goals import cached_episode_goals
from worldmodel.policy.configuration_policy import PolicyConfig
from worldmodel.policy.modeling_policy import BehaviourCloningPolicy
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import random_shift, to_tensor
from worldmodel.training.trainer import TrainConfig
from worldmodel.training.wm import EARLY_STEPS, window_indices, window_rows

DEFAULT_TRAIN = TrainConfig(
    steps=3000, batch_size=32, lr=5e-4, weight_decay=1e-4, warmup=200, ema_decay=0.999
)


class PolicyRecipe:
    name = "policy"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: PolicyConfig | None = None,
        cache_dir: Path | None = None,
        p_early: float = 0.25,
        takeovers: list[Path] | None = None,
        eval_windows: int = 512,
    ) -> None:
        if not 0.0 <= p_early <= 1.0:
            raise ValueError(f"early windows must be a fraction in [0, 1]; got {p_early}")
        self.config = config or PolicyConfig(image_size=train.frames.shape[1])
        self.train_data, self.val_data = train, val
        self.goals, self.goal_mask = cached_episode_goals(train, cache_dir)
        self.takeover_digests: list[str] = []
        for path in takeovers or []:
            self._add_takeovers(Path(path))
        self.rows = window_rows(self.train_data, np.flatnonzero(self.train_data.success))
        self.early_rows = self.rows[self.rows[:, 1] < EARLY_STEPS]
        self.p_early = p_early
        self.eval_windows = eval_windows
        self.val_goals = None

    def options(self) -> dict:
        return {"early_windows": self.p_early, "takeovers": self.takeover_digests}

    def _add_takeovers(self, path: Path) -> None:
        """Append the take-over episodes of `path` and their goal points (perceived when the
        skill began)."""
        from worldmodel.training.takeovers import append_takeovers

        self.train_data, self.goals, self.goal_mask, digest = append_takeovers(
            self.train_data, self.goals, self.goal_mask, path
        )
        self.takeover_digests.append(digest)

    def build_model(self) -> BehaviourCloningPolicy:
        return BehaviourCloningPolicy(self.config)

    def _inputs(self, data, goals, rows: np.ndarray) -> dict:
        ctx, _, act = window_indices(data, rows, self.config.context_frames, self.config.chunk)
        episodes = rows[:, 0]
        return {
            "context": to_tensor(data.frames[ctx]),
            "skills": [data.skills[e] for e in episodes],
            "state": torch.from_numpy(data.states[ctx[:, -1]]),
            "goals": torch.from_numpy(goals[0][episodes]),
            "goal_mask": torch.from_numpy(goals[1][episodes]),
            "actions": torch.from_numpy(data.actions[act]),
        }

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        early = int(rng.binomial(batch_size, self.p_early)) if len(self.early_rows) else 0
        rows = np.concatenate(
            [
                self.early_rows[rng.integers(len(self.early_rows), size=early)],
                self.rows[rng.integers(len(self.rows), size=batch_size - early)],
            ]
        )
        batch = self._inputs(self.train_data, (self.goals, self.goal_mask), rows)
        # a pixel of camera jitter: the policy must not memorise exact pixels
        batch["context"] = random_shift(batch["context"], rng, 1)
        return batch

    def loss(self, model, batch, generator):
        pred = model(
            batch["context"],
            model.skill_ids(batch["skills"]),
            batch["state"],
            batch["goals"],
            batch["goal_mask"],
        )
        err = (pred - batch["actions"]).abs()
        return err.mean(), {"mae_gripper": float(err[..., 3].mean().detach())}

    @torch.no_grad()
    def evaluate(self, model: BehaviourCloningPolicy) -> dict:
        """Action-chunk error on validation success windows, against the mean chunk."""
        if self.val_data is None:
            return {}
        data = self.val_data
        if self.val_goals is None:
            self.val_goals = cached_episode_goals(data, None)
        rows = window_rows(data, np.flatnonzero(data.success))
        rng = np.random.default_rng(0)
        rows = rows[rng.choice(len(rows), min(self.eval_windows, len(rows)), replace=False)]
        errors, baseline = [], []
        mean = torch.from_numpy(self.train_data.actions.mean(0))
        for i in range(0, len(rows), 64):
            b = self._inputs(data, self.val_goals, rows[i : i + 64])
            pred = model(
                b["context"], model.skill_ids(b["skills"]), b["state"], b["goals"], b["goal_mask"]
            )
            errors.append((pred - b["actions"]).abs().mean(dim=(1, 2)))
            baseline.append((mean - b["actions"]).abs().mean(dim=(1, 2)))
        mae, base = float(torch.cat(errors).mean()), float(torch.cat(baseline).mean())
        return {
            "policy.mae": round(mae, 4),
            "policy.mae_mean_baseline": round(base, 4),
            "policy.windows": len(rows),
        }
