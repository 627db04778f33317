"""Spatial and vector conditions shared by the world model and the behaviour-cloning policy.

Both see the same things a real robot offers: where perception saw the skill's objects
(worldmodel/goals.py), where the hand is (proprioception through the camera calibration) and,
for the world model simulating given actions, where those actions take the hand. Maps are Gaussian
blobs at the camera's full resolution, so a convolution compares hand and goal at the same pixel.
"""

from __future__ import annotations

import torch

from worldmodel.camera import gaussian_blobs

# Gaussian tails underflow to denormal floats, which made every convolution 10-30x slower on
# this CPU (measured); they are zero for every purpose here, so maps are floored. (Flushing
# denormals process-wide would do the same, but an import must not change float semantics for
# everyone: property-based tests that draw subnormal floats fail under it.)
BLOB_FLOOR = 1e-4
GOAL_FEATURES = 2 * 4  # per goal point: the offset from the hand (xyz) and its presence flag


def _floored(maps: torch.Tensor) -> torch.Tensor:
    return torch.where(maps > BLOB_FLOOR, maps, torch.zeros_like(maps))


def goal_and_hand_maps(
    state: torch.Tensor, goals: torch.Tensor, goal_mask: torch.Tensor, size: int, sigma: float
) -> torch.Tensor:
    """(B, 3, size, size): the object, the destination (zero where not perceived) and the hand now."""
    goal = gaussian_blobs(goals, size, sigma) * goal_mask[..., None, None]
    hand = gaussian_blobs(state[:, None, :3], size, sigma)
    return _floored(torch.cat([goal, hand], dim=1))


def hand_shadow_map(state: torch.Tensor, size: int, sigma: float) -> torch.Tensor:
    """(B, 1, size, size): the point of the table under the hand.

    One camera cannot tell "farther away" from "lower": a hand 13 cm from the button and 10 cm
    above it lands on the button's pixels, and a model reading only the hand blob believed it had
    arrived and stopped there (measured in closed loop). The goal points lie near the table, so
    the shadow on a goal blob says the hand is above it, and the hand blob's distance from its
    shadow says how high it is."""
    floor = state[:, None, :3] * torch.tensor([1.0, 1.0, 0.0], device=state.device)
    return _floored(gaussian_blobs(floor, size, sigma))


def action_path_maps(
    state: torch.Tensor, actions: torch.Tensor, step_size: float, size: int, sigma: float
) -> torch.Tensor:
    """(B, T, size, size): the hand where actions (B, T, A) take it after each step (their first
    three dims move it `step_size` metres per unit)."""
    path = state[:, None, :3] + step_size * actions[..., :3].cumsum(1)
    return _floored(gaussian_blobs(path, size, sigma))


def goal_features(
    state: torch.Tensor, goals: torch.Tensor, goal_mask: torch.Tensor
) -> torch.Tensor:
    """(B, GOAL_FEATURES): the offset from the hand to each goal point in decimetres (the
    direction to move, exactly, where the maps give it to a pixel) and the presence flags."""
    offsets = 10 * (goals - state[:, None, :3]) * goal_mask[..., None]
    return torch.cat([offsets.flatten(1), goal_mask], dim=1)
