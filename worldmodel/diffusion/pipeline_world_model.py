"""Sampling: imagine N futures of the current frame in one batch, in a few Euler steps.

context frames --VAE--> latents ─┐
instruction --text encoder------─┼─> transformer (x steps, classifier-free guidance) ─VAE─> frames
actions (optional) -------------─┘                       (with actions: ─> pixel refiner ─> frames)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import CONFIG_NAME, DEFAULT_CHECKPOINTS, weights_sha256
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.scheduling_flow import FlowMatchEulerScheduler
from worldmodel.refiner.modeling_refiner import FrameRefiner
from worldmodel.training.data import to_tensor
from worldmodel.vae.modeling_vae import FrameVAE

# Euler steps per imagination. The model predicts the clean target, so the first step is already
# its best guess of the mean future; measured on test windows, 1, 2 and 4 steps give the same
# PSNR within 0.1 dB, and 2 keep some of the sampling's diversity at half the cost of 4.
SAMPLING_STEPS = 2


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(..., 3, H, W) in [-1, 1] -> (..., H, W, 3) uint8."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.movedim(-3, -1).cpu().numpy()


class WorldModelPipeline:
    def __init__(
        self,
        vae: FrameVAE,
        model: WorldModel,
        residual_pixels: bool = True,
        change_threshold: float = 0.0,
        refiner: FrameRefiner | None = None,
    ) -> None:
        if vae.config.latent_channels != model.config.latent_channels:
            raise ValueError(
                f"VAE latents have {vae.config.latent_channels} channels but the world model "
                f"expects {model.config.latent_channels}; use the VAE it was trained with"
            )
        self.vae, self.model = vae, model
        self.residual_pixels = residual_pixels
        self.change_threshold = change_threshold
        self.refiner = refiner

    @classmethod
    def from_pretrained(
        cls, root: Path | str | None = None, device: str = "cpu", with_refiner: bool = True
    ):
        """Load `root/vae`, `root/wm` and, when there is one, `root/refiner` (default: the
        shipped checkpoints)."""
        root = Path(root) if root else DEFAULT_CHECKPOINTS
        refiner = None
        if with_refiner and (root / "refiner" / CONFIG_NAME).is_file():
            refiner = FrameRefiner.from_pretrained(root / "refiner", device)
            made_for, found = refiner.config.world_model_sha256, weights_sha256(root / "wm")
            if made_for not in (None, found):
                warnings.warn(
                    f"{root / 'refiner'} was trained on the imaginations of another world model "
                    f"(weights {made_for}, found {found}); it is left out. Retrain it with "
                    "`reverie train refiner`.",
                    stacklevel=2,
                )
                refiner = None
        return cls(
            FrameVAE.from_pretrained(root / "vae", device),
            WorldModel.from_pretrained(root / "wm", device),
            refiner=refiner,
        )

    @property
    def device(self) -> torch.device:
        return self.model.latent_mean.device

    @property
    def horizon(self) -> int:
        return self.model.config.frames

    def _pad_context(self, frames: np.ndarray) -> np.ndarray:
        """With fewer than `context_frames` frames the first one is repeated (a robot at rest)."""
        k = self.model.config.context_frames
        if frames.shape[1] < k:
            pad = np.repeat(frames[:, :1], k - frames.shape[1], axis=1)
            frames = np.concatenate([pad, frames], axis=1)
        return frames[:, -k:]

    @torch.no_grad()
    def encode_context(self, frames: np.ndarray) -> torch.Tensor:
        """uint8 (B, K, H, W, 3), K >= 1 -> normalized latents (B, C, context_frames, h, w)."""
        z = self.vae.encode_video(to_tensor(self._pad_context(frames)).to(self.device))
        return self.model.normalize(z)

    @torch.no_grad()
    def __call__(
        self,
        context: np.ndarray,
        instructions: list[str],
        actions: np.ndarray | None = None,
        steps: int = SAMPLING_STEPS,
        guidance: float = 1.0,
        shift: float | None = None,
        seed: int = 0,
        decode: bool = True,
        states: np.ndarray | None = None,
        goals: tuple[np.ndarray, np.ndarray] | None = None,
        refine: bool = True,
    ) -> np.ndarray | torch.Tensor:
        """Imagine `len(instructions)` futures. context: uint8 (B, K, H, W, 3) (the last frame is
        the current one); actions: (B, frames, A) or None; states: proprioception of the current
        frame (B, S) (ee x, y, z, gripper opening) or None; goals: the skill's goal points
        (B, 2, 3) and mask (B, 2) (worldmodel/goals.py) or None. With `refine`, a refiner and both
        actions and states, the frames go through the pixel refiner. Returns uint8
        (B, frames, H, W, 3), or the normalized latents when `decode` is False."""
        context = self._pad_context(context)
        model, cfg = self.model, self.model.config
        b = len(instructions)
        if context.shape[0] != b:
            raise ValueError(f"{context.shape[0]} contexts for {b} instructions")
        # 1. conditions
        ctx = self.encode_context(context)
        text = model.encode_text(list(instructions))
        null = model.encode_text([""] * b) if guidance != 1.0 else None
        act = None
        if actions is not None:
            act = torch.as_tensor(np.asarray(actions), dtype=torch.float32, device=self.device)
            if act.shape != (b, cfg.frames, cfg.action_dim):
                raise ValueError(
                    f"actions must have shape {(b, cfg.frames, cfg.action_dim)}, got {tuple(act.shape)}"
                )
        st = None
        if states is not None:
            st = torch.as_tensor(np.asarray(states), dtype=torch.float32, device=self.device)
            if st.shape != (b, cfg.state_dim):
                raise ValueError(
                    f"states must have shape {(b, cfg.state_dim)}, got {tuple(st.shape)}"
                )
        gp = gm = None
        if goals is not None:
            gp, gm = (
                torch.as_tensor(np.asarray(g), dtype=torch.float32, device=self.device)
                for g in goals
            )
            if gp.shape != (b, 2, 3) or gm.shape != (b, 2):
                raise ValueError(
                    f"goals must be points (B, 2, 3) and mask (B, 2), got {tuple(gp.shape)}, {tuple(gm.shape)}"
                )
        # 2. seeded noise, one stream per call
        gen = torch.Generator(self.device).manual_seed(seed)
        shape = (b, cfg.latent_channels, cfg.frames, cfg.latent_size, cfg.latent_size)
        x = torch.randn(shape, generator=gen, device=self.device)
        # 3. Euler steps along the flow, with classifier-free guidance on the instruction and the
        # goal points (the null branch has neither: guidance amplifies what they ask for)
        scheduler = FlowMatchEulerScheduler(steps, cfg.noise_shift if shift is None else shift)
        for i in range(len(scheduler)):
            sigma = scheduler.sigmas[i].expand(b).to(self.device)
            if null is None:
                x0 = model.predict_x0(
                    x, sigma, ctx, text, actions=act, state=st, goals=gp, goal_mask=gm
                )
            else:
                both = model.predict_x0(
                    torch.cat([x, x]),
                    torch.cat([sigma, sigma]),
                    torch.cat([ctx, ctx]),
                    _cat_text(text, null),
                    actions=None if act is None else torch.cat([act, act]),
                    state=None if st is None else torch.cat([st, st]),
                    goals=None if gp is None else torch.cat([gp, gp]),
                    goal_mask=None if gm is None else torch.cat([gm, gm * 0]),
                )
                x0_cond, x0_null = both.chunk(2)
                x0 = x0_null + guidance * (x0_cond - x0_null)
            x = scheduler.step_x0(x0, i, x)
        latents = model.from_target(x, ctx)
        if not decode:
            return latents
        # 4. back to pixels; with `residual_pixels` the imagined change is added to the real
        # current frame, so what does not move keeps the camera's pixels exactly
        images = self.vae.decode_video(model.denormalize(latents))
        if self.residual_pixels:
            now = self.vae.decode_video(model.denormalize(ctx[:, :, -1:]))
            change = images - now
            if self.change_threshold > 0:  # ignore faint changes: decoder noise, not motion
                keep = change.abs().amax(dim=2, keepdim=True) > self.change_threshold
                change = change * keep
            images = to_tensor(context[:, -1:]).to(self.device) + change
        images = to_uint8(images)
        if refine and actions is not None and states is not None:
            images = self.refine(context[:, -1], images, states, actions)
        return images

    @torch.no_grad()
    def refine(
        self, now: np.ndarray, imagined: np.ndarray, states: np.ndarray, actions: np.ndarray
    ) -> np.ndarray:
        """The pixel refiner on uint8 imagined frames (B, T, H, W, 3) of the current frames
        (B, H, W, 3) under the given states and actions; unchanged without a refiner."""
        if self.refiner is None:
            return imagined
        out = self.refiner(
            to_tensor(now).to(self.device),
            to_tensor(imagined).to(self.device),
            torch.as_tensor(np.asarray(states), dtype=torch.float32, device=self.device),
            torch.as_tensor(np.asarray(actions), dtype=torch.float32, device=self.device),
        )
        return to_uint8(out)


def _cat_text(a, b):
    from worldmodel.text.modeling_text import TextEncoding

    return TextEncoding(
        torch.cat([a.tokens, b.tokens]),
        torch.cat([a.mask, b.mask]),
        torch.cat([a.pooled, b.pooled]),
    )
