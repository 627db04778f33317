"""The shipped checkpoints on freshly recorded episodes (a dataset seed never used for training):
each model must beat its in-run baseline, so a broken or stale checkpoint fails here."""

import numpy as np
import pytest

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS


@pytest.fixture(scope="module")
def fresh_test_split(tmp_path_factory):
    from worldmodel.checkpoint import shipped_image_size
    from worldmodel.data.datagen import DatagenConfig, run_datagen
    from worldmodel.training.cache import load_split

    out = tmp_path_factory.mktemp("fresh")
    run_datagen(
        DatagenConfig(
            episodes=1,
            out=out,
            workers=2,
            seed=77,
            test_episodes=16,
            holdout_episodes=0,
            image_size=shipped_image_size(),  # the frames the shipped models were trained on
        )
    )
    return load_split(out / "test")


def test_every_model_is_shipped():
    from worldmodel.diffusion.modeling_world_model import WorldModel

    for name in ("wm", "idm", "judge"):
        assert (DEFAULT_CHECKPOINTS / name / "model.safetensors").is_file(), name
        assert (DEFAULT_CHECKPOINTS / name / "config.json").is_file(), name
    for retired in ("vae", "refiner"):  # the latent world model's parts
        assert not (DEFAULT_CHECKPOINTS / retired).exists(), retired
    # the shipped world model is the pixel-space one, and loads
    assert WorldModel.from_pretrained(DEFAULT_CHECKPOINTS / "wm").delta_scale.item() >= 1.0


def test_world_model_simulates_given_actions(fresh_test_split):
    """Frames imagined under given actions invert back to those actions (copying the current
    frame inverts to no move at all), and stay near the real future in PSNR (a broken or stale
    checkpoint draws noise, 10 dB or more below copying)."""
    from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
    from worldmodel.evaluation import evaluate_world_model, evaluation_windows
    from worldmodel.goals import episode_goals
    from worldmodel.idm.modeling_idm import InverseDynamicsModel
    from worldmodel.training.wm import window_indices

    data = fresh_test_split
    goals = episode_goals(data.root, data.skills, data.args)
    pipeline = WorldModelPipeline.from_pretrained()
    result = evaluate_world_model(pipeline, data, goals, windows=32)
    assert result["wm.psnr_db"][-1] > result["wm.psnr_copy_db"][-1] - 4.0, result
    rows = evaluation_windows(data, pipeline.horizon, 32, episodes=np.flatnonzero(data.success))
    ctx, _, act = window_indices(data, rows, 2, pipeline.horizon)
    given = data.actions[act]
    imagined = pipeline(
        data.frames[ctx],
        [data.skills[e] for e in rows[:, 0]],
        data.states[ctx[:, -1]],
        goals=(goals[0][rows[:, 0]], goals[1][rows[:, 0]]),
        actions=given,
    )
    idm = InverseDynamicsModel.from_pretrained(DEFAULT_CHECKPOINTS / "idm")
    frames = np.concatenate([data.frames[ctx[:, -1:]], imagined], axis=1)
    moved, wanted = idm.invert(frames).numpy()[..., :3].sum(1), given[..., :3].sum(1)
    big = np.linalg.norm(wanted, axis=-1) > 1.0  # windows where the hand really moves
    cosine = (moved * wanted).sum(-1) / (
        np.linalg.norm(moved, axis=-1) * np.linalg.norm(wanted, axis=-1) + 1e-8
    )
    assert big.sum() >= 8 and np.median(cosine[big]) > 0.6, cosine[big]


def test_idm_and_judge_beat_their_baselines(fresh_test_split):
    from worldmodel.idm.modeling_idm import InverseDynamicsModel
    from worldmodel.judge.modeling_judge import Judge
    from worldmodel.training.idm import evaluate_idm
    from worldmodel.training.judge import evaluate_judge

    idm = InverseDynamicsModel.from_pretrained(DEFAULT_CHECKPOINTS / "idm")
    scores = evaluate_idm(idm, fresh_test_split, idm.action_mean.numpy(), samples=400)
    assert scores["idm.mae"] < 0.5 * scores["idm.mae_mean_baseline"], scores
    judged = evaluate_judge(Judge.from_pretrained(DEFAULT_CHECKPOINTS / "judge"), fresh_test_split)
    assert judged["judge.accuracy"] >= 0.75, judged


def test_imagining_moves_the_hand_and_inverts_to_feasible_actions():
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.goals import goal_points
    from worldmodel.imagine import Imaginer

    imaginer = Imaginer()
    size = imaginer.image_size
    sim = TabletopSim(image_size=size)
    obs = sim.reset(3)
    sim.close()
    result = imaginer.imagine(
        obs.image[None],
        "press the button",
        "press_button",
        np.array([*obs.ee_pos, obs.gripper], np.float32),
        rollouts=2,
        seed=0,
        goals=goal_points("press_button", {}, obs.objects),
    )
    assert result.frames.shape == (2, imaginer.horizon_frames + 1, size, size, 3)
    change = np.abs(result.frames[:, -1].astype(int) - obs.image.astype(int)).max(axis=-1)
    assert (change > 40).sum(axis=(1, 2)).min() > 5  # something visibly moved in every rollout
    assert result.actions.shape == (2, imaginer.horizon_frames, 4)
    assert (
        np.abs(result.actions).max() <= 1.5 and 0 <= result.scores.min() <= result.scores.max() <= 1
    )
