import numpy as np
import pytest
import torch

from worldmodel.diffusion.configuration_world_model import TransformerConfig, WorldModelConfig
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
from worldmodel.diffusion.scheduling_flow import FlowMatchEulerScheduler, add_noise
from worldmodel.evaluation import evaluate_world_model, psnr_db, ssim
from worldmodel.text.configuration_text import TextEncoderConfig
from worldmodel.training.wm import EARLY_STEPS, WorldModelRecipe, window_indices, window_rows
from worldmodel.vae.configuration_vae import VAEConfig
from worldmodel.vae.modeling_vae import FrameVAE

TINY_VAE = VAEConfig(
    image_size=32, channels=[8, 16], encoder_blocks=[0, 0], decoder_blocks=[0, 1], latent_channels=4
)
TINY_WM = WorldModelConfig(
    latent_channels=4,
    latent_size=16,
    patch=4,
    frames=3,
    transformer=TransformerConfig(layers=1, heads=2, head_dim=8),
    text=TextEncoderConfig(dim=16, layers=1, heads=2),
)


@pytest.fixture
def vae_dir(tmp_path):
    torch.manual_seed(0)
    return FrameVAE(TINY_VAE).save_pretrained(tmp_path / "vae")


def test_denoiser_shapes_with_and_without_actions():
    model = WorldModel(TINY_WM)
    x = torch.randn(2, 4, 3, 16, 16)
    ctx = torch.randn(2, 4, 2, 16, 16)
    text = model.encode_text(["open the drawer", ""])
    assert model(x, torch.rand(2), ctx, text).shape == x.shape
    assert model(x, torch.rand(2), ctx, text, torch.zeros(2, 3, 4)).shape == x.shape
    with pytest.raises(ValueError, match="expected 2 context frames, got 1"):
        model(x, torch.rand(2), ctx[:, :, :1], text)


def test_scheduler_goes_from_noise_to_data():
    sched = FlowMatchEulerScheduler(4, shift=3.0)
    assert sched.sigmas[0] == 1 and sched.sigmas[-1] == 0 and len(sched) == 4
    x0, noise = torch.randn(3, 5), torch.randn(3, 5)
    x = add_noise(x0, noise, torch.ones(3))
    for i in range(len(sched)):  # the exact velocity carries noise to data in any number of steps
        x = sched.step(noise - x0, i, x)
    assert torch.allclose(x, x0, atol=1e-5)


def test_windows_clamp_to_their_episode(wm_arrays):
    rows = window_rows(wm_arrays)
    assert len(rows) == 6 * 11
    ctx, fut, act = window_indices(wm_arrays, np.array([[1, 0], [1, 10]]), context=2, horizon=3)
    assert ctx.tolist() == [[12, 12], [21, 22]]
    assert fut.tolist() == [[13, 14, 15], [23, 23, 23]]
    assert act.tolist() == [[12, 13, 14], [22, 23, 23]]


def test_recipe_trains_a_step_and_pipeline_samples_deterministically(tmp_path, vae_dir, wm_arrays):
    recipe = WorldModelRecipe(
        wm_arrays, wm_arrays, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, eval_windows=4
    )
    assert list(tmp_path.glob("latents_*.npy"))  # cached for the next run
    model = recipe.build_model()
    batch = recipe.batch(np.random.default_rng(0), 3)
    assert batch["context"].shape == (3, 4, 2, 16, 16) and batch["future"].shape == (
        3,
        4,
        3,
        16,
        16,
    )
    loss, _ = recipe.loss(model, batch, torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss)
    pipe = WorldModelPipeline(recipe.vae, model.eval())
    context = wm_arrays.frames[:2][None].repeat(2, 0)
    a = pipe(context, ["open the drawer"] * 2, steps=2, guidance=2.0, seed=7)
    b = pipe(context, ["open the drawer"] * 2, steps=2, guidance=2.0, seed=7)
    assert a.shape == (2, 3, 32, 32, 3) and a.dtype == np.uint8 and np.array_equal(a, b)
    metrics = evaluate_world_model(pipe, wm_arrays, windows=4, steps=1, batch_size=2)
    assert len(metrics["wm.psnr_db"]) == len(metrics["wm.psnr_copy_db"]) == 3
    assert metrics["wm.windows"] == 4


def test_early_windows_come_from_the_episode_starts(tmp_path, vae_dir, wm_arrays):
    recipe = WorldModelRecipe(
        wm_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, p_early=0.5
    )
    early = [s + t for s in wm_arrays.starts for t in range(EARLY_STEPS)]
    starts = torch.from_numpy(recipe.latents[early].astype(np.float32))
    now = recipe.batch(np.random.default_rng(0), 8)["context"][:, :, -1]  # (B, C, h, w)
    from_start = [bool((starts == frame).all(dim=(1, 2, 3)).any()) for frame in now]
    assert from_start[:4] == [True] * 4 and not all(from_start[4:])
    with pytest.raises(ValueError, match="fraction in"):
        WorldModelRecipe(wm_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, p_early=1.0)


def test_metrics_of_identical_frames():
    x = np.random.default_rng(0).integers(0, 255, (2, 16, 16, 3), dtype=np.uint8)
    assert np.all(psnr_db(x, x) > 90) and np.allclose(ssim(x, x), 1.0, atol=1e-4)
    assert ssim(x, 255 - x).mean() < 0.5


def test_x0_and_velocity_steps_agree():
    sched = FlowMatchEulerScheduler(3)
    x0, x = torch.randn(2, 4), torch.randn(2, 4)
    for i in range(3):
        sigma = sched.sigmas[i]
        assert torch.allclose(
            sched.step((x - x0) / sigma, i, x), sched.step_x0(x0, i, x), atol=1e-6
        )


def test_both_parameterizations_estimate_x0():
    for prediction in ("x0", "velocity"):
        model = WorldModel(TINY_WM.model_copy(update={"prediction": prediction}))
        x = torch.randn(1, 4, 3, 16, 16)
        ctx = torch.randn(1, 4, 2, 16, 16)
        out = model.predict_x0(x, torch.ones(1), ctx, model.encode_text(["press the button"]))
        assert out.shape == x.shape


def test_proprioception_and_actions_change_the_prediction():
    torch.manual_seed(0)
    model = WorldModel(TINY_WM)
    x, ctx = torch.randn(1, 4, 3, 16, 16), torch.randn(1, 4, 2, 16, 16)
    text = model.encode_text(["press the button"])
    bare = model(x, torch.ones(1), ctx, text)
    moved = model(x, torch.ones(1), ctx, text, torch.ones(1, 3, 4), state=torch.ones(1, 4))
    assert not torch.allclose(bare, moved)
    feats = model._frame_features(1, 3, torch.ones(1, 3, 4), None, torch.zeros(1, 4), None)
    expected = feats[0, :, 4 + 4 + 1 + 4 : 4 + 4 + 1 + 4 + 3] / 3.0  # where the hand should be
    assert torch.allclose(expected[:, 0], torch.tensor([0.03, 0.06, 0.09]))


def test_camera_projection_puts_the_look_at_point_in_the_image_centre():
    from robot_bridge.sim import layout as L
    from worldmodel.camera import project

    centre = project(torch.tensor(L.CAMERA_TARGET, dtype=torch.float32))
    assert torch.allclose(centre, torch.zeros(2), atol=1e-5)
    # the robot's right (+x) is the image's right; the far side of the table (+y) is higher up
    right = project(torch.tensor([0.1, 0.05, 0.0]))
    far = project(torch.tensor([0.0, 0.2, 0.0]))
    assert right[0] > 0.1 and abs(right[1]) < 0.05
    assert far[1] < -0.1
    shipped = (L.CAMERA_POS, L.CAMERA_TARGET, L.CAMERA_FOVY_DEG)
    assert torch.allclose(project(torch.tensor([0.0, 0.2, 0.0]), shipped), far)
    # another placement: from the +x side, looking at the origin, +y is the image's right
    side = ((1.0, 0.0, 0.0), (0.0, 0.0, 0.0), 50.0)
    x, y = project(torch.tensor([0.0, 0.1, 0.0]), side).tolist()
    assert x > 0.1 and abs(y) < 1e-5


def test_hand_maps_follow_the_actions():
    model = WorldModel(TINY_WM)
    like = torch.zeros(1, 4, 3, 16, 16)
    state = torch.tensor([[0.0, 0.05, 0.0, 0.05]])  # the hand at the camera's look-at point
    right = torch.tensor([[[1.0, 0, 0, 0]] * 3])  # 3 cm to the right per frame
    maps = model._hand_maps(like, right, None, state, None)
    assert maps.shape == (1, 2, 3, 16, 16)
    now_peak = maps[0, 0, 0].flatten().argmax() % 16
    later_peaks = [int(maps[0, 1, t].flatten().argmax() % 16) for t in range(3)]
    assert 7 <= now_peak <= 8  # centre column
    assert later_peaks == sorted(later_peaks) and later_peaks[-1] > now_peak + 1
    assert not model._hand_maps(like, None, None, None, None).any()
    assert not model._hand_maps(like, None, None, state, None)[:, 1].any()  # no actions given


def test_goal_points_name_what_to_act_on_and_where_it_goes():
    from worldmodel.goals import goal_points

    seen = {"red_block": (0.1, 0.0, 0.02), "bowl": (-0.1, 0.0, 0.0), "button": (0.0, -0.1, 0.02)}
    points, mask = goal_points("pick_place", {"object": "red_block", "target": "bowl"}, seen)
    assert points[0].tolist() == pytest.approx([0.1, 0.0, 0.02]) and mask.tolist() == [1, 1]
    points, mask = goal_points("press_button", {}, seen)
    assert points[0].tolist() == pytest.approx([0.0, -0.1, 0.02]) and mask.tolist() == [1, 0]
    _, mask = goal_points("open_drawer", {}, seen)  # the drawer was not perceived
    assert mask.tolist() == [0, 0]


def test_goal_maps_change_the_prediction_and_widening_keeps_old_weights(tmp_path):
    from worldmodel.training.wm import _widened

    torch.manual_seed(0)
    narrow = WorldModel(TINY_WM.model_copy(update={"goal_maps": False}))
    path = narrow.save_pretrained(tmp_path / "narrow") / "model.safetensors"
    wide = WorldModel(TINY_WM)
    wide.load_state_dict(_widened(path, wide.state_dict()))
    x, ctx = torch.randn(1, 4, 3, 16, 16), torch.randn(1, 4, 2, 16, 16)
    text = wide.encode_text(["press the button"])
    goals, mask = torch.tensor([[[0.0, 0.05, 0.0], [0, 0, 0]]]), torch.tensor([[1.0, 0.0]])
    # zero columns for the new channels: the widened model predicts what the narrow one did
    assert torch.allclose(
        wide(x, torch.ones(1), ctx, text, goals=goals, goal_mask=mask),
        narrow(x, torch.ones(1), ctx, text),
        atol=1e-5,
    )
    maps = wide._goal_maps(x, goals, mask)
    assert maps.shape == (1, 2, 3, 16, 16) and maps[0, 0].max() > 0.4 and not maps[0, 1].any()


def test_goal_offsets_point_from_the_expected_hand_to_each_goal(tmp_path):
    from worldmodel.training.wm import _widened

    torch.manual_seed(0)
    maps_only = WorldModel(TINY_WM)
    path = maps_only.save_pretrained(tmp_path / "maps") / "model.safetensors"
    model = WorldModel(TINY_WM.model_copy(update={"goal_vectors": True}))
    model.load_state_dict(_widened(path, model.state_dict()))
    state = torch.tensor([[0.1, 0.0, 0.2, 0.0]])
    goals, mask = torch.tensor([[[0.1, 0.3, 0.2], [0.0, 0.0, 0.0]]]), torch.tensor([[1.0, 0.0]])
    actions = torch.zeros(1, 3, 4)
    actions[:, :, 1] = 1.0  # towards the first goal, action_scale metres per frame
    offsets = model._goal_offsets(1, 3, actions, None, state, None, goals, mask)
    step = TINY_WM.action_scale * 3.0
    assert torch.allclose(
        offsets[0, :, 1], torch.tensor([0.9 - step, 0.9 - 2 * step, 0.9 - 3 * step])
    )
    assert offsets[0, :, 6].eq(1).all() and not offsets[0, :, 3:6].any()  # second goal absent
    assert not model._goal_offsets(1, 3, actions, None, state, torch.zeros(1), goals, mask).any()
    x, ctx = torch.randn(1, 4, 3, 16, 16), torch.randn(1, 4, 2, 16, 16)
    text = model.encode_text(["press the button"])
    kw = {"state": state, "goals": goals, "goal_mask": mask}
    # widened from a goal-map model, it starts out predicting what that model did
    assert torch.allclose(
        model(x, torch.ones(1), ctx, text, **kw),
        maps_only(x, torch.ones(1), ctx, text, **kw),
        atol=1e-5,
    )
    assert model.config.channels_per_frame == maps_only.config.channels_per_frame + 8


def test_policy_evaluation_compares_imagined_moves_with_the_expert(wm_arrays):
    from worldmodel.evaluation import evaluate_policy
    from worldmodel.idm.configuration_idm import IDMConfig
    from worldmodel.idm.modeling_idm import InverseDynamicsModel

    torch.manual_seed(0)
    pipeline = WorldModelPipeline(FrameVAE(TINY_VAE), WorldModel(TINY_WM))
    idm = InverseDynamicsModel(IDMConfig(image_size=32, channels=[4, 8], hidden=8))
    n = len(wm_arrays)
    goals = (np.zeros((n, 2, 3), np.float32), np.zeros((n, 2), np.float32))
    result = evaluate_policy(pipeline, idm, wm_arrays, goals, windows=4, rollouts=2)
    assert result["policy.windows"] == 4 and result["policy.rollouts"] == 2
    assert -1 <= result["policy.move_cosine"] <= 1 and result["policy.move_ratio"] >= 0
    assert -1 <= result["policy.move_cosine_continue"] <= 1
    still = evaluate_policy(pipeline, idm, wm_arrays, goals, windows=4, rollouts=2, context=1)
    assert still["policy.context_frames"] == 1


def test_resuming_with_other_recipe_options_is_refused(tmp_path, vae_dir, wm_arrays):
    from worldmodel.checkpoint import CheckpointError
    from worldmodel.training.trainer import TrainConfig, TrainingInterrupted, train

    config = TrainConfig(steps=3, batch_size=2, lr=1e-3, warmup=1, log_every=1)

    def recipe(p_early):
        return WorldModelRecipe(
            wm_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, p_early=p_early
        )

    with pytest.raises(TrainingInterrupted):
        train(recipe(0.0), config, tmp_path, max_seconds=0)
    with pytest.raises(
        CheckpointError, match=r"different recipe config \(changed: early_windows\)"
    ):
        train(recipe(0.5), config, tmp_path)
    assert train(recipe(0.0), config, tmp_path)["steps"] == 3  # the same options resume


def test_recipe_default_config_takes_goal_vectors(tmp_path, vae_dir, wm_arrays):
    recipe = WorldModelRecipe(
        wm_arrays, None, vae_dir=vae_dir, cache_dir=tmp_path, goal_vectors=True
    )
    assert recipe.config.goal_vectors and recipe.config.latent_channels == TINY_VAE.latent_channels
    plain = WorldModelRecipe(wm_arrays, None, vae_dir=vae_dir, cache_dir=tmp_path)
    assert not plain.config.goal_vectors


def test_guidance_null_branch_has_neither_instruction_nor_goals(vae_dir, wm_arrays):  # noqa: F811
    vae = FrameVAE.from_pretrained(vae_dir)
    model = WorldModel(TINY_WM).eval()
    seen = []
    original = model.predict_x0

    def spy(*args, **kw):
        seen.append(kw["goal_mask"].clone())
        return original(*args, **kw)

    model.predict_x0 = spy
    pipe = WorldModelPipeline(vae, model)
    goals = (np.zeros((1, 2, 3), np.float32), np.ones((1, 2), np.float32))
    context = wm_arrays.frames[:2][None]
    pipe(context, ["open the drawer"], steps=1, guidance=3.0, states=np.zeros((1, 4)), goals=goals)
    assert seen[0].tolist() == [[1, 1], [0, 0]]  # conditioned half, then the null half


def test_imagined_windows_can_come_from_successes_only(tmp_path, vae_dir, wm_arrays):
    def masks(only):
        recipe = WorldModelRecipe(
            wm_arrays,
            None,
            TINY_WM,
            vae_dir=vae_dir,
            cache_dir=tmp_path,
            p_drop_actions=1.0,
            imagine_successes=only,
        )
        episodes = np.arange(len(wm_arrays.starts)).repeat(4)
        return recipe._action_mask(np.random.default_rng(0), episodes), episodes, recipe

    everything, episodes, plain = masks(False)
    assert (everything == 0).all()  # every window imagined, failures too
    kept, _, recipe = masks(True)
    failed = ~wm_arrays.success[episodes]
    assert failed.any() and (kept[failed] == 1).all() and (kept[~failed] == 0).all()
    assert "imagine_successes" not in plain.options()  # older runs still resume
    assert recipe.options()["imagine_successes"] is True


def test_motion_weight_puts_the_loss_on_what_changes(tmp_path, vae_dir, wm_arrays):
    def recipe(weight):
        return WorldModelRecipe(
            wm_arrays, None, TINY_WM, vae_dir=vae_dir, cache_dir=tmp_path, motion_weight=weight
        )

    plain, weighted = recipe(0.0), recipe(2.0)
    torch.manual_seed(0)
    model = plain.build_model()
    batch = plain.batch(np.random.default_rng(0), 4)

    def loss(r):
        return r.loss(model, batch, torch.Generator().manual_seed(0))[0].item()

    # every weight is at least 1 and the moving pixels weigh more, so the loss grows
    assert loss(weighted) > loss(plain) and loss(recipe(0.0)) == loss(plain)
    assert "motion_weight" not in plain.options()  # older runs still resume
    assert weighted.options()["motion_weight"] == 2.0
    with pytest.raises(ValueError, match="motion weight must be >= 0"):
        recipe(-1.0)
