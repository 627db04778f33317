"""Expert take-overs (DAgger): the world-model executor acts, the scripted expert finishes, and
the expert's part joins the world model's training episodes."""

import numpy as np
import pytest
import torch

from evals.takeovers import HANDOVER_CHUNKS, record_takeovers
from tests.worldmodel.conftest import synthetic_arrays
from tests.worldmodel.test_world_model import TINY_WM
from worldmodel.checkpoint import CheckpointError
from worldmodel.data.collected import FIELDS
from worldmodel.data.lerobot_v3 import DatasetError
from worldmodel.training.trainer import TrainConfig, TrainingInterrupted, train
from worldmodel.training.wm import WorldModelRecipe

SEED = 40_004  # a stack task: two goal points, the block to move and the base


def test_recorded_takeover_is_an_expert_finish_from_the_executors_state(
    tmp_path, tiny_checkpoints, sim, monkeypatch
):
    """Untrained models act (what they do does not matter here); the recording keeps the
    expert's finish and the goal points perceived before anyone acted."""
    import worldmodel.goals
    from evals.rollouts import KINDS
    from evals.skills_eval import task_for
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.goals import goal_points

    steps, perceived_after = [0], []  # simulator steps so far; at each goal-point perception
    sim_step = TabletopSim.step

    def counting_step(self, *args, **kw):
        steps[0] += 1
        return sim_step(self, *args, **kw)

    def spying_goal_points(*args, **kw):
        perceived_after.append(steps[0])
        return goal_points(*args, **kw)

    monkeypatch.setattr(TabletopSim, "step", counting_step)
    monkeypatch.setattr(worldmodel.goals, "goal_points", spying_goal_points)
    seen = []
    summary = record_takeovers(
        tmp_path / "t.npz",
        episodes=1,
        seed=SEED,
        checkpoints=tiny_checkpoints,
        progress=lambda *a: seen.append(a),
    )
    assert summary["episodes"] == 1 and seen == [(1, summary["expert_successes"] == 1)]
    assert steps[0] >= 4 and perceived_after and set(perceived_after) == {0}  # none at hand-over
    monkeypatch.undo()
    # the task as the executor met it, before it acted
    call = task_for(sim, KINDS[SEED % len(KINDS)], SEED, split="seen")
    start = sim.observe()
    goals, mask = goal_points(call.skill, call.args, start.objects)
    with np.load(tmp_path / "t.npz", allow_pickle=False) as saved:
        assert set(FIELDS) <= set(saved.files)
        n = int(saved["lengths"][0])
        assert saved["frames"].shape == (n, 64, 64, 3) and len(saved["actions"]) == n
        assert len(saved["states"]) == n and summary["frames"] == n
        assert saved["task_seed"].tolist() == [SEED] and saved["skills"].tolist() == ["stack"]
        lo, hi = HANDOVER_CHUNKS
        assert 4 * lo <= saved["handover_step"][0] <= 4 * hi
        # the goal points perceived when the skill began, as the executor saw them
        assert mask.tolist() == [1, 1] and saved["goal_mask"][0].tolist() == [1, 1]
        np.testing.assert_allclose(saved["goals"][0], goals, atol=1e-6)
        # the recording starts where the executor left the hand, not at rest
        assert np.abs(saved["states"][0, :3] - np.asarray(start.ee_pos)).max() > 1e-3
        assert np.abs(saved["actions"][:-1, :3]).max() > 0.1  # the expert moves
        assert (saved["actions"][-1, :3] == 0).all()  # the last frame rests
    assert not list(tmp_path.glob("*.tmp*"))
    with pytest.raises(ValueError, match="workers must be >= 1"):
        record_takeovers(tmp_path / "x.npz", episodes=1, workers=0)
    with pytest.raises(ValueError, match="episodes must be >= 1"):
        record_takeovers(tmp_path / "x.npz", episodes=0)


def _takeover_file(path, size=32, lengths=(5, 7), value=9):
    n = sum(lengths)
    np.savez(
        path,
        frames=np.full((n, size, size, 3), value, np.uint8),
        actions=np.ones((n, 4), np.float32),
        states=np.zeros((n, 4), np.float32),
        lengths=np.array(lengths),
        instructions=np.array(["open the drawer", "press the button"]),
        skills=np.array(["open_drawer", "press_button"]),
        goals=np.full((2, 2, 3), 0.1, np.float32),
        goal_mask=np.array([[1, 0], [1, 0]], np.float32),
        success=np.array([True, True]),
        handover_step=np.array([8, 12]),
        task_seed=np.array([1, 2]),
    )
    return path


def test_recipe_appends_takeovers_with_their_goals(tmp_path):
    train_arrays = synthetic_arrays(episodes=4, length=6, size=32)
    path = _takeover_file(tmp_path / "t.npz")
    recipe = WorldModelRecipe(train_arrays, None, TINY_WM, takeovers=[path])
    data = recipe.train_data
    assert len(data) == 6 and data.episode_frames(5).shape == (7, 32, 32, 3)
    assert len(data.frames) == 24 + 12 and data.skills[4:] == ["open_drawer", "press_button"]
    assert recipe.goals.shape == (6, 2, 3) and np.allclose(recipe.goals[4:], 0.1)
    assert recipe.goal_mask[4:].tolist() == [[1, 0], [1, 0]] and recipe.goal_mask[:4].sum() == 0
    assert len(recipe.rows) == 4 * 5 + 4 + 6  # windows from the take-overs too
    # take-overs are expert successes: their first steps are early windows, they can be imagined
    assert {4, 5} <= set(recipe.early_rows[:, 0].tolist())
    assert len(recipe.options()["takeovers"]) == 1
    assert WorldModelRecipe(train_arrays, None, TINY_WM).options()["takeovers"] == []
    batch = recipe.batch(np.random.default_rng(0), 4)
    assert torch.isfinite(recipe.loss(recipe.build_model(), batch, torch.Generator())[0])

    with pytest.raises(DatasetError, match="record-takeovers"):
        WorldModelRecipe(
            train_arrays,
            None,
            TINY_WM,
            takeovers=[_takeover_file(tmp_path / "small.npz", size=16)],
        )
    np.savez(tmp_path / "partial.npz", frames=np.zeros((3, 32, 32, 3), np.uint8))
    with pytest.raises(DatasetError, match="missing actions"):
        WorldModelRecipe(train_arrays, None, TINY_WM, takeovers=[tmp_path / "partial.npz"])


def test_resuming_with_other_takeovers_is_refused(tmp_path):
    train_arrays = synthetic_arrays(episodes=4, length=6, size=32)
    config = TrainConfig(steps=3, batch_size=2, lr=1e-3, warmup=1, log_every=1)

    def recipe(path):
        return WorldModelRecipe(train_arrays, None, TINY_WM, takeovers=[path])

    first = _takeover_file(tmp_path / "a.npz")
    with pytest.raises(TrainingInterrupted):
        train(recipe(first), config, tmp_path / "run", max_seconds=0)
    other = _takeover_file(tmp_path / "b.npz", value=200)
    with pytest.raises(CheckpointError, match=r"changed: takeovers"):
        train(recipe(other), config, tmp_path / "run")
    assert train(recipe(first), config, tmp_path / "run")["steps"] == 3
