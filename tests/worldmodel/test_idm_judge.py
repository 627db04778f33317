import numpy as np
import torch

from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel, window_indices
from worldmodel.judge.configuration_judge import JudgeConfig
from worldmodel.judge.modeling_judge import Judge, sample_indices
from worldmodel.text.configuration_text import TextEncoderConfig
from worldmodel.training.idm import evaluate_idm
from worldmodel.training.judge import JudgeRecipe, evaluate_judge

TINY_TEXT = TextEncoderConfig(dim=16, layers=1, heads=2)


def test_window_indices_clamp_at_the_edges():
    idx = window_indices(4, before=1, after=1)
    assert idx.tolist() == [[0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 3]]


def test_idm_inverts_any_batch_of_videos(wm_arrays):
    idm = InverseDynamicsModel(IDMConfig(image_size=32, channels=[8, 16], hidden=16))
    video = np.zeros((2, 3, 5, 32, 32, 3), np.uint8)
    assert idm.invert(video).shape == (2, 3, 4, 4)
    metrics = evaluate_idm(idm, wm_arrays, np.zeros(4, np.float32))
    assert metrics["idm.transitions"] == 6 * 11 and metrics["idm.mae"] >= 0


def test_judge_resamples_videos_of_any_length(wm_arrays):
    assert sample_indices(10, 4).tolist() == [0, 3, 6, 9]
    judge = Judge(
        JudgeConfig(
            image_size=32, frames=4, channels=[8, 16], frame_dim=8, hidden=16, text=TINY_TEXT
        )
    )
    videos = [np.zeros((n, 32, 32, 3), np.uint8) for n in (1, 3, 20)]
    scores = judge.score(videos, ["open the drawer"] * 3)
    assert scores.shape == (3,) and np.all((scores > 0) & (scores < 1))
    metrics = evaluate_judge(judge, wm_arrays)
    assert set(metrics) >= {"judge.accuracy", "judge.precision", "judge.recall"}


def test_judge_batches_are_balanced_and_keep_first_and_last_frame(wm_arrays):
    cfg = JudgeConfig(
        image_size=32, frames=4, channels=[8, 16], frame_dim=8, hidden=16, text=TINY_TEXT
    )
    recipe = JudgeRecipe(wm_arrays, config=cfg)
    rng = np.random.default_rng(0)
    clip = recipe._clip(rng, 0)
    assert clip[0] == 0 and clip[-1] == wm_arrays.lengths[0] - 1 and np.all(np.diff(clip) >= 0)
    batch = recipe.batch(rng, 8)
    assert batch["video"].shape == (8, 4, 3, 32, 32) and len(batch["instructions"]) == 8
    loss, _ = recipe.loss(recipe.build_model(), batch, torch.Generator())
    assert torch.isfinite(loss)


def test_relabelling_replays_episodes_exactly(wm_dataset):
    from worldmodel.training.cache import load_split
    from worldmodel.training.relabel import relabel_split

    data = load_split(wm_dataset / "train")
    records = relabel_split(data, workers=1)
    assert {r["episode"] for r in records} <= set(range(len(data)))
    for e in range(len(data)):  # the recorded instruction's label is reproduced by the replay
        mine = [
            r
            for r in records
            if r["episode"] == e and r["skill"] == data.skills[e] and r["args"] == data.args[e]
        ]
        assert all(r["success"] == bool(data.success[e]) for r in mine)
    assert relabel_split(data, workers=1) == records  # cached


def test_judge_batches_mix_relabelled_instructions(wm_arrays):
    cfg = JudgeConfig(
        image_size=32, frames=4, channels=[8, 16], frame_dim=8, hidden=16, text=TINY_TEXT
    )
    relabeled = [{"episode": 1, "skill": "press_button", "args": {}, "success": True}]
    relabeled += [{"episode": 2, "skill": "open_drawer", "args": {}, "success": False}]
    recipe = JudgeRecipe(wm_arrays, config=cfg, relabeled=relabeled)
    batch = recipe.batch(np.random.default_rng(0), 64)
    texts = set(batch["instructions"])
    assert any("button" in t for t in texts)  # only the relabelled records mention it
