"""`reverie wm imagine` and `reverie wm score` end to end on tiny models and a tiny real dataset."""

import json

from typer.testing import CliRunner

from cli.wm import wm_app

runner = CliRunner()


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


def test_retired_options_are_gone():
    for command in ("imagine", "score"):
        result = runner.invoke(wm_app, [command, "--guidance", "2"])
        assert result.exit_code == 2 and "No such option" in result.output, command


def test_score_without_recorded_data_says_how_to_record_it(tmp_path):
    result = runner.invoke(wm_app, ["score", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "reverie datagen" in result.output
