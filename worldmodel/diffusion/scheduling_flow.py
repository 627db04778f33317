"""Flow matching (rectified flow): the noise schedule for training and the Euler sampler.

Convention (as in SD3 / diffusers' FlowMatchEulerDiscreteScheduler): x_sigma = (1 - sigma) x0 +
sigma * noise, sigma = 1 is pure noise. The world model predicts the clean sample x0, and the
Euler step is written with it (`step_x0`).
"""

from __future__ import annotations

import torch


def shift_sigmas(sigmas: torch.Tensor, shift: float) -> torch.Tensor:
    """Spend more of the steps at high noise when shift > 1 (the coarse layout is decided there)."""
    return shift * sigmas / (1 + (shift - 1) * sigmas)


def sample_training_sigmas(
    batch: int, generator: torch.Generator, device: torch.device | str = "cpu", shift: float = 1.0
) -> torch.Tensor:
    """Logit-normal noise levels (SD3), optionally shifted."""
    u = torch.randn(batch, generator=generator, device=device)
    return shift_sigmas(torch.sigmoid(u), shift)


def add_noise(x0: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    s = sigma.view(-1, *([1] * (x0.dim() - 1)))
    return (1 - s) * x0 + s * noise


class FlowMatchEulerScheduler:
    """`steps` Euler steps of the probability-flow ODE from sigma = 1 down to 0."""

    def __init__(self, steps: int, shift: float = 1.0) -> None:
        if steps < 1:
            raise ValueError(f"steps must be >= 1; got {steps}")
        self.sigmas = shift_sigmas(torch.linspace(1.0, 0.0, steps + 1), shift)

    def __len__(self) -> int:
        return len(self.sigmas) - 1

    def step_x0(self, x0: torch.Tensor, i: int, sample: torch.Tensor) -> torch.Tensor:
        """The same Euler step written with the clean estimate: v = (sample - x0) / sigma."""
        ratio = self.sigmas[i + 1] / self.sigmas[i]
        return ratio * sample + (1 - ratio) * x0
