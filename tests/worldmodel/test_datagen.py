import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from skills.holdout import load_holdout
from worldmodel.data import lerobot_v3 as fmt
from worldmodel.data.datagen import DatagenConfig, run_datagen
from worldmodel.data.reader import EpisodeDataset


def _config(out: Path, **kw) -> DatagenConfig:
    base = dict(
        episodes=10,
        out=out,
        workers=1,
        seed=3,
        image_size=32,
        test_episodes=3,
        holdout_episodes=4,
        failure_fraction=0.4,
    )
    return DatagenConfig(**{**base, **kw})


def _digest(root: Path) -> dict[str, str]:
    """Content hashes of every data file of a dataset (metadata included)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in (".parquet", ".json", ".mp4") and ".staging" not in p.parts:
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    summary = run_datagen(_config(out, workers=2))
    return out, summary


def test_layout_is_lerobot_v3(dataset):
    out, summary = dataset
    root = out / "train"
    info = json.loads((root / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["fps"] == 10
    assert info["total_episodes"] == 10 and summary["splits"]["train"]["episodes"] == 10
    assert info["features"][fmt.VIDEO_KEY]["info"]["video.codec"] == "h264"
    assert set(json.loads((root / "meta/stats.json").read_text())) >= {
        "action",
        "observation.state",
        fmt.VIDEO_KEY,
    }
    episodes = pq.read_table(root / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["episode_index"] for e in episodes] == list(range(10))
    total = 0
    for e in episodes:
        assert e["dataset_from_index"] == total
        total = e["dataset_to_index"]
        data = pq.read_table(
            root / fmt.DATA_PATH.format(**fmt.chunk_of(e["episode_index"]))
        ).to_pydict()
        assert data["index"][0] == e["dataset_from_index"] and len(data["index"]) == e["length"]
        assert np.allclose(data["timestamp"], np.arange(e["length"]) / 10)
    assert total == info["total_frames"]
    tasks = pq.read_table(root / "meta/tasks.parquet")
    pandas_meta = json.loads(tasks.schema.metadata[b"pandas"])  # lerobot reads tasks via pandas
    assert pandas_meta["index_columns"] == ["__index_level_0__"]
    assert tasks.num_rows == info["total_tasks"]
    assert all(isinstance(t, str) for t in tasks.column("__index_level_0__").to_pylist())


def test_reader_loads_frames_actions_and_labels(dataset):
    out, _ = dataset
    ds = EpisodeDataset(out / "train")
    ep = ds[0]
    assert ep.frames.shape[1:] == (32, 32, 3) and ep.frames.dtype == np.uint8
    assert len(ep.frames) == len(ep.actions) == len(ep.states)
    assert np.all(np.abs(ep.actions) <= 1.0)
    assert ep.instruction and ep.captions and all("text" in c and "t" in c for c in ep.captions)
    labels = [(e.success, e.failure_mode) for e in ds]
    assert any(not ok for ok, _ in labels) and any(ok for ok, _ in labels)
    assert all(not ok for ok, mode in labels if mode in ("wrong_target", "early_stop"))


def test_held_out_compositions_only_in_holdout_split(dataset):
    out, _ = dataset
    holdout = load_holdout()

    def calls(split):
        rows = pq.read_table(out / split / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
        return [(r["skill"], json.loads(r["args"])) for r in rows]

    for split in ("train", "test"):
        assert not any(holdout.contains_args(s, a) for s, a in calls(split))
    assert all(holdout.contains_args(s, a) for s, a in calls("holdout"))


def test_interrupted_run_resumes_to_identical_files(tmp_path, dataset):
    reference, _ = dataset
    out = tmp_path / "resumed"
    seen = []

    def crash_after_four(split, index, success):
        seen.append(index)
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_datagen(_config(out), on_episode=crash_after_four)
    assert not (out / "train/meta/info.json").exists()
    summary = run_datagen(_config(out))
    assert summary["resumed_from"] == 4 and summary["recorded_now"] == 17 - 4
    assert _digest(out / "train") == _digest(reference / "train")
    again = run_datagen(_config(out))
    assert again["recorded_now"] == 0


def test_changed_options_on_resume_are_refused(tmp_path):
    run_datagen(_config(tmp_path, episodes=1, test_episodes=0, holdout_episodes=0))
    with pytest.raises(ValueError, match="different seed"):
        run_datagen(_config(tmp_path, episodes=1, test_episodes=0, holdout_episodes=0, seed=4))


def test_corrupt_files_are_named(tmp_path):
    run_datagen(_config(tmp_path, episodes=2, test_episodes=0, holdout_episodes=0))
    root = tmp_path / "train"
    data = root / fmt.DATA_PATH.format(**fmt.chunk_of(1))
    data.write_bytes(data.read_bytes()[:50])
    with pytest.raises(fmt.DatasetError, match=str(data)):
        EpisodeDataset(root)[1]
    video = root / fmt.VIDEO_PATH.format(video_key=fmt.VIDEO_KEY, **fmt.chunk_of(0))
    video.write_bytes(b"not a video")
    with pytest.raises(fmt.DatasetError, match=str(video)):
        EpisodeDataset(root)[0]
    marker = root / ".staging" / "episode_000000.json"
    marker.write_text("{broken")
    with pytest.raises(fmt.DatasetError, match=str(marker)):
        run_datagen(_config(tmp_path, episodes=2, test_episodes=0, holdout_episodes=0))


def test_random_starts_leave_the_other_episodes_as_they_were():
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.data.episodes import plan_episode

    sim, holdout = TabletopSim(image_size=32), load_holdout()
    plain = [plan_episode(sim, i, "train", 3, holdout, 0.3) for i in range(12)]
    mixed = [plan_episode(sim, i, "train", 3, holdout, 0.3, random_starts=0.5) for i in range(12)]
    sim.close()
    assert all(p.start_hand is None for p in plain)
    moved = [m for m in mixed if m.start_hand is not None]
    assert 0 < len(moved) < 12
    for p, m in zip(plain, mixed, strict=True):  # same scene, skill and failure either way
        assert (p.scene_seed, p.call, p.failure_mode) == (m.scene_seed, m.call, m.failure_mode)


def test_random_starts_are_part_of_what_a_resume_checks(tmp_path):
    kw = dict(episodes=1, test_episodes=0, holdout_episodes=0)
    run_datagen(_config(tmp_path, **kw))
    with pytest.raises(ValueError, match="random_starts"):
        run_datagen(_config(tmp_path, random_starts=0.5, **kw))


def test_experts_succeed_from_random_hand_starts():
    """Datagen's random starts (where a previous skill of a chore may leave the hand): every
    expert still does its skill from anywhere in the start box."""
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.data.episodes import START_HIGH, START_LOW, plan_episode, record_episode

    sim, holdout, done = TabletopSim(image_size=32), load_holdout(), 0
    for index in range(10):  # two of each skill kind
        plan = plan_episode(sim, index, "train", 11, holdout, 0.0, random_starts=1.0)
        assert plan.start_hand is not None
        assert all(
            lo <= v <= hi for v, lo, hi in zip(plan.start_hand, START_LOW, START_HIGH, strict=True)
        )
        record = record_episode(sim, plan)
        assert np.allclose(record.states[0, :3], plan.start_hand, atol=0.005)
        done += record.success
    sim.close()
    assert done == 10


def test_chore_starts_record_skills_from_where_a_chore_left_the_scene(tmp_path):
    """Datagen's chore starts: 1-3 scripted skills first (unrecorded), then the episode; the
    experts still succeed, the scene is not a fresh reset, and goals come from the first frame."""
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.data.episodes import plan_episode, record_episode
    from worldmodel.goals import episode_goals, goal_points

    sim, holdout, done = TabletopSim(image_size=32), load_holdout(), 0
    plans = [plan_episode(sim, i, "train", 5, holdout, 0.0, chore_starts=1.0) for i in range(10)]
    assert all(p.prelude and p.start_hand is None for p in plans)
    for plan in plans:
        record = record_episode(sim, plan)
        done += record.success
        fresh = sim.reset(plan.scene_seed).objects
        moved = any(
            np.linalg.norm(np.subtract(record.start_objects[k], fresh[k])) > 0.02
            for k in fresh
            if k in record.start_objects
        )
        changed = moved or set(fresh) != set(record.start_objects)
        assert (
            changed
            or plan.prelude[0].skill.endswith("drawer")
            or plan.prelude[0].skill == "press_button"
        )
    sim.close()
    assert done == 10

    out = tmp_path / "data"
    run_datagen(_config(out, episodes=4, test_episodes=0, holdout_episodes=0, chore_starts=1.0))
    episodes = EpisodeDataset(out / "train").episodes
    assert all(json.loads(e["prelude"]) and json.loads(e["start_objects"]) for e in episodes)
    skills = [e["skill"] for e in episodes]
    args = [json.loads(e["args"]) for e in episodes]
    points, mask = episode_goals(out / "train", skills, args)
    for e, p, m in zip(episodes, points, mask, strict=True):
        objects = json.loads(e["start_objects"])
        want_p, want_m = goal_points(e["skill"], json.loads(e["args"]), objects)
        np.testing.assert_allclose(p, want_p, atol=1e-6)
        np.testing.assert_array_equal(m, want_m)
    with pytest.raises(ValueError, match="chore_starts"):
        run_datagen(_config(out, episodes=4, test_episodes=0, holdout_episodes=0))
