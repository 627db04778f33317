"""`reverie train ...` and `reverie wm ...` end to end on tiny models and a tiny real dataset."""

import json

import pytest
from typer.testing import CliRunner

from worldmodel.cli import train_app, wm_app
from worldmodel.diffusion.configuration_world_model import TransformerConfig, WorldModelConfig
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.idm.configuration_idm import IDMConfig
from worldmodel.idm.modeling_idm import InverseDynamicsModel
from worldmodel.judge.configuration_judge import JudgeConfig
from worldmodel.judge.modeling_judge import Judge
from worldmodel.text.configuration_text import TextEncoderConfig
from worldmodel.vae.configuration_vae import VAEConfig
from worldmodel.vae.modeling_vae import FrameVAE

runner = CliRunner()
TEXT = TextEncoderConfig(dim=16, layers=1, heads=2)


@pytest.fixture(scope="module")
def tiny_checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    vae = VAEConfig(
        channels=[4, 8, 8], encoder_blocks=[0, 0, 0], decoder_blocks=[0, 0, 1], latent_channels=4
    )
    FrameVAE(vae).save_pretrained(root / "vae")
    wm = WorldModelConfig(
        latent_channels=4,
        frames=4,
        transformer=TransformerConfig(layers=1, heads=2, head_dim=8),
        text=TEXT,
    )
    WorldModel(wm).save_pretrained(root / "wm")
    InverseDynamicsModel(IDMConfig(channels=[4, 8], hidden=8)).save_pretrained(root / "idm")
    judge = JudgeConfig(frames=4, channels=[4, 8], frame_dim=8, hidden=8, text=TEXT)
    Judge(judge).save_pretrained(root / "judge")
    return root


def test_imagine_writes_a_video_per_rollout(tmp_path, tiny_checkpoints):
    args = ["imagine", "--seed", "3", "--instruction", "open the drawer", "--rollouts", "2"]
    args += [
        "--out",
        str(tmp_path),
        "--checkpoints",
        str(tiny_checkpoints),
        "--steps",
        "2",
        "--json",
    ]
    result = runner.invoke(wm_app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["horizon_frames"] == 4 and out["horizon_s"] == 0.4
    assert len(out["judge_scores"]) == 2 and len(out["actions"][0]) == 4
    assert {"imagine_invert_s", "load_s"} <= set(out)
    for video in out["videos"]:
        assert (tmp_path / video.split("/")[-1]).stat().st_size > 0


def test_imagine_rejects_bad_input_without_a_traceback(tiny_checkpoints, tmp_path):
    result = runner.invoke(wm_app, ["imagine", "--seed", "1", "--instruction", " "])
    assert result.exit_code == 2 and "must not be empty" in result.output
    (tiny_checkpoints.parent / "broken").mkdir(exist_ok=True)
    args = ["imagine", "--seed", "1", "--instruction", "x", "--checkpoints", str(tmp_path)]
    result = runner.invoke(wm_app, args)
    assert result.exit_code == 2 and "no such checkpoint folder" in result.output


def test_score_reports_every_model_with_baselines(tiny_checkpoints, wm_dataset):
    args = ["score", "--split", "holdout", "--data", str(wm_dataset), "--windows", "4"]
    args += ["--checkpoints", str(tiny_checkpoints), "--steps", "1", "--json"]
    result = runner.invoke(wm_app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["wm.psnr_db"]) == len(out["wm.psnr_copy_db"]) == 4
    for key in ("wm.ssim", "wm.ssim_copy", "idm.mae", "idm.mae_mean_baseline", "judge.accuracy"):
        assert key in out
    assert out["episodes"] == 2 and out["split"] == "holdout"


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


def test_init_from_is_checked_before_any_work(tmp_path):
    missing = runner.invoke(train_app, ["wm", "--init-from", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no model.safetensors there" in missing.output
    wrong = runner.invoke(train_app, ["idm", "--init-from", str(tmp_path)])
    assert wrong.exit_code == 2 and "applies to `reverie train wm` only" in wrong.output
    early = runner.invoke(train_app, ["idm", "--early-windows", "0.5"])
    assert early.exit_code == 2 and "applies to `reverie train wm` only" in early.output
    too_many = runner.invoke(train_app, ["wm", "--early-windows", "1.5"])
    assert too_many.exit_code == 2 and "fraction in [0, 1)" in too_many.output
    vectors = runner.invoke(train_app, ["judge", "--goal-vectors"])
    assert vectors.exit_code == 2 and "applies to `reverie train wm` only" in vectors.output
    dropped = runner.invoke(train_app, ["vae", "--drop-actions", "0.5", "--goal-vectors"])
    assert dropped.exit_code == 2
    assert "--goal-vectors, --drop-actions applies to `reverie train wm` only" in dropped.output
    too_much = runner.invoke(train_app, ["wm", "--drop-actions", "1.5"])
    assert (
        too_much.exit_code == 2 and "--drop-actions must be a fraction in [0, 1]" in too_much.output
    )


def test_score_without_recorded_data_says_how_to_record_it(tmp_path):
    result = runner.invoke(wm_app, ["score", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "reverie datagen" in result.output


def test_library_refuses_world_model_options_on_other_models(tmp_path):
    from worldmodel.training.pipeline import WorldModelOptions, run

    with pytest.raises(ValueError, match="--motion-weight apply to the world model only, not idm"):
        run("idm", tmp_path, tmp_path, wm=WorldModelOptions(motion_weight=1.0))
