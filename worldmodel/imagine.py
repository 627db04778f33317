"""Imagine, invert, judge: the world-model policy step the agent and `reverie wm imagine` use.

From the robot's recent camera frames and an instruction, imagine N futures in one batch, turn
each into actions with the IDM, and score each with the judge (on the frames since the skill
began followed by the imagined ones). The caller executes the best rollout's actions, observes,
and imagines again (receding horizon).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS
from worldmodel.diffusion.pipeline_world_model import SAMPLING_STEPS


@dataclass
class Imagination:
    frames: np.ndarray  # (N, T + 1, H, W, 3) uint8: the current frame, then T imagined frames
    actions: np.ndarray  # (N, T, 4) IDM actions between consecutive frames, in [-1, 1]
    scores: np.ndarray  # (N,) judge P(accomplished) per rollout
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> int:
        return int(np.argmax(self.scores))


class Imaginer:
    """The shipped world model, IDM and judge, loaded once."""

    def __init__(
        self,
        checkpoints: Path | str | None = None,
        steps: int = SAMPLING_STEPS,
        device: str = "cpu",
    ) -> None:
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.idm.modeling_idm import InverseDynamicsModel
        from worldmodel.judge.modeling_judge import Judge

        start = time.perf_counter()
        root = Path(checkpoints) if checkpoints else DEFAULT_CHECKPOINTS
        self.pipeline = WorldModelPipeline.from_pretrained(root, device)
        self.idm = InverseDynamicsModel.from_pretrained(root / "idm", device)
        self.judge = Judge.from_pretrained(root / "judge", device)
        self.steps = steps
        self.load_s = time.perf_counter() - start

    @property
    def horizon_frames(self) -> int:
        return self.pipeline.horizon

    @property
    def image_size(self) -> int:
        """The camera frame size the models were trained on (pixels)."""
        return self.pipeline.image_size

    @property
    def fps(self) -> int:
        return self.pipeline.model.config.fps

    @torch.no_grad()
    def imagine(
        self,
        recent: np.ndarray,
        instruction: str,
        skill: str | None,
        state: np.ndarray,
        rollouts: int = 4,
        seed: int = 0,
        history: np.ndarray | None = None,
        actions: np.ndarray | None = None,
        goals: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Imagination:
        """recent: uint8 (K, H, W, 3) latest real frames (the last is now); instruction: what the
        judge scores against; skill: the skill kind the world model imagines (None: any);
        state: proprioception now (ee x, y, z, gripper opening); history: frames since the skill
        began (for the judge; default `recent`); actions: (T, 4) to simulate instead of
        imagining freely; goals: the skill's goal points (2, 3) and mask (2,) from perception
        (worldmodel/goals.py)."""
        if recent.ndim != 4 or recent.shape[-1] != 3:
            raise ValueError(f"recent frames must be (K, H, W, 3) uint8; got shape {recent.shape}")
        t0 = time.perf_counter()
        context = np.repeat(recent[None], rollouts, axis=0)
        acts = None if actions is None else np.repeat(np.asarray(actions)[None], rollouts, axis=0)
        states = np.repeat(np.asarray(state, np.float32)[None], rollouts, axis=0)
        if goals is not None:
            goals = tuple(np.repeat(np.asarray(g)[None], rollouts, axis=0) for g in goals)
        imagined = self.pipeline(
            context,
            [skill] * rollouts,
            states,
            goals=goals,
            actions=acts,
            steps=self.steps,
            seed=seed,
        )
        t1 = time.perf_counter()
        frames = np.concatenate([context[:, -1:], imagined], axis=1)
        inverted = self.idm.invert(np.concatenate([context, imagined], axis=1))
        inverted = inverted[:, recent.shape[0] - 1 :].cpu().numpy()
        t2 = time.perf_counter()
        past = recent if history is None else history
        videos = [np.concatenate([past, v]) for v in imagined]
        scores = self.judge.score(videos, [instruction] * rollouts)
        t3 = time.perf_counter()
        return Imagination(
            frames=frames,
            actions=inverted,
            scores=scores,
            timings={
                "imagine_s": t1 - t0,
                "invert_s": t2 - t1,
                "judge_s": t3 - t2,
                "imagine_invert_s": t2 - t0,
            },
        )
