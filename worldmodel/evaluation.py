"""Quality metrics of the learned models on recorded episodes (used by `reverie wm score`,
the benchmarks and training-time evaluation). Baselines are always measured in the same run."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from worldmodel.diffusion.pipeline_world_model import SAMPLING_STEPS
from worldmodel.training.cache import EpisodeArrays


def psnr_db(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """PSNR per image for uint8 arrays (..., H, W, 3); returns shape (...)."""
    err = (pred.astype(np.float32) - truth.astype(np.float32)) / 255.0
    mse = np.square(err).reshape(*err.shape[:-3], -1).mean(-1)
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-10))


def _gaussian(size: int = 7, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - size // 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = (g / g.sum())[:, None] * (g / g.sum())[None, :]
    return g.expand(3, 1, size, size).contiguous()


def ssim(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """SSIM per image (Gaussian window 7, sigma 1.5, valid region) for uint8 (..., H, W, 3)."""
    lead = pred.shape[:-3]
    a = torch.from_numpy(pred.reshape(-1, *pred.shape[-3:])).permute(0, 3, 1, 2).float() / 255
    b = torch.from_numpy(truth.reshape(-1, *truth.shape[-3:])).permute(0, 3, 1, 2).float() / 255
    w = _gaussian()
    mu_a, mu_b = F.conv2d(a, w, groups=3), F.conv2d(b, w, groups=3)
    var_a = F.conv2d(a * a, w, groups=3) - mu_a**2
    var_b = F.conv2d(b * b, w, groups=3) - mu_b**2
    cov = F.conv2d(a * b, w, groups=3) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return s.flatten(1).mean(1).numpy().reshape(lead)


def evaluation_windows(
    data: EpisodeArrays,
    horizon: int,
    count: int,
    seed: int = 0,
    episodes: np.ndarray | None = None,
) -> np.ndarray:
    """(N, 2) rows (episode, t0) whose whole horizon is real (no padding), sampled evenly (from
    `episodes` only, when given)."""
    chosen = np.arange(len(data.lengths)) if episodes is None else np.asarray(episodes)
    rows = [
        np.stack([np.full(n - horizon, e), np.arange(n - horizon)], 1)
        for e, n in zip(chosen, data.lengths[chosen], strict=True)
        if n > horizon
    ]
    rows = np.concatenate(rows).astype(np.int64)
    if count < len(rows):
        rows = rows[np.sort(np.random.default_rng(seed).choice(len(rows), count, replace=False))]
    return rows


@torch.no_grad()
def evaluate_world_model(
    pipeline,
    data: EpisodeArrays,
    goals: tuple[np.ndarray, np.ndarray] | None = None,
    windows: int = 256,
    steps: int = SAMPLING_STEPS,
    seed: int = 0,
    batch_size: int = 16,
) -> dict:
    """Action-conditioned prediction vs the real future, per horizon step, against copying the
    current frame (the copy baseline) on the same windows. goals: the episodes' goal points and
    masks (worldmodel/goals.py `episode_goals`), or None."""
    from worldmodel.training.wm import window_indices

    cfg = pipeline.model.config
    rows = evaluation_windows(data, cfg.frames, windows, seed)
    ctx, fut, act = window_indices(data, rows, cfg.context_frames, cfg.frames)
    psnr_pred, psnr_copy, ssim_pred, ssim_copy = [], [], [], []
    for i in range(0, len(rows), batch_size):
        sl = slice(i, i + batch_size)
        episodes = rows[sl, 0]
        context, truth = data.frames[ctx[sl]], data.frames[fut[sl]]
        pred = pipeline(
            context,
            [data.skills[e] for e in episodes],
            data.states[ctx[sl, -1]],
            goals=None if goals is None else (goals[0][episodes], goals[1][episodes]),
            actions=data.actions[act[sl]],
            steps=steps,
            seed=seed + i,
        )
        copy = np.repeat(context[:, -1:], cfg.frames, axis=1)
        psnr_pred.append(psnr_db(pred, truth))
        psnr_copy.append(psnr_db(copy, truth))
        ssim_pred.append(ssim(pred, truth))
        ssim_copy.append(ssim(copy, truth))
    per_step = lambda xs: [round(float(v), 3) for v in np.concatenate(xs).mean(0)]  # noqa: E731
    out = {
        "wm.psnr_db": per_step(psnr_pred),
        "wm.psnr_copy_db": per_step(psnr_copy),
        "wm.ssim": per_step(ssim_pred),
        "wm.ssim_copy": per_step(ssim_copy),
        "wm.windows": len(rows),
        "wm.sampling_steps": steps,
    }
    out["wm.psnr_gain_final_db"] = round(out["wm.psnr_db"][-1] - out["wm.psnr_copy_db"][-1], 3)
    return out


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-8)


@torch.no_grad()
def evaluate_policy(
    pipeline,
    idm,
    data: EpisodeArrays,
    goals: tuple[np.ndarray, np.ndarray],
    windows: int = 48,
    rollouts: int = 4,
    steps: int = SAMPLING_STEPS,
    seed: int = 0,
    context: int | None = None,
) -> dict:
    """Imagination without actions as a policy: on windows of success episodes, the IDM's actions
    of each imagined rollout against the expert's next moves. `move_cosine`: cosine between the
    hand displacement they command over the horizon (xyz summed); `move_ratio`: median length
    ratio (imagined / expert). Baseline on the same windows: repeating the last real action
    (carrying on with the current motion). goals: the episodes' goal points and masks
    (worldmodel/goals.py `episode_goals`); context: real frames shown (default: as many as the
    model takes; 1 shows the current frame alone, as a robot at rest)."""
    from worldmodel.training.wm import window_indices

    cfg = pipeline.model.config
    rows = evaluation_windows(data, cfg.frames, windows, seed, np.flatnonzero(data.success))
    shown = cfg.context_frames if context is None else context
    ctx, _, act = window_indices(data, rows, cfg.context_frames, cfg.frames)
    cosines, ratios, baseline = [], [], []
    for i, (e, t0) in enumerate(rows):
        frames = np.repeat(data.frames[ctx[i, -shown:]][None], rollouts, axis=0)
        imagined = pipeline(
            frames,
            [data.skills[e]] * rollouts,
            np.repeat(data.states[ctx[i, -1]][None], rollouts, axis=0),
            goals=tuple(np.repeat(g[e][None], rollouts, axis=0) for g in goals),
            steps=steps,
            seed=seed + i,
        )
        moves = idm.invert(np.concatenate([frames[:, -1:], imagined], axis=1)).cpu().numpy()
        moved, expert = moves[..., :3].sum(1), data.actions[act[i], :3].sum(0)
        cosines.append(_cosine(moved, expert[None]).mean())
        ratios.append(np.median(np.linalg.norm(moved, axis=-1)) / (np.linalg.norm(expert) + 1e-8))
        last = data.actions[ctx[i, -1] - 1, :3] if t0 > 0 else np.zeros(3, np.float32)
        baseline.append(_cosine(last * cfg.frames, expert))
    return {
        "policy.move_cosine": round(float(np.mean(cosines)), 3),
        "policy.move_ratio": round(float(np.median(ratios)), 3),
        "policy.move_cosine_continue": round(float(np.mean(baseline)), 3),
        "policy.context_frames": shown,
        "policy.windows": len(rows),
        "policy.rollouts": rollouts,
    }
