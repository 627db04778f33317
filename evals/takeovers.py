"""`reverie record-takeovers`: expert corrections from the states the world-model executor reaches
(DAgger), as extra training episodes for the world model.

The recorded experts start from rest. In closed loop the executor drifts to states no expert
episode visits (the hand stalled beside the button, a few centimetres short), and the world model
has never seen what should happen next there. For each seeded task the executor acts for a random
4..48 steps, then the scripted expert finishes from wherever the robot is. Only the expert's part is
kept, with the goal points perceived when the skill began (worldmodel/goals.py, as the executor
sees them), so it trains the world model like any recorded episode. Ground truth drives the expert here, which is what data is
for; the agent never sees it.

Tasks are drawn from the seen compositions only, so held-out figures stay held out. Every task is
deterministic in its seed (the executor's sampling seed and the hand-over step come from it), so
`--workers` does not change what is recorded. Saved as one `.npz` (no pickle), written atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from evals.rollouts import KINDS, record_in_processes
from worldmodel.data.collected import FIELDS

HANDOVER_CHUNKS = (1, 12)  # the executor acts for 4 x [1, 12] steps before the expert takes over
EXPERT_STEPS = 100  # longest expert finish kept


def record_takeovers(
    out: Path,
    episodes: int,
    seed: int = 40_000,
    workers: int = 1,
    checkpoints: Path | None = None,
    progress: Callable[[int, bool], None] | None = None,
) -> dict:
    """Record expert take-overs on task seeds `seed .. seed+episodes-1` into `out`; returns a
    summary. `progress(done, success)` is called after every task."""
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1; got {episodes}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    options = str(checkpoints) if checkpoints else None
    with tempfile.TemporaryDirectory() as tmp:
        parts = record_in_processes(
            _record_part, seed, episodes, min(workers, episodes), Path(tmp), progress, options
        )
        loaded = [dict(np.load(p, allow_pickle=False)) for p in parts]
    joined = {k: np.concatenate([part[k] for part in loaded]) for k in FIELDS}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(tmp_out, **joined)
    tmp_out.replace(out)
    return {
        "episodes": episodes,
        "frames": int(joined["lengths"].sum()),
        "expert_successes": int(joined["success"].sum()),
    }


def _record_part(seed: int, episodes: int, part: Path, progress, options) -> None:
    arrays = _record_range(seed, episodes, options, progress)
    np.savez(part, **arrays)


def _record_range(seed, episodes, checkpoints, progress) -> dict[str, np.ndarray]:
    os.environ.setdefault("MUJOCO_GL", "egl")
    from agent.completion import CompletionRule
    from evals.skills_eval import WorldModelSkillExecutor, task_for
    from robot_bridge.sim.experts import expert_actions
    from robot_bridge.sim.predicates import is_success
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.data.episodes import _state
    from worldmodel.goals import goal_points
    from worldmodel.imagine import Imaginer

    imaginer = Imaginer(checkpoints)
    sim = TabletopSim(image_size=imaginer.image_size)
    episodes_out: list[dict] = []
    for s in range(seed, seed + episodes):
        call = task_for(sim, KINDS[s % len(KINDS)], s, split="seen")
        start = sim.scene()
        # the goal points as the executor sees them: perceived when the skill began
        goals, mask = goal_points(call.skill, call.args, sim.observe().objects)
        handover = 4 * int(np.random.default_rng(s).integers(*HANDOVER_CHUNKS, endpoint=True))
        # the executor's own sampling seed comes from the task, whatever the worker split
        executor = WorldModelSkillExecutor(
            seed=s * 1000,
            rollouts=1,
            completion=CompletionRule(confirmations=None),  # the handover ends the learned part
            imaginer=imaginer,
            judge_path=Path(checkpoints) / "judge" if checkpoints else None,
        )
        for i, action in enumerate(executor.actions(sim, call)):
            sim.step(action)
            if i + 1 >= handover:
                break
        frames, states, actions = [sim.render()], [_state(sim)], []
        for i, action in enumerate(expert_actions(sim, call)):
            if i >= EXPERT_STEPS:
                break
            applied, _ = sim.step(action)
            actions.append(np.asarray(applied, np.float32))
            frames.append(sim.render())
            states.append(_state(sim))
        grip = actions[-1][3] if actions else -1.0
        actions.append(np.array([0, 0, 0, grip], np.float32))  # the last frame rests
        success = bool(is_success(call, sim.scene(), start))
        episodes_out.append(
            {
                "frames": np.stack(frames),
                "actions": np.stack(actions),
                "states": np.stack(states),
                "instruction": call.instruction(),
                "skill": call.skill,
                "goals": np.asarray(goals, np.float32),
                "goal_mask": np.asarray(mask, np.float32),
                "success": success,
                "handover_step": handover,
            }
        )
        if progress:
            progress(s - seed + 1, success)
    sim.close()
    return {
        "frames": np.concatenate([e["frames"] for e in episodes_out]),
        "actions": np.concatenate([e["actions"] for e in episodes_out]),
        "states": np.concatenate([e["states"] for e in episodes_out]),
        "lengths": np.array([len(e["frames"]) for e in episodes_out], np.int64),
        "instructions": np.array([e["instruction"] for e in episodes_out], dtype=str),
        "skills": np.array([e["skill"] for e in episodes_out], dtype=str),
        "goals": np.stack([e["goals"] for e in episodes_out]),
        "goal_mask": np.stack([e["goal_mask"] for e in episodes_out]),
        "success": np.array([e["success"] for e in episodes_out], bool),
        "handover_step": np.array([e["handover_step"] for e in episodes_out], np.int64),
        "task_seed": np.arange(seed, seed + episodes, dtype=np.int64),
    }
