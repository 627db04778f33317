"""Training recipe of the world model: flow matching in pixel space on real episode windows.

A window starts at frame t0 of an episode: context frames t0-K+1..t0 and future frames
t0+1..t0+T with the actions t0..t0+T-1 (indices past the end repeat the last, resting frame: the
model also learns to stop). A share of the windows is trained without its actions (what the agent
imagines from the skill and goals); those come from success episodes only, because a failure's
video (an expert sent to the wrong target, a dropped block) is not what the skill looks like.
With its actions a failure still teaches dynamics. The loss is weighted towards the pixels that
change: the hand is a few hundred pixels of a still scene.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS, WEIGHTS_NAME, load_tensors
from worldmodel.diffusion.configuration_world_model import WorldModelConfig
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.scheduling_flow import add_noise, sample_training_sigmas
from worldmodel.goals import cached_episode_goals
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import to_tensor
from worldmodel.training.trainer import TrainConfig

DEFAULT_TRAIN = TrainConfig(
    steps=12000, batch_size=16, lr=5e-4, weight_decay=0.01, warmup=300, ema_decay=0.999
)

# Windows this close to an episode's start, where the hand is still at rest and only the skill
# and goal maps say which way to go (`p_early` over-samples them).
EARLY_STEPS = 8
# A change of the pixel value this large (in [-1, 1] units, about 13/255) is motion, not noise.
MOVING = 0.1


def window_rows(data: EpisodeArrays, episodes: np.ndarray | None = None) -> np.ndarray:
    """(N, 2) rows (episode, t0) for every frame that has at least one successor."""
    chosen = range(len(data.lengths)) if episodes is None else episodes
    rows = [
        np.stack([np.full(data.lengths[e] - 1, e), np.arange(data.lengths[e] - 1)], 1)
        for e in chosen
        if data.lengths[e] > 1
    ]
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, 2), np.int64)


def window_indices(data: EpisodeArrays, rows: np.ndarray, context: int, horizon: int):
    """Global frame indices of the context (B, K) and future (B, T) frames, and of the actions
    (B, T), each clamped to its episode."""
    e, t0 = rows[:, 0], rows[:, 1]
    last = data.lengths[e][:, None] - 1
    start = data.starts[e][:, None]
    ctx = start + np.clip(t0[:, None] + np.arange(1 - context, 1)[None], 0, last)
    fut = start + np.clip(t0[:, None] + np.arange(1, horizon + 1)[None], 0, last)
    act = start + np.clip(t0[:, None] + np.arange(horizon)[None], 0, last)
    return ctx, fut, act


def with_new_inputs(saved: dict, fresh: dict) -> dict:
    """`saved` weights for a model with more input maps than they were trained with: the new
    maps come last in the denoiser's input (WorldModel.condition_maps), so their weights in the
    first convolution start at zero and the continued model begins exactly where it left off."""
    key = "unet.conv_in.weight"
    old, new = saved[key], fresh[key]
    if old.shape != new.shape:
        if (
            old.shape[0] != new.shape[0]
            or old.shape[2:] != new.shape[2:]
            or old.shape[1] > new.shape[1]
        ):
            raise ValueError(
                f"cannot continue from a model whose first convolution is {tuple(old.shape)}: "
                f"this configuration needs {tuple(new.shape)} (only added input maps can be "
                "continued from)"
            )
        grown = torch.zeros_like(new)
        grown[:, : old.shape[1]] = old
        saved = {**saved, key: grown}
    return saved


class WorldModelRecipe:
    name = "wm"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: WorldModelConfig | None = None,
        cache_dir: Path | None = None,
        p_drop_actions: float = 0.5,
        p_drop_skill: float = 0.1,
        p_drop_goals: float = 0.1,
        p_full_noise: float = 0.1,
        p_early: float = 0.25,
        motion_weight: float = 4.0,
        init_from: Path | None = None,
        takeovers: list[Path] | None = None,
        eval_windows: int = 48,
        idm_dir: Path | None = None,
    ) -> None:
        """`p_drop_*`: shares of windows trained without actions (success episodes only),
        without the skill kind, without goal maps; `p_early`: share of each batch from the
        first EARLY_STEPS steps of success episodes; `motion_weight`: a pixel's loss weighs
        1 + motion_weight where the frame moves (a change of MOVING or more), 1 where it is still;
        `init_from`: a trained world model to continue from (a DAgger round); `takeovers`:
        `reverie record-takeovers` files whose episodes join `train`; `idm_dir`: the IDM that
        inverts imaginations in evaluation (default: the shipped one)."""
        for name, p in (
            ("drop actions", p_drop_actions),
            ("drop skill", p_drop_skill),
            ("drop goals", p_drop_goals),
            ("full noise", p_full_noise),
            ("early windows", p_early),
        ):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be a fraction in [0, 1]; got {p}")
        if motion_weight < 0:
            raise ValueError(f"motion weight must be >= 0; got {motion_weight}")
        self.config = config or WorldModelConfig(image_size=train.frames.shape[1])
        if self.config.image_size != train.frames.shape[1]:
            raise ValueError(
                f"the world model is configured for {self.config.image_size} px frames, the "
                f"episodes are {train.frames.shape[1]} px"
            )
        self.train_data, self.val_data = train, val
        self.goals, self.goal_mask = cached_episode_goals(train, cache_dir)
        self.takeover_digests: list[str] = []
        for path in takeovers or []:
            self._add_takeovers(Path(path))
        data = self.train_data
        self.rows = window_rows(data)
        successes = np.flatnonzero(data.success)
        self.success_rows = window_rows(data, successes)
        if len(self.rows) == 0:
            raise ValueError("the training episodes hold no window (every episode has one frame)")
        self.early_rows = self.success_rows[self.success_rows[:, 1] < EARLY_STEPS]
        self.p_drop_actions, self.p_drop_skill = p_drop_actions, p_drop_skill
        self.p_drop_goals, self.p_full_noise = p_drop_goals, p_full_noise
        self.p_early, self.motion_weight = p_early, motion_weight
        self.init_from = Path(init_from) if init_from else None
        self.eval_windows = eval_windows
        self.val_goals: tuple[np.ndarray, np.ndarray] | None = None
        self.idm_dir = Path(idm_dir) if idm_dir else DEFAULT_CHECKPOINTS / "idm"
        self.delta_scale = self._delta_scale()

    def options(self) -> dict:
        """The recipe's settings, fingerprinted so a resumed run cannot silently change them."""
        return {
            "drop_actions": self.p_drop_actions,
            "drop_skill": self.p_drop_skill,
            "drop_goals": self.p_drop_goals,
            "full_noise": self.p_full_noise,
            "early_windows": self.p_early,
            "motion_weight": self.motion_weight,
            "init_from": str(self.init_from) if self.init_from else None,
            "takeovers": self.takeover_digests,
        }

    def _add_takeovers(self, path: Path) -> None:
        """Append the take-over episodes of `path` and their goal points (perceived when the
        skill began)."""
        from worldmodel.training.takeovers import append_takeovers

        self.train_data, self.goals, self.goal_mask, digest = append_takeovers(
            self.train_data, self.goals, self.goal_mask, path
        )
        self.takeover_digests.append(digest)

    def _delta_scale(self, windows: int = 2048, chunk: int = 64) -> float:
        """1 / std of (future - current) in [-1, 1] pixel units over sampled windows, so the
        model diffuses unit-scale changes (capped: most pixels never change)."""
        rng = np.random.default_rng(0)
        rows = self.rows[rng.integers(len(self.rows), size=windows)]
        ctx, fut, _ = window_indices(self.train_data, rows, 1, self.config.frames)
        frames = self.train_data.frames
        total, squares, count = 0.0, 0.0, 0
        for i in range(0, windows, chunk):  # in chunks: all windows at once take gigabytes
            change = frames[fut[i : i + chunk]].astype(np.float32)
            change -= frames[ctx[i : i + chunk]].astype(np.float32)
            change /= 127.5
            total, squares = total + change.sum(), squares + np.square(change).sum()
            count += change.size
        std = np.sqrt(max(squares / count - (total / count) ** 2, 0.0))
        return float(np.clip(1.0 / (std + 1e-6), 1.0, 8.0))

    def build_model(self) -> WorldModel:
        model = WorldModel(self.config)
        if self.init_from:
            weights = load_tensors(self.init_from / WEIGHTS_NAME)
            model.load_state_dict(with_new_inputs(weights, model.state_dict()))
            return model
        model.delta_scale.fill_(self.delta_scale)
        return model

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        """Random windows; `p_early` of them from the first steps of success episodes."""
        early = int(rng.binomial(batch_size, self.p_early)) if len(self.early_rows) else 0
        rows = np.concatenate(
            [
                self.early_rows[rng.integers(len(self.early_rows), size=early)],
                self.rows[rng.integers(len(self.rows), size=batch_size - early)],
            ]
        )
        data, cfg = self.train_data, self.config
        episodes = rows[:, 0]
        ctx, fut, act = window_indices(data, rows, cfg.context_frames, cfg.frames)
        free = (rng.random(batch_size) < self.p_drop_actions) & data.success[episodes]
        keep_skill = rng.random(batch_size) >= self.p_drop_skill
        keep_goals = (rng.random((batch_size, 1)) >= self.p_drop_goals).astype(np.float32)
        return {
            "context": to_tensor(data.frames[ctx]),
            "future": to_tensor(data.frames[fut]),
            "skills": [
                data.skills[e] if k else None for e, k in zip(episodes, keep_skill, strict=True)
            ],
            "state": torch.from_numpy(data.states[ctx[:, -1]]),
            "goals": torch.from_numpy(self.goals[episodes]),
            "goal_mask": torch.from_numpy(self.goal_mask[episodes] * keep_goals),
            "actions": torch.from_numpy(data.actions[act]),
            "action_mask": torch.from_numpy((~free).astype(np.float32)),
        }

    def loss(self, model, batch, generator):
        now = batch["context"][:, -1]
        x0 = model.to_target(batch["future"], now)
        sigma = sample_training_sigmas(len(x0), generator, x0.device, model.config.noise_shift)
        # the first sampling step starts at exactly sigma = 1, which the logit-normal never draws
        full = torch.rand(len(x0), generator=generator, device=x0.device) < self.p_full_noise
        sigma = torch.where(full, torch.ones_like(sigma), sigma)
        noise = torch.randn(x0.shape, generator=generator, device=x0.device)
        out = model(
            add_noise(x0, noise, sigma),
            sigma,
            batch["context"],
            model.skill_ids(batch["skills"]),
            batch["state"],
            batch["goals"],
            batch["goal_mask"],
            batch["actions"],
            batch["action_mask"],
        )
        error = (out - x0).square()
        if self.motion_weight:
            # 1 on still pixels, up to 1 + motion_weight where the frame changes by MOVING or
            # more. Weighting by the change relative to the batch mean put 73% of the loss on
            # the 4% of pixels that move (weights up to 130) and the model smeared the still
            # scene (measured: worse than copying the frame after 2000 steps); capped, the still
            # scene keeps its share. Video-compression noise stays below MOVING.
            change = x0.abs().unflatten(1, (model.config.frames, 3)).mean(2)  # (B, T, H, W)
            moving = (change / (MOVING * model.delta_scale)).clamp(max=1.0)
            weight = 1 + self.motion_weight * moving
            error = error.unflatten(1, (model.config.frames, 3)) * weight[:, :, None]
        return error.mean(), {}

    def evaluate(self, model: WorldModel) -> dict:
        """Action-conditioned prediction against copying, and the imagined moves against the
        expert's (worldmodel.evaluation), on the validation split."""
        if self.val_data is None:
            return {}
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.evaluation import evaluate_policy, evaluate_world_model

        if self.val_goals is None:
            self.val_goals = cached_episode_goals(self.val_data, None)
        pipeline = WorldModelPipeline(model)
        metrics = evaluate_world_model(
            pipeline, self.val_data, self.val_goals, windows=self.eval_windows
        )
        if self.idm is not None:
            metrics.update(
                evaluate_policy(pipeline, self.idm, self.val_data, self.val_goals, windows=24)
            )
        return metrics

    @functools.cached_property
    def idm(self):
        """The IDM that inverts imaginations in evaluation; None when it reads frames of
        another size (the policy figures are then left out)."""
        from worldmodel.idm.modeling_idm import InverseDynamicsModel

        idm = InverseDynamicsModel.from_pretrained(self.idm_dir)
        return idm if idm.config.image_size == self.config.image_size else None
