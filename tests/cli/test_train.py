"""`reverie train ...` end to end on tiny models and a tiny real dataset."""

import json

import pytest
from typer.testing import CliRunner

from cli.train import train_app

runner = CliRunner()


def test_train_idm_runs_and_resumes(tmp_path, wm_dataset):
    args = ["idm", "--data", str(wm_dataset), "--out", str(tmp_path), "--steps", "2"]
    args += ["--batch-size", "2", "--json"]
    result = runner.invoke(train_app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["idm"]
    assert metrics["steps"] == 2 and "idm.mae_mean_baseline" in metrics
    assert (tmp_path / "idm" / "model.safetensors").is_file()
    result = runner.invoke(train_app, ["idm", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "missing" in result.output


def test_world_model_options_are_checked_before_any_work(tmp_path):
    missing = runner.invoke(train_app, ["wm", "--init-from", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no model.safetensors there" in missing.output
    wrong = runner.invoke(train_app, ["idm", "--init-from", str(tmp_path)])
    assert wrong.exit_code == 2 and "applies to `reverie train wm` only" in wrong.output
    early = runner.invoke(train_app, ["idm", "--early-windows", "0.5"])
    assert early.exit_code == 2 and "applies to `reverie train wm` only" in early.output
    too_many = runner.invoke(train_app, ["wm", "--early-windows", "1.5"])
    assert too_many.exit_code == 2
    assert "--early-windows must be a fraction in [0, 1]" in too_many.output
    weighted = runner.invoke(train_app, ["judge", "--motion-weight", "1"])
    assert weighted.exit_code == 2 and "applies to `reverie train wm` only" in weighted.output
    both = runner.invoke(train_app, ["all", "--drop-actions", "0.5", "--motion-weight", "1"])
    assert both.exit_code == 2
    assert "--drop-actions, --motion-weight applies to `reverie train wm` only" in both.output
    too_much = runner.invoke(train_app, ["wm", "--drop-actions", "1.5"])
    assert (
        too_much.exit_code == 2 and "--drop-actions must be a fraction in [0, 1]" in too_much.output
    )
    negative = runner.invoke(train_app, ["wm", "--motion-weight", "-1"])
    assert negative.exit_code == 2 and "--motion-weight must be >= 0" in negative.output


def test_retired_models_and_options_are_gone():
    for command in (["vae"], ["refiner"]):
        result = runner.invoke(train_app, command)
        assert result.exit_code == 2 and "No such command" in result.output, command
    for flag in ("--goal-vectors", "--imagine-successes"):
        result = runner.invoke(train_app, ["wm", flag])
        assert result.exit_code == 2 and "No such option" in result.output, flag


def test_world_model_options_reach_the_recipe(tmp_path, wm_dataset):
    from worldmodel.checkpoint import DEFAULT_CHECKPOINTS
    from worldmodel.idm.configuration_idm import IDMConfig
    from worldmodel.idm.modeling_idm import InverseDynamicsModel
    from worldmodel.training.pipeline import WorldModelOptions, build

    recipe, _ = build("wm", wm_dataset, tmp_path)  # no options: the recipe's defaults
    assert (recipe.p_early, recipe.p_drop_actions, recipe.motion_weight) == (0.25, 0.5, 4.0)
    assert recipe.init_from is None and recipe.idm_dir == DEFAULT_CHECKPOINTS / "idm"
    assert recipe.config.image_size == 64  # sized from the episodes
    # given options reach it; an IDM trained in OUT inverts the imaginations in evaluation
    InverseDynamicsModel(IDMConfig(channels=[4, 8], hidden=8)).save_pretrained(tmp_path / "idm")
    options = WorldModelOptions(early_windows=0.0, drop_actions=0.2, motion_weight=0.0)
    recipe, _ = build("wm", wm_dataset, tmp_path, options)
    assert (recipe.p_early, recipe.p_drop_actions, recipe.motion_weight) == (0.0, 0.2, 0.0)
    assert recipe.options()["early_windows"] == 0.0 and recipe.idm_dir == tmp_path / "idm"


def test_library_refuses_world_model_options_on_other_models(tmp_path):
    from worldmodel.training.pipeline import WorldModelOptions, run

    with pytest.raises(ValueError, match="--motion-weight applies to `reverie train wm` only"):
        run("idm", tmp_path, tmp_path, wm=WorldModelOptions(motion_weight=1.0))
