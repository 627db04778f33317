import json

import pytest
import torch

from worldmodel.checkpoint import CheckpointError
from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel
from worldmodel.judge.modeling_judge import Judge

TINY = IDMConfig(image_size=32, channels=[8, 16], hidden=16)


def test_round_trip_keeps_weights_and_config(tmp_path):
    model = InverseDynamicsModel(TINY)
    model.save_pretrained(tmp_path / "idm")
    loaded = InverseDynamicsModel.from_pretrained(tmp_path / "idm")
    assert loaded.config == TINY and not loaded.training
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    assert json.loads((tmp_path / "idm" / "config.json").read_text())["model_type"] == "idm"


def test_corrupt_weights_name_the_file(tmp_path):
    InverseDynamicsModel(TINY).save_pretrained(tmp_path / "idm")
    weights = tmp_path / "idm" / "model.safetensors"
    weights.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(CheckpointError, match=r"model\.safetensors: corrupt safetensors"):
        InverseDynamicsModel.from_pretrained(tmp_path / "idm")


def test_mismatched_config_names_tensor_and_shapes(tmp_path):
    InverseDynamicsModel(TINY).save_pretrained(tmp_path / "idm")
    cfg_path = tmp_path / "idm" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["hidden"] = 24
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(
        CheckpointError, match=r"model\.safetensors.*shape mismatch: head\.1\.weight"
    ):
        InverseDynamicsModel.from_pretrained(tmp_path / "idm")


def test_bad_config_and_wrong_model_type(tmp_path):
    InverseDynamicsModel(TINY).save_pretrained(tmp_path / "idm")
    cfg_path = tmp_path / "idm" / "config.json"
    with pytest.raises(CheckpointError, match=r"model_type is 'idm', expected 'judge'"):
        Judge.from_pretrained(tmp_path / "idm")
    cfg = json.loads(cfg_path.read_text())
    cfg["image_size"] = 3
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match=r"config\.json: invalid config \(image_size"):
        InverseDynamicsModel.from_pretrained(tmp_path / "idm")
    cfg_path.write_text("{not json")
    with pytest.raises(CheckpointError, match=r"config\.json: corrupt JSON"):
        InverseDynamicsModel.from_pretrained(tmp_path / "idm")
    with pytest.raises(CheckpointError, match="no such checkpoint folder"):
        InverseDynamicsModel.from_pretrained(tmp_path / "nowhere")
