"""Training recipe of the world model: flow matching on VAE latents of real episode windows.

Every training frame is encoded once by the (frozen) VAE and cached. A window starts at frame t0
of an episode: context frames t0-K+1..t0 and future frames t0+1..t0+T with the actions
t0..t0+T-1 (indices past the end repeat the last, resting frame: the model also learns to stop).
Condition dropout (instruction -> "", actions -> absent) trains the unconditional branches that
classifier-free guidance and text-only imagination use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS, WEIGHTS_NAME, weights_sha256
from worldmodel.diffusion.configuration_world_model import WorldModelConfig
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.scheduling_flow import add_noise, sample_training_sigmas
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.data import to_tensor
from worldmodel.training.trainer import TrainConfig
from worldmodel.vae.modeling_vae import FrameVAE

DEFAULT_TRAIN = TrainConfig(
    steps=7000, batch_size=32, lr=5e-4, weight_decay=0.01, warmup=300, ema_decay=0.999
)


# Windows that start this close to an episode's start, where the hand is still at rest and only
# the instruction and goal maps say which way to go (`p_early` over-samples them).
EARLY_STEPS = 4


def window_rows(data: EpisodeArrays) -> np.ndarray:
    """(N, 2) rows (episode, t0) for every frame that has at least one successor."""
    rows = [
        np.stack([np.full(n - 1, e), np.arange(n - 1)], 1)
        for e, n in enumerate(data.lengths)
        if n > 1
    ]
    return np.concatenate(rows).astype(np.int64)


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


@torch.no_grad()
def encode_frames(
    vae: FrameVAE, frames: np.ndarray, batch_size: int = 256, progress=None
) -> np.ndarray:
    """Posterior means of every frame, float16 (N, C, h, w)."""
    c, s = vae.config.latent_channels, vae.config.latent_size
    out = np.zeros((len(frames), c, s, s), np.float16)
    for i in range(0, len(frames), batch_size):
        out[i : i + batch_size] = vae.encode(to_tensor(frames[i : i + batch_size]))[0].numpy()
        if progress:
            progress(min(len(frames), i + batch_size), len(frames))
    return out


def cached_latents(
    vae_dir: Path, vae: FrameVAE, data: EpisodeArrays, cache_dir: Path | None
) -> np.ndarray:
    """Latents of all frames of `data`, cached under `cache_dir` keyed by the VAE weights."""
    key = weights_sha256(vae_dir)
    path = cache_dir / f"latents_{key}_{len(data.frames)}.npy" if cache_dir else None
    if path and path.is_file():
        return np.load(path)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("encoding frames with the VAE", total=len(data.frames))
        latents = encode_frames(
            vae, data.frames, progress=lambda n, _: bar.update(task, completed=n)
        )
    if path:
        save_npy_atomic(path, latents)
    return latents


def save_npy_atomic(path: Path, array: np.ndarray) -> None:
    """Write `array` to `path` through a temporary file, so no reader sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(path)


class WorldModelRecipe:
    name = "wm"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None = None,
        config: WorldModelConfig | None = None,
        vae_dir: Path | None = None,
        cache_dir: Path | None = None,
        p_drop_text: float = 0.15,
        p_drop_actions: float = 0.3,
        p_drop_state: float = 0.1,
        p_full_noise: float = 0.1,
        p_drop_goals: float = 0.2,
        init_from: Path | None = None,
        eval_windows: int = 48,
        p_early: float = 0.0,
        goal_vectors: bool = False,
        takeovers: list[Path] | None = None,
        imagine_successes: bool = False,
        motion_weight: float = 0.0,
    ) -> None:
        """`takeovers`: `reverie record-takeovers` files whose episodes join `train`;
        `imagine_successes`: windows trained without their actions come from success episodes
        only (a failure's video, e.g. an expert sent to the wrong target, is not what its
        instruction looks like; with its actions it still teaches dynamics); `motion_weight`: each
        latent pixel's loss is weighted by 1 + motion_weight x how much it changes, relative to
        the batch's average change (the hand is a few latent pixels of a mostly still scene)."""
        vae_dir = Path(vae_dir) if vae_dir else DEFAULT_CHECKPOINTS / "vae"
        self.vae = FrameVAE.from_pretrained(vae_dir)
        vc = self.vae.config
        if vc.image_size != train.frames.shape[1]:
            raise ValueError(
                f"the VAE in {vae_dir} encodes {vc.image_size} px frames, the episodes are "
                f"{train.frames.shape[1]} px; train a VAE on them first (`reverie train vae`)"
            )
        self.config = config or WorldModelConfig(
            latent_channels=vc.latent_channels,
            latent_size=vc.latent_size,
            goal_vectors=goal_vectors,
        )
        if (self.config.latent_channels, self.config.latent_size) != (
            vc.latent_channels,
            vc.latent_size,
        ):
            raise ValueError(
                f"world model expects {self.config.latent_channels}x{self.config.latent_size}^2 latents, "
                f"the VAE in {vae_dir} gives {vc.latent_channels}x{vc.latent_size}^2"
            )
        self.train_data, self.val_data = train, val
        self.latents = cached_latents(vae_dir, self.vae, train, cache_dir)
        self.goals, self.goal_mask = self._episode_goals(cache_dir)
        self.takeover_digests: list[str] = []
        for path in takeovers or []:
            self._add_takeovers(Path(path), vae_dir, cache_dir)
        sample = self.latents[:: max(1, len(self.latents) // 4096)].astype(np.float32)
        self.latent_mean = sample.mean(axis=(0, 2, 3))
        self.latent_std = sample.std(axis=(0, 2, 3)) + 1e-6
        self.rows = window_rows(self.train_data)
        if not 0.0 <= p_early < 1.0:
            raise ValueError(f"early windows must be a fraction in [0, 1); got {p_early}")
        self.p_early = p_early
        self.early_rows = self.rows[self.rows[:, 1] < EARLY_STEPS]
        self.delta_std = self._delta_std()
        self.p_drop_text, self.p_drop_actions = p_drop_text, p_drop_actions
        self.imagine_successes = imagine_successes
        if motion_weight < 0:
            raise ValueError(f"motion weight must be >= 0; got {motion_weight}")
        self.motion_weight = motion_weight
        self.p_drop_state = p_drop_state
        self.p_full_noise = p_full_noise
        self.p_drop_goals = p_drop_goals
        self.init_from = Path(init_from) if init_from else None
        self.eval_windows = eval_windows

    def options(self) -> dict:
        """The recipe's settings, fingerprinted so a resumed run cannot silently change them."""
        return {
            "early_windows": self.p_early,
            "init_from": str(self.init_from) if self.init_from else None,
            "drop_text": self.p_drop_text,
            "drop_actions": self.p_drop_actions,
            "drop_state": self.p_drop_state,
            "drop_goals": self.p_drop_goals,
            "full_noise": self.p_full_noise,
            # absent when unused, so runs saved before these options existed still resume
            **({"takeovers": self.takeover_digests} if self.takeover_digests else {}),
            **({"imagine_successes": True} if self.imagine_successes else {}),
            **({"motion_weight": self.motion_weight} if self.motion_weight else {}),
        }

    def _add_takeovers(self, path: Path, vae_dir: Path, cache_dir: Path | None) -> None:
        """Append the take-over episodes of `path`, their latents (cached by the file's content)
        and the goal points perceived at each hand-over."""
        from worldmodel.data.lerobot_v3 import DatasetError
        from worldmodel.data.takeovers import load_takeovers
        from worldmodel.training.takeovers import file_digest, with_takeovers

        try:
            arrays = load_takeovers(path)
        except ValueError as exc:
            raise DatasetError(str(exc)) from exc
        digest = file_digest(path)
        self.takeover_digests.append(digest)
        self.train_data = with_takeovers(self.train_data, arrays)
        cached = None
        if cache_dir:
            cached = cache_dir / f"latents_{weights_sha256(vae_dir)}_takeovers_{digest}.npy"
        if cached and cached.is_file():
            extra = np.load(cached)
        else:
            extra = encode_frames(self.vae, arrays["frames"])
            if cached:
                save_npy_atomic(cached, extra)
        self.latents = np.concatenate([self.latents, extra])
        self.goals = np.concatenate([self.goals, arrays["goals"].astype(np.float32)])
        self.goal_mask = np.concatenate([self.goal_mask, arrays["goal_mask"].astype(np.float32)])

    def _delta_std(self, windows: int = 2048) -> np.ndarray:
        """Per-channel std of (future - current) in normalized latents, over sampled windows."""
        rng = np.random.default_rng(0)
        rows = self.rows[rng.integers(len(self.rows), size=windows)]
        ctx, fut, _ = window_indices(self.train_data, rows, 1, self.config.frames)
        mean, std = (
            self.latent_mean[None, None, :, None, None],
            self.latent_std[None, None, :, None, None],
        )
        now = (self.latents[ctx].astype(np.float32) - mean) / std
        later = (self.latents[fut].astype(np.float32) - mean) / std
        return (later - now).std(axis=(0, 1, 3, 4)) + 1e-3

    def _episode_goals(self, cache_dir: Path | None):
        from worldmodel.goals import episode_goals

        if self.train_data.root is None:  # arrays not read from a recorded split: no goals
            n = len(self.train_data)
            return np.zeros((n, 2, 3), np.float32), np.zeros((n, 2), np.float32)
        path = cache_dir / f"goals_{len(self.train_data)}.npz" if cache_dir else None
        if path and path.is_file():
            saved = np.load(path)
            return saved["points"], saved["mask"]
        points, mask = episode_goals(
            self.train_data.root, self.train_data.skills, self.train_data.args
        )
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez(tmp, points=points, mask=mask)
            tmp.replace(path)
        return points, mask

    def build_model(self) -> WorldModel:
        model = WorldModel(self.config)
        if self.init_from:  # fine-tune: a trained model's weights, new input channels at zero
            model.load_state_dict(_widened(self.init_from / WEIGHTS_NAME, model.state_dict()))
            return model
        model.latent_mean.copy_(torch.from_numpy(self.latent_mean))
        model.latent_std.copy_(torch.from_numpy(self.latent_std))
        model.delta_std.copy_(torch.from_numpy(self.delta_std.astype(np.float32)))
        return model

    def batch(self, rng: np.random.Generator, batch_size: int) -> dict:
        """Random windows; with `p_early`, that share of them from the episodes' first steps."""
        early = round(batch_size * self.p_early)
        if early == 0:
            return self._batch(self.rows, rng, batch_size)
        first = self._batch(self.early_rows, rng, early)
        rest = self._batch(self.rows, rng, batch_size - early)
        return {
            k: first[k] + rest[k] if isinstance(first[k], list) else torch.cat([first[k], rest[k]])
            for k in first
        }

    def _batch(self, rows: np.ndarray, rng: np.random.Generator, batch_size: int) -> dict:
        rows = rows[rng.integers(len(rows), size=batch_size)]
        cfg = self.config
        ctx, fut, act = window_indices(self.train_data, rows, cfg.context_frames, cfg.frames)

        def lat(idx: np.ndarray) -> torch.Tensor:  # (B, n) indices -> (B, C, n, h, w)
            z = torch.from_numpy(self.latents[idx.ravel()].astype(np.float32))
            return z.view(*idx.shape, *self.latents.shape[1:]).transpose(1, 2)

        instructions = [
            "" if rng.random() < self.p_drop_text else self.train_data.instructions[e]
            for e in rows[:, 0]
        ]
        return {
            "context": lat(ctx),
            "future": lat(fut),
            "actions": torch.from_numpy(self.train_data.actions[act]),
            "action_mask": torch.from_numpy(self._action_mask(rng, rows[:, 0])),
            "instructions": instructions,
            "state": torch.from_numpy(self.train_data.states[ctx[:, -1]]),
            "state_mask": torch.from_numpy(
                (rng.random(batch_size) >= self.p_drop_state).astype(np.float32)
            ),
            "goals": torch.from_numpy(self.goals[rows[:, 0]]),
            "goal_mask": torch.from_numpy(
                self.goal_mask[rows[:, 0]]
                * (rng.random((batch_size, 1)) >= self.p_drop_goals).astype(np.float32)
            ),
        }

    def _action_mask(self, rng: np.random.Generator, episodes: np.ndarray) -> np.ndarray:
        """1 where a window keeps its actions, 0 where it is imagined from text and goals."""
        free = rng.random(len(episodes)) < self.p_drop_actions
        if self.imagine_successes:
            free &= self.train_data.success[episodes]
        return (~free).astype(np.float32)

    def loss(self, model, batch, generator):
        ctx = model.normalize(batch["context"])
        x0 = model.to_target(model.normalize(batch["future"]), ctx)
        sigma = sample_training_sigmas(len(x0), generator, x0.device, model.config.noise_shift)
        # the first sampling step starts at exactly sigma = 1, which the logit-normal never draws
        full = torch.rand(len(x0), generator=generator, device=x0.device) < self.p_full_noise
        sigma = torch.where(full, torch.ones_like(sigma), sigma)
        noise = torch.randn(x0.shape, generator=generator, device=x0.device)
        text = model.encode_text(batch["instructions"])
        noisy = add_noise(x0, noise, sigma)
        out = model(
            noisy,
            sigma,
            ctx,
            text,
            batch["actions"],
            batch["action_mask"],
            batch["state"],
            batch["state_mask"],
            batch["goals"],
            batch["goal_mask"],
        )
        target = x0 if model.config.prediction == "x0" else noise - x0
        error = (out - target).square()
        if self.motion_weight:
            change = (x0 if model.config.predict_delta else x0 - ctx[:, :, -1:]).abs()
            change = change.mean(1, keepdim=True)
            error = error * (1 + self.motion_weight * change / (change.mean() + 1e-6))
        return error.mean(), {}

    def evaluate(self, model: WorldModel) -> dict:
        if self.val_data is None:
            return {}
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.evaluation import evaluate_world_model

        return evaluate_world_model(
            WorldModelPipeline(self.vae, model), self.val_data, windows=self.eval_windows
        )


def _widened(path: Path, target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A checkpoint's weights for a model with more input channels per token: the input
    projection gets zero columns for the new channels (they are packed last, so their columns
    are the last ones), and the fine-tuned model starts out predicting what the old one did."""
    from worldmodel.checkpoint import load_tensors

    weights = load_tensors(path)
    key = "transformer.proj_in.weight"
    old, new = weights[key], target[key]
    if old.shape != new.shape:
        if old.shape[0] != new.shape[0] or old.shape[1] > new.shape[1]:
            raise ValueError(f"{path}: cannot widen {tuple(old.shape)} to {tuple(new.shape)}")
        widened = torch.zeros_like(new)
        widened[:, : old.shape[1]] = old
        weights[key] = widened
    return weights
