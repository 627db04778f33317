"""The IDM calibrated on a world model's imaginations (worldmodel/training/calibration.py)."""

import shutil

import numpy as np
import torch

from worldmodel.checkpoint import load_tensors
from worldmodel.training.cache import load_split
from worldmodel.training.calibration import CalibratedIDMRecipe, imagine_windows
from worldmodel.training.pipeline import CALIBRATION, run
from worldmodel.training.trainer import TrainConfig, train


def test_imagined_windows_are_the_real_context_then_imagined_frames(tiny_checkpoints, wm_dataset):
    data = load_split(wm_dataset / "train")
    goals = (np.zeros((len(data), 2, 3), np.float32), np.zeros((len(data), 2), np.float32))
    out = imagine_windows(tiny_checkpoints / "wm", data, goals, count=5, batch=2)
    frames, actions = out["frames"], out["actions"]
    assert frames.shape[0] == actions.shape[0] == 5
    assert frames.shape[1] == 2 + actions.shape[1] and frames.dtype == np.uint8
    # the context frames are real frames of the dataset
    first = frames[:, 1].reshape(5, -1)
    real = data.frames.reshape(len(data.frames), -1)
    assert all((real == f).all(axis=1).any() for f in first)


def test_calibration_mixes_imagined_transitions_and_starts_from_the_idm(
    tmp_path, tiny_checkpoints, wm_dataset
):
    data = load_split(wm_dataset / "train")
    recipe = CalibratedIDMRecipe(
        data,
        None,
        tiny_checkpoints / "wm",
        tiny_checkpoints / "idm",
        cache_dir=tmp_path,
        windows_count=6,
        p_imagined=1.0,
    )
    model = recipe.build_model()
    start = load_tensors(tiny_checkpoints / "idm" / "model.safetensors")
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in start.items())
    batch = recipe.batch(np.random.default_rng(0), 8)
    assert batch["windows"].shape[:2] == (8, model.config.window)
    # every imagined label is one of the recorded actions the imaginations were made with
    labels = {tuple(a) for a in recipe.imagined["actions"].reshape(-1, 4).tolist()}
    assert all(tuple(a) in labels for a in batch["actions"].tolist())
    # the imaginations are cached by the world model's weights: a second recipe reads them back
    cached = list(tmp_path.glob("imagined_*.npz"))
    assert len(cached) == 1
    again = CalibratedIDMRecipe(
        data, None, tiny_checkpoints / "wm", tiny_checkpoints / "idm", tmp_path, windows_count=6
    )
    assert np.array_equal(again.imagined["frames"], recipe.imagined["frames"])
    train(recipe, TrainConfig(steps=2, batch_size=4, lr=1e-3, warmup=1), tmp_path / "run")


def test_calibration_trains_into_its_own_folder(tmp_path, tiny_checkpoints, wm_dataset):
    out = tmp_path / "out"
    for name in ("wm", "idm"):
        shutil.copytree(tiny_checkpoints / name, out / name)
    base = load_tensors(out / "idm" / "model.safetensors")
    metrics = run(CALIBRATION, wm_dataset, out, {"steps": 2, "batch_size": 4, "lr": 0.1})
    assert metrics["model"] == CALIBRATION and "idm.mae" in metrics
    tuned = load_tensors(out / CALIBRATION / "model.safetensors")
    assert any(not torch.equal(v, tuned[k]) for k, v in base.items())
    after = load_tensors(out / "idm" / "model.safetensors")  # the base IDM is untouched
    assert all(torch.equal(v, after[k]) for k, v in base.items())
