"""Where a point on the table appears in the head camera's image (pinhole model of the simulated
camera, from its calibration in `robot_bridge.sim.layout`)."""

from __future__ import annotations

import math

import numpy as np
import torch

from robot_bridge.sim import layout as L


def _camera_axes(pos=L.CAMERA_POS, target=L.CAMERA_TARGET) -> np.ndarray:
    """Rows: right, up, forward (unit vectors in world coordinates), as MuJoCo builds them."""
    forward = np.subtract(target, pos).astype(np.float64)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return np.stack([right, up, forward])


_AXES = torch.tensor(_camera_axes(), dtype=torch.float32)
_ORIGIN = torch.tensor(L.CAMERA_POS, dtype=torch.float32)
_FOCAL = 0.5 / math.tan(math.radians(L.CAMERA_FOVY_DEG) / 2)  # in image widths (square images)


def project(points: torch.Tensor, camera: tuple | None = None) -> torch.Tensor:
    """World points (..., 3) in metres -> image coordinates (..., 2) as (x, y) in [-1, 1]
    (left to right, top to bottom), the convention of `torch.linspace(-1, 1, size)` pixel grids.
    `camera`: (position, target, vertical field of view in degrees) other than the head camera's."""
    axes, origin, focal = _AXES, _ORIGIN, _FOCAL
    if camera is not None:
        pos, target, fovy = camera
        axes = torch.tensor(_camera_axes(pos, target), dtype=torch.float32)
        origin = torch.tensor(pos, dtype=torch.float32)
        focal = 0.5 / math.tan(math.radians(fovy) / 2)
    cam = (points - origin.to(points)) @ axes.to(points).T
    depth = cam[..., 2:3].clamp_min(1e-3)
    x = cam[..., 0:1] / depth * focal * 2
    y = -cam[..., 1:2] / depth * focal * 2
    return torch.cat([x, y], dim=-1)


def gaussian_blobs(points: torch.Tensor, size: int, sigma: float) -> torch.Tensor:
    """Gaussian blobs (..., size, size) where the camera sees world points (..., 3), on the
    [-1, 1] pixel grid of `project` (sigma in the same units)."""
    xy = project(points)
    grid = torch.linspace(-1, 1, size, device=points.device)
    dx = grid[None, :] - xy[..., 0, None, None]
    dy = grid[:, None] - xy[..., 1, None, None]
    return torch.exp(-(dx.square() + dy.square()) / (2 * sigma**2))
