"""Sampling: imagine N futures of the current frame in one batch, in a few Euler steps.

context frames, skill, goals (perception), proprioception, actions (optional)
    -> U-Net (x steps along the flow, predicting the clean change) -> current frame + change
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.scheduling_flow import FlowMatchEulerScheduler
from worldmodel.training.data import to_tensor

# Euler steps per imagination. The model predicts the clean change, so the first step is already
# its best guess of the mean future; the later ones add the detail and the spread between rollouts.
SAMPLING_STEPS = 3


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(..., 3, H, W) in [-1, 1] -> (..., H, W, 3) uint8."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.movedim(-3, -1).cpu().numpy()


class WorldModelPipeline:
    def __init__(self, model: WorldModel) -> None:
        self.model = model

    @classmethod
    def from_pretrained(cls, root: Path | str | None = None, device: str = "cpu"):
        """Load `root/wm` (default: the shipped checkpoints)."""
        root = Path(root) if root else DEFAULT_CHECKPOINTS
        return cls(WorldModel.from_pretrained(root / "wm", device))

    @property
    def device(self) -> torch.device:
        return self.model.delta_scale.device

    @property
    def horizon(self) -> int:
        return self.model.config.frames

    @property
    def image_size(self) -> int:
        return self.model.config.image_size

    def _pad_context(self, frames: np.ndarray) -> np.ndarray:
        """With fewer than `context_frames` frames the first one is repeated (a robot at rest)."""
        k = self.model.config.context_frames
        if frames.shape[1] < k:
            pad = np.repeat(frames[:, :1], k - frames.shape[1], axis=1)
            frames = np.concatenate([pad, frames], axis=1)
        return frames[:, -k:]

    def _tensor(self, value, shape: tuple, name: str) -> torch.Tensor:
        t = torch.as_tensor(np.asarray(value), dtype=torch.float32, device=self.device)
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
        return t

    @torch.no_grad()
    def __call__(
        self,
        context: np.ndarray,
        skills: list[str | None],
        states: np.ndarray,
        goals: tuple[np.ndarray, np.ndarray] | None = None,
        actions: np.ndarray | None = None,
        steps: int = SAMPLING_STEPS,
        seed: int = 0,
    ) -> np.ndarray:
        """Imagine `len(skills)` futures. context: uint8 (B, K, H, W, 3) (the last frame is the
        current one); skills: skill kinds (None: unconditional); states: proprioception now
        (B, S) (ee x, y, z, gripper opening); goals: the skill's goal points (B, 2, 3) and mask
        (B, 2) (worldmodel/goals.py) or None; actions: (B, frames, A) to simulate, or None to
        imagine freely. Returns uint8 (B, frames, H, W, 3)."""
        model, cfg = self.model, self.model.config
        b = len(skills)
        if context.ndim != 5 or context.shape[0] != b or context.shape[-1] != 3:
            raise ValueError(
                f"context must be uint8 (B={b}, K, H, W, 3); got shape {tuple(context.shape)}"
            )
        if context.shape[2:4] != (cfg.image_size, cfg.image_size):
            raise ValueError(
                f"the world model imagines {cfg.image_size} px frames; got "
                f"{context.shape[2]}x{context.shape[3]} (resize the camera frames first)"
            )
        # 1. conditions
        ctx = to_tensor(self._pad_context(context)).to(self.device)
        now = ctx[:, -1]
        skill_ids = model.skill_ids(list(skills))
        st = self._tensor(states, (b, cfg.state_dim), "states")
        if goals is None:
            gp, gm = torch.zeros(b, 2, 3, device=self.device), torch.zeros(b, 2, device=self.device)
        else:
            gp = self._tensor(goals[0], (b, 2, 3), "goal points")
            gm = self._tensor(goals[1], (b, 2), "goal mask")
        act = None
        if actions is not None:
            act = self._tensor(actions, (b, cfg.frames, cfg.action_dim), "actions")
        # 2. seeded noise, one stream per call
        gen = torch.Generator(self.device).manual_seed(seed)
        shape = (b, 3 * cfg.frames, cfg.image_size, cfg.image_size)
        x = torch.randn(shape, generator=gen, device=self.device)
        # 3. Euler steps along the flow
        scheduler = FlowMatchEulerScheduler(steps, cfg.noise_shift)
        for i in range(len(scheduler)):
            sigma = scheduler.sigmas[i].expand(b).to(self.device)
            x0 = model(x, sigma, ctx, skill_ids, st, gp, gm, act)
            x = scheduler.step_x0(x0, i, x)
        return to_uint8(model.from_target(x, now))
