"""The agent's own attempts as judge training clips: recorded with the shipped models and labelled
by the simulator, appended to the training episodes by `reverie train judge`."""

import numpy as np
import pytest

from evals.rollouts import PREFIXES, STEPS, record_rollouts
from tests.worldmodel.conftest import synthetic_arrays
from worldmodel.data.collected import ROLLOUTS_NAME
from worldmodel.data.lerobot_v3 import DatasetError
from worldmodel.training.judge import with_rollouts


def test_recorded_attempt_gives_whole_and_prefix_clips(tmp_path):
    summary = record_rollouts(tmp_path / ROLLOUTS_NAME, episodes=1)
    assert summary == {"episodes": 1, "clips": 3, "successes": summary["successes"]}
    with np.load(tmp_path / ROLLOUTS_NAME, allow_pickle=False) as saved:
        assert saved["lengths"].tolist() == [p + 1 for p in (*PREFIXES, STEPS)]
        assert saved["frames"].shape == (sum(saved["lengths"]), 64, 64, 3)
        assert all(len(text) > 5 for text in saved["instructions"])
        assert saved["labels"].dtype == bool
    assert not list(tmp_path.glob("*.tmp*"))


def test_rollouts_are_appended_after_the_episodes(tmp_path):
    train = synthetic_arrays(episodes=4, length=6, size=32)
    frames = np.full((5 + 7, 32, 32, 3), 9, np.uint8)
    np.savez(
        tmp_path / "r.npz",
        frames=frames,
        lengths=np.array([5, 7]),
        labels=np.array([False, True]),
        instructions=np.array(["open the drawer", "press the button"]),
    )
    both = with_rollouts(train, tmp_path / "r.npz")
    assert len(both) == 6 and both.starts[:4].tolist() == train.starts.tolist()
    assert both.episode_frames(5).shape == (7, 32, 32, 3) and (both.episode_frames(4) == 9).all()
    assert both.success[4:].tolist() == [False, True]
    assert both.instructions[4:] == ["open the drawer", "press the button"]
    assert len(both.frames) == len(both.actions) == len(both.states)

    np.savez(tmp_path / "bad.npz", frames=frames[:, :16], lengths=np.array([12]))
    with pytest.raises(DatasetError, match="record-rollouts"):
        with_rollouts(train, tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_text("not numpy")
    with pytest.raises(DatasetError, match="not a rollouts file"):
        with_rollouts(train, tmp_path / "junk.npz")


def test_worker_processes_keep_seed_order(tmp_path):
    seen = []
    summary = record_rollouts(
        tmp_path / "two.npz", episodes=2, seed=20_005, workers=2, progress=lambda *a: seen.append(a)
    )
    assert summary["clips"] == 6 and [done for done, _ in seen] == [1, 2]
    record_rollouts(tmp_path / "a.npz", episodes=1, seed=20_005)
    record_rollouts(tmp_path / "b.npz", episodes=1, seed=20_006)
    with np.load(tmp_path / "two.npz") as two, np.load(tmp_path / "a.npz") as a:
        with np.load(tmp_path / "b.npz") as b:
            joined = [*a["instructions"], *b["instructions"]]
            assert two["instructions"].tolist() == joined
            assert two["frames"].shape == (len(a["frames"]) + len(b["frames"]), 64, 64, 3)
    with pytest.raises(ValueError, match="workers must be >= 1"):
        record_rollouts(tmp_path / "x.npz", episodes=1, workers=0)
