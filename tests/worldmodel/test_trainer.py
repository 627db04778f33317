import pytest
import torch

from worldmodel.checkpoint import CheckpointError
from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel
from worldmodel.training.idm import IDMRecipe
from worldmodel.training.trainer import TrainConfig, TrainingInterrupted, train

TINY = IDMConfig(image_size=32, channels=[8, 16], hidden=16)


def _config(**kw) -> TrainConfig:
    return TrainConfig(
        **{"steps": 6, "batch_size": 4, "lr": 1e-3, "warmup": 2, "log_every": 2, **kw}
    )


def _weights(path):
    return InverseDynamicsModel.from_pretrained(path).state_dict()


def test_training_writes_model_metrics_and_log(tmp_path, wm_arrays):
    metrics = train(IDMRecipe(wm_arrays, wm_arrays, TINY), _config(), tmp_path)
    assert metrics["steps"] == 6 and "idm.mae" in metrics
    folder = tmp_path / "idm"
    assert {p.name for p in folder.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "metrics.json",
        "train_log.jsonl",
        "state",
    }
    # the IDM carries the training set's mean action, its baseline
    moving = wm_arrays.actions.reshape(6, 12, 4)[:, :-1].reshape(-1, 4)  # last rows hold still
    assert torch.allclose(_weights(folder)["action_mean"], torch.from_numpy(moving.mean(0)))


def test_interrupted_run_resumes_to_the_same_weights(tmp_path, wm_arrays):
    recipe = IDMRecipe(wm_arrays, None, TINY)
    train(recipe, _config(), tmp_path / "straight")
    with pytest.raises(TrainingInterrupted, match="stopped at step 1/6"):
        train(recipe, _config(), tmp_path / "split", max_seconds=0)
    train(recipe, _config(), tmp_path / "split")
    a, b = _weights(tmp_path / "straight" / "idm"), _weights(tmp_path / "split" / "idm")
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


def test_resume_with_another_model_config_is_refused(tmp_path, wm_arrays):
    with pytest.raises(TrainingInterrupted):
        train(IDMRecipe(wm_arrays, None, TINY), _config(), tmp_path, max_seconds=0)
    other = IDMConfig(image_size=32, channels=[8, 16], hidden=32)
    with pytest.raises(CheckpointError, match=r"different model config \(changed: hidden\)"):
        train(IDMRecipe(wm_arrays, None, other), _config(), tmp_path)
    train(IDMRecipe(wm_arrays, None, other), _config(steps=2), tmp_path, resume=False)
