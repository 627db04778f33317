"""The pixel-space world model: denoiser, conditions, sampling pipeline and training recipe, on
tiny configs and synthetic episodes (worldmodel/diffusion, worldmodel/training/wm.py)."""

import numpy as np
import pytest
import torch

from worldmodel.camera import project
from worldmodel.diffusion.configuration_world_model import WorldModelConfig
from worldmodel.diffusion.modeling_world_model import WorldModel
from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
from worldmodel.diffusion.scheduling_flow import FlowMatchEulerScheduler, add_noise
from worldmodel.evaluation import evaluate_world_model, psnr_db, ssim
from worldmodel.training.wm import EARLY_STEPS, WorldModelRecipe, window_indices, window_rows

from .conftest import synthetic_arrays

# 32 px, 3 future frames; two levels (32, 16 px), attention at the coarsest with one head
TINY_WM = WorldModelConfig(image_size=32, frames=3, block_out_channels=[8, 32], layers_per_block=1)
T = TINY_WM.frames
SIZE = TINY_WM.image_size
HAND = [0.01, 0.05, 0.05, 1.0]  # just above the camera's look-at point, hand open
GOALS = [[0.1, 0.05, 0.02], [-0.1, 0.2, 0.02]]  # both in view


def tiny_model(seed: int = 0) -> WorldModel:
    torch.manual_seed(seed)
    return WorldModel(TINY_WM).eval()


def inputs(batch: int = 1, seed: int = 0) -> dict:
    """Denoiser inputs (noisy target, sigma, context) and every condition, for `batch` samples."""
    g = torch.Generator().manual_seed(seed)
    return {
        "noisy": torch.randn(batch, 3 * T, SIZE, SIZE, generator=g),
        "sigma": torch.ones(batch),
        "context": torch.rand(batch, 2, 3, SIZE, SIZE, generator=g) * 2 - 1,
        "skills": torch.full((batch,), TINY_WM.skills.index("press_button")),
        "state": torch.tensor([HAND] * batch),
        "goals": torch.tensor([GOALS] * batch),
        "goal_mask": torch.ones(batch, 2),
        "actions": torch.full((batch, T, 4), 0.5),
        "action_mask": torch.ones(batch),
    }


def pixel(point) -> tuple[int, int]:
    """(column, row) of the pixel nearest to where the camera sees a world point."""
    x, y = project(torch.tensor(point, dtype=torch.float32)[:3]).tolist()
    return round((x + 1) / 2 * (SIZE - 1)), round((y + 1) / 2 * (SIZE - 1))


def peak(image: torch.Tensor) -> tuple[int, int]:
    row, col = divmod(int(image.argmax()), image.shape[-1])
    return col, row


def tagged_arrays(episodes: int = 6, length: int = 20):
    """Synthetic episodes whose proprioception names the frame: state = (episode, t, 0, 1), so a
    batch's `state` tells which window (episode, t0) it came from. Even episodes succeed."""
    arrays = synthetic_arrays(episodes=episodes, length=length)
    arrays.states[:, 0] = np.repeat(np.arange(episodes), length)
    arrays.states[:, 1] = np.tile(np.arange(length), episodes)
    arrays.states[:, 3] = 1.0
    return arrays


def drawn_windows(batch: dict) -> tuple[np.ndarray, np.ndarray]:
    """(episode, t0) of each window of a batch of `tagged_arrays`."""
    state = batch["state"].numpy()
    return state[:, 0].astype(int), state[:, 1].astype(int)


# ------------------------------------------------------------------------------------ denoiser
def test_denoiser_shapes_with_and_without_actions():
    model, x = tiny_model(), inputs(2)
    expected = (2, 3 * T, SIZE, SIZE)
    assert TINY_WM.in_channels == 3 * T + 3 * 2 + 2 + 1 + T + 1
    assert model(**x).shape == expected
    free = {**x, "actions": None, "action_mask": None}
    assert model(**free).shape == expected
    # actions without a mask count as given
    assert torch.equal(model(**{**x, "action_mask": None}), model(**x))
    # to_target / from_target: the scaled change from the current frame, and back
    model.delta_scale.fill_(4.0)
    now = x["context"][:, -1]
    future = (now[:, None] + 0.1 * torch.randn(2, T, 3, SIZE, SIZE)).clamp(-1, 1)
    target = model.to_target(future, now)
    assert target.shape == expected
    assert torch.allclose(target[:, :3], 4.0 * (future[:, 0] - now))
    assert torch.allclose(model.from_target(target, now), future, atol=1e-5)


def test_each_condition_changes_the_prediction():
    model, x = tiny_model(), inputs()
    with torch.no_grad():
        base = model(**x)

        def differs(**changed) -> bool:
            return not torch.allclose(model(**{**x, **changed}), base, atol=1e-5)

        other_skill = torch.tensor([TINY_WM.skills.index("open_drawer")])
        assert differs(skills=other_skill)
        assert differs(skills=torch.tensor([len(TINY_WM.skills)]))  # no skill given
        assert differs(goal_mask=torch.zeros(1, 2))
        assert differs(goals=x["goals"] + torch.tensor([0.1, 0.0, 0.0]))
        assert differs(state=torch.tensor([[0.1, 0.0, 0.1, 1.0]]))
        assert differs(state=torch.tensor([[*HAND[:3], 0.0]]))  # the gripper alone
        assert differs(actions=-x["actions"])
        assert differs(actions=None, action_mask=None)
        # what is masked out is not seen at all
        unseen = {"goal_mask": torch.zeros(1, 2)}
        assert torch.equal(
            model(**{**x, **unseen}),
            model(**{**x, **unseen, "goals": x["goals"] + torch.tensor([0.1, 0.0, 0.0])}),
        )
        assert torch.equal(
            model(**{**x, "action_mask": torch.zeros(1)}),
            model(**{**x, "actions": None, "action_mask": None}),
        )


def test_goal_state_and_action_maps_reach_the_denoiser_without_the_vector_embeddings():
    """With the state and action embeddings silenced, goals, hand and actions still change the
    prediction: through the pixel maps alone."""
    model, x = tiny_model(), inputs()
    with torch.no_grad():
        for mlp in (model.state_embedding, model.action_embedding):
            mlp[-1].weight.zero_()
            mlp[-1].bias.zero_()
        base = model(**x)
        for changed in (
            {"goals": x["goals"] + torch.tensor([0.1, 0.0, 0.0])},
            {"state": torch.tensor([[0.1, 0.0, 0.1, 1.0]])},
            {"actions": -x["actions"]},
        ):
            assert not torch.allclose(model(**{**x, **changed}), base, atol=1e-5), changed
        # the gripper opening is not drawn in any map: silenced, it no longer matters
        closed = torch.tensor([[*HAND[:3], 0.0]])
        assert torch.allclose(model(**{**x, "state": closed}), base, atol=1e-6)


def test_condition_maps_put_the_hand_where_the_camera_sees_it_and_follow_the_actions():
    model = tiny_model()
    state = torch.tensor([HAND])
    goals, mask = torch.tensor([GOALS]), torch.tensor([[1.0, 0.0]])
    right = torch.tensor([[[1.0, 0.0, 0.0, 0.0]] * T])  # action_scale metres along +x per frame
    maps = model.condition_maps(state, goals, mask, right, torch.ones(1))
    assert maps.shape == (1, TINY_WM.map_channels, SIZE, SIZE) == (1, 2 + 1 + T + 1, SIZE, SIZE)
    assert peak(maps[0, 0]) == pixel(GOALS[0]) and maps[0, 0].max() > 0.5
    assert not maps[0, 1].any()  # the destination is masked out
    assert peak(maps[0, 2]) == pixel(HAND)  # the hand now
    path = [[HAND[0] + TINY_WM.action_scale * (t + 1), HAND[1], HAND[2]] for t in range(T)]
    later = [peak(maps[0, 3 + t]) for t in range(T)]
    shadow, floor = peak(maps[0, -1]), pixel([HAND[0], HAND[1], 0.0])  # the hand's shadow, last
    assert max(abs(a - b) for a, b in zip(shadow, floor, strict=True)) <= 1  # to a pixel
    assert later == [pixel(p) for p in path]
    columns = [pixel(HAND)[0]] + [c for c, _ in later]
    assert columns == sorted(set(columns))  # moving right, frame after frame
    up = torch.tensor([[[0.0, 0.0, 1.0, 0.0]] * T])
    assert peak(model.condition_maps(state, goals, mask, up, torch.ones(1))[0, 2 + T]) != later[-1]
    # no actions, or actions masked out: no future hand maps
    assert not model.condition_maps(state, goals, mask, None, None)[0, 3 : 3 + T].any()
    assert not model.condition_maps(state, goals, mask, right, torch.zeros(1))[0, 3 : 3 + T].any()
    # far tails are exactly zero (denormals slow every convolution down)
    assert (maps == 0).float().mean() > 0.5


def test_the_shadow_tells_a_far_hand_from_a_low_one():
    """Farther from the camera and higher can land the hand on the same pixel (the closed-loop
    stall this map fixes): the hand maps then agree, the shadows do not."""
    low = torch.tensor([[0.20, 0.015, 0.12, 1.0]])
    far = low.clone()
    far[0, 1] += 0.09  # 9 cm farther from the camera ...
    far[0, 2] = 0.05  # ... and 7 cm lower
    near_pixels = (project(low[:, :3]) - project(far[:, :3])).abs().max().item() * SIZE / 2
    assert near_pixels < 2.0  # the camera sees the two hands within 2 pixels of each other
    maps = [
        WorldModel(TINY_WM).condition_maps(
            s, s[:, None, :3].repeat(1, 2, 1), torch.ones(1, 2), None, None
        )
        for s in (low, far)
    ]
    shadows = [peak(m[0, -1]) for m in maps]
    assert abs(shadows[0][1] - shadows[1][1]) >= 2  # rows apart by the 9 cm of depth


def test_an_unknown_skill_gives_a_clear_error():
    model = tiny_model()
    known = TINY_WM.skills
    ids = model.skill_ids(["press_button", None, "", "pick_place"]).tolist()
    assert ids == [known.index("press_button"), len(known), len(known), known.index("pick_place")]
    with pytest.raises(
        ValueError, match=r"unknown skill 'juggle'; the world model knows pick_place"
    ):
        model.skill_ids(["press_button", "juggle"])
    context = np.zeros((1, 2, SIZE, SIZE, 3), np.uint8)
    with pytest.raises(ValueError, match="unknown skill 'juggle'"):
        WorldModelPipeline(model)(context, ["juggle"], np.zeros((1, 4)), steps=1)


# ------------------------------------------------------------------------------------ sampling
def test_scheduler_carries_noise_to_data_along_the_straight_path():
    sched = FlowMatchEulerScheduler(4, shift=3.0)
    assert sched.sigmas[0] == 1 and sched.sigmas[-1] == 0 and len(sched) == 4
    assert (sched.sigmas[:-1] > sched.sigmas[1:]).all()
    x0, noise = torch.randn(3, 5), torch.randn(3, 5)
    x = add_noise(x0, noise, torch.ones(3))
    for i in range(len(sched)):  # the exact clean estimate keeps x on the path to x0
        x = sched.step_x0(x0, i, x)
        assert torch.allclose(x, add_noise(x0, noise, sched.sigmas[i + 1].expand(3)), atol=1e-5)
    assert torch.allclose(x, x0, atol=1e-6)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        FlowMatchEulerScheduler(0)


def test_pipeline_sampling_is_deterministic_in_the_seed(tmp_path, wm_arrays):
    pipe = WorldModelPipeline(tiny_model())
    assert pipe.horizon == T and pipe.image_size == SIZE
    context = np.stack([wm_arrays.frames[:2], wm_arrays.frames[12:14]])  # (2, K, H, W, 3)
    states = np.array([HAND, HAND], np.float32)
    skills = ["press_button", None]
    a = pipe(context, skills, states, steps=2, seed=7)
    assert a.shape == (2, T, SIZE, SIZE, 3) and a.dtype == np.uint8
    assert np.array_equal(a, pipe(context, skills, states, steps=2, seed=7))
    assert not np.array_equal(a, pipe(context, skills, states, steps=2, seed=8))
    # given actions and goals are used
    actions = np.full((2, T, 4), 0.5, np.float32)
    assert not np.array_equal(a, pipe(context, skills, states, actions=actions, steps=2, seed=7))
    goals = (np.array([GOALS] * 2, np.float32), np.ones((2, 2), np.float32))
    assert not np.array_equal(a, pipe(context, skills, states, goals=goals, steps=2, seed=7))
    # one frame of context is enough (repeated: a robot at rest)
    assert pipe(context[:, -1:], skills, states, steps=1).shape == a.shape
    # from_pretrained loads ROOT/wm
    pipe.model.save_pretrained(tmp_path / "wm")
    loaded = WorldModelPipeline.from_pretrained(tmp_path)
    assert np.array_equal(a, loaded(context, skills, states, steps=2, seed=7))


def test_pipeline_refuses_frames_of_another_size_and_bad_shapes():
    pipe = WorldModelPipeline(tiny_model())
    states = np.zeros((2, 4), np.float32)
    big = np.zeros((2, 2, 64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="imagines 32 px frames; got 64x64"):
        pipe(big, [None, None], states, steps=1)
    context = np.zeros((2, 2, SIZE, SIZE, 3), np.uint8)
    with pytest.raises(ValueError, match=r"context must be uint8 \(B=2"):
        pipe(context[0], [None, None], states, steps=1)
    with pytest.raises(ValueError, match=r"states must have shape \(2, 4\)"):
        pipe(context, [None, None], states[:, :3], steps=1)
    with pytest.raises(ValueError, match=r"actions must have shape \(2, 3, 4\)"):
        pipe(context, [None, None], states, actions=np.zeros((2, T + 1, 4)), steps=1)
    with pytest.raises(ValueError, match=r"goal mask must have shape \(2, 2\)"):
        pipe(context, [None, None], states, goals=(np.zeros((2, 2, 3)), np.ones(2)), steps=1)


# ------------------------------------------------------------------------------------ recipe
def test_windows_clamp_to_their_episode(wm_arrays):
    rows = window_rows(wm_arrays)
    assert len(rows) == 6 * 11
    assert window_rows(wm_arrays, np.array([2, 4])).tolist() == [
        *([2, t] for t in range(11)),
        *([4, t] for t in range(11)),
    ]
    ctx, fut, act = window_indices(wm_arrays, np.array([[1, 0], [1, 10]]), context=2, horizon=3)
    assert ctx.tolist() == [[12, 12], [21, 22]]
    assert fut.tolist() == [[13, 14, 15], [23, 23, 23]]
    assert act.tolist() == [[12, 13, 14], [22, 23, 23]]


def test_recipe_trains_a_step_and_evaluates(tmp_path, wm_arrays):
    from worldmodel.idm.configuration_idm import IDMConfig
    from worldmodel.idm.modeling_idm import InverseDynamicsModel

    idm_dir = InverseDynamicsModel(IDMConfig(image_size=32, channels=[4, 8], hidden=8))
    idm_dir = idm_dir.save_pretrained(tmp_path / "idm")
    recipe = WorldModelRecipe(wm_arrays, wm_arrays, TINY_WM, eval_windows=4, idm_dir=idm_dir)
    torch.manual_seed(0)
    model = recipe.build_model()
    assert 1.0 <= recipe.delta_scale <= 8.0
    assert model.delta_scale.item() == pytest.approx(recipe.delta_scale)  # set from the data
    batch = recipe.batch(np.random.default_rng(0), 3)
    assert batch["context"].shape == (3, 2, 3, SIZE, SIZE)
    assert batch["future"].shape == (3, T, 3, SIZE, SIZE)
    assert batch["context"].min() >= -1 and batch["context"].max() <= 1
    assert batch["state"].shape == (3, 4) and batch["actions"].shape == (3, T, 4)
    assert batch["goals"].shape == (3, 2, 3) and batch["goal_mask"].shape == (3, 2)
    assert batch["action_mask"].shape == (3,) and len(batch["skills"]) == 3
    assert set(batch["skills"]) <= {"pick_place", None}
    loss, _ = recipe.loss(model, batch, torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and loss > 0
    grads = [p.grad for p in model.unet.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert model.skill_embedding.weight.grad.abs().sum() > 0  # the skill reaches the loss

    metrics = recipe.evaluate(model.eval())
    assert len(metrics["wm.psnr_db"]) == len(metrics["wm.psnr_copy_db"]) == T
    assert metrics["wm.windows"] == 4 and "wm.psnr_gain_final_db" in metrics
    assert "policy.move_cosine" in metrics and metrics["policy.windows"] > 0  # (scored below)
    pipe = WorldModelPipeline(model)
    goals = (np.zeros((len(wm_arrays), 2, 3), np.float32), np.ones((len(wm_arrays), 2), np.float32))
    with_goals = evaluate_world_model(pipe, wm_arrays, goals, windows=4, steps=1, batch_size=2)
    assert with_goals["wm.windows"] == 4 and with_goals["wm.sampling_steps"] == 1


def test_windows_without_actions_come_only_from_success_episodes():
    arrays = tagged_arrays()
    rng = np.random.default_rng(0)

    def action_masks(p_drop_actions):
        recipe = WorldModelRecipe(arrays, None, TINY_WM, p_drop_actions=p_drop_actions, p_early=0.0)
        batch = recipe.batch(rng, 64)
        episodes, _ = drawn_windows(batch)
        return batch["action_mask"].numpy(), arrays.success[episodes]

    mask, success = action_masks(1.0)
    assert success.any() and (~success).any()
    assert (mask[success] == 0).all()  # every success window imagined ...
    assert (mask[~success] == 1).all()  # ... no failure ever: it is not what the skill looks like
    mask, success = action_masks(0.5)
    assert set(mask[success]) == {0.0, 1.0} and (mask[~success] == 1).all()
    mask, _ = action_masks(0.0)
    assert (mask == 1).all()


def test_early_windows_come_from_the_first_steps_of_success_episodes():
    arrays = tagged_arrays()
    rng = np.random.default_rng(0)

    def early_share(p_early):
        recipe = WorldModelRecipe(arrays, None, TINY_WM, p_early=p_early)
        episodes, t0 = drawn_windows(recipe.batch(rng, 128))
        return (arrays.success[episodes] & (t0 < EARLY_STEPS)).mean(), episodes, t0

    share, episodes, t0 = early_share(1.0)
    assert share == 1.0 and set(t0) == set(range(EARLY_STEPS))
    assert set(episodes) == set(np.flatnonzero(arrays.success))
    share_none, _, t0 = early_share(0.0)
    assert t0.max() >= EARLY_STEPS and share_none < 0.5
    share_half, _, _ = early_share(0.5)
    assert share_none < share_half < 1.0
    with pytest.raises(ValueError, match=r"early windows must be a fraction in \[0, 1\]"):
        WorldModelRecipe(arrays, None, TINY_WM, p_early=1.5)


def test_motion_weight_puts_the_loss_on_what_changes(wm_arrays):
    """An error on the pixels that move (the square) costs 1 + weight times as much; an error on
    the still background costs the same; the weight is capped, so a few moving pixels cannot
    take the whole loss (uncapped, the model smeared the still scene)."""

    def recipe(weight):
        return WorldModelRecipe(wm_arrays, None, TINY_WM, motion_weight=weight)

    plain, weighted = recipe(0.0), recipe(2.0)
    model = plain.build_model()
    batch = plain.batch(np.random.default_rng(0), 4)
    x0 = model.to_target(batch["future"], batch["context"][:, -1])
    moves = x0.abs().unflatten(1, (T, 3)).mean(2, keepdim=True) > 0  # (B, T, 1, H, W)
    moving = moves.expand(-1, -1, 3, -1, -1).flatten(1, 2).float()
    assert 0 < moving.mean() < 0.2  # a small square moves over a still background

    def loss(r, error):
        model.forward = lambda *args, **kw: x0 + error  # a denoiser off by exactly `error`
        return r.loss(model, batch, torch.Generator().manual_seed(0))[0].item()

    on_motion, on_background = 0.1 * moving, 0.1 * (1 - moving)
    assert loss(plain, on_motion) == pytest.approx(0.01 * moving.mean().item(), rel=1e-4)
    assert loss(weighted, on_motion) == pytest.approx(3 * loss(plain, on_motion), rel=0.05)
    assert loss(weighted, on_background) == pytest.approx(loss(plain, on_background), rel=1e-5)
    assert weighted.options()["motion_weight"] == 2.0 and plain.options()["motion_weight"] == 0.0
    with pytest.raises(ValueError, match="motion weight must be >= 0"):
        recipe(-1.0)


@pytest.mark.parametrize(
    "option, value, name",
    [("p_early", 0.5, "early_windows"), ("p_drop_actions", 0.2, "drop_actions")],
)
def test_resuming_with_other_recipe_options_is_refused(tmp_path, wm_arrays, option, value, name):
    from worldmodel.checkpoint import CheckpointError
    from worldmodel.training.trainer import TrainConfig, TrainingInterrupted, train

    config = TrainConfig(steps=3, batch_size=2, lr=1e-3, warmup=1, log_every=1)

    def recipe(**kw):
        return WorldModelRecipe(wm_arrays, None, TINY_WM, **kw)

    with pytest.raises(TrainingInterrupted):
        train(recipe(), config, tmp_path, max_seconds=0)
    with pytest.raises(CheckpointError, match=rf"different recipe config \(changed: {name}\)"):
        train(recipe(**{option: value}), config, tmp_path)
    assert train(recipe(), config, tmp_path)["steps"] == 3  # the same options resume


def test_init_from_continues_from_a_trained_model(tmp_path, wm_arrays):
    trained = tiny_model(seed=1)
    trained.delta_scale.fill_(5.0)
    folder = trained.save_pretrained(tmp_path / "wm")
    recipe = WorldModelRecipe(wm_arrays, None, TINY_WM, init_from=folder)
    assert recipe.options()["init_from"] == str(folder)
    model = recipe.build_model()
    assert model.delta_scale.item() == 5.0  # the trained model's scale, not this data's
    for key, value in trained.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    fresh = WorldModelRecipe(wm_arrays, None, TINY_WM).build_model()
    assert fresh.delta_scale.item() != 5.0


def test_init_from_a_model_without_the_shadow_starts_where_it_left_off(tmp_path, wm_arrays):
    old = WorldModel(TINY_WM.model_copy(update={"hand_shadow": False})).eval()
    folder = old.save_pretrained(tmp_path / "wm")
    model = WorldModelRecipe(wm_arrays, None, TINY_WM, init_from=folder).build_model().eval()
    assert model.config.hand_shadow
    with torch.no_grad():
        assert torch.allclose(model(**inputs()), old(**inputs()), atol=1e-6)
    wider = TINY_WM.model_copy(update={"block_out_channels": [16, 32]})
    with pytest.raises(ValueError, match="only added input maps"):
        WorldModelRecipe(wm_arrays, None, wider, init_from=folder).build_model()


def test_recipe_checks_its_fractions(wm_arrays):
    for option in ("p_drop_actions", "p_drop_skill", "p_drop_goals", "p_full_noise"):
        with pytest.raises(ValueError, match=r"must be a fraction in \[0, 1\]"):
            WorldModelRecipe(wm_arrays, None, TINY_WM, **{option: -0.1})


# ------------------------------------------------------------------------------------ metrics
def test_metrics_of_identical_frames():
    x = np.random.default_rng(0).integers(0, 255, (2, 16, 16, 3), dtype=np.uint8)
    assert np.all(psnr_db(x, x) > 90) and np.allclose(ssim(x, x), 1.0, atol=1e-4)
    assert ssim(x, 255 - x).mean() < 0.5


def test_policy_evaluation_compares_imagined_moves_with_the_expert(wm_arrays):
    from worldmodel.evaluation import evaluate_policy
    from worldmodel.idm.configuration_idm import IDMConfig
    from worldmodel.idm.modeling_idm import InverseDynamicsModel

    pipeline = WorldModelPipeline(tiny_model())
    idm = InverseDynamicsModel(IDMConfig(image_size=32, channels=[4, 8], hidden=8))
    n = len(wm_arrays)
    goals = (np.zeros((n, 2, 3), np.float32), np.zeros((n, 2), np.float32))
    result = evaluate_policy(pipeline, idm, wm_arrays, goals, windows=4, rollouts=2)
    assert result["policy.windows"] == 4 and result["policy.rollouts"] == 2
    still = evaluate_policy(pipeline, idm, wm_arrays, goals, windows=4, rollouts=2, context=1)
    assert still["policy.context_frames"] == 1

    # an IDM that reads the expert's own next moves off every window scores 1 (and its opposite
    # -1), whatever the world model imagined: the metric compares with the right actions
    from worldmodel.evaluation import evaluation_windows
    from worldmodel.training.wm import window_indices

    cfg = pipeline.model.config
    rows = evaluation_windows(wm_arrays, cfg.frames, 4, 0, np.flatnonzero(wm_arrays.success))
    _, _, act = window_indices(wm_arrays, rows, cfg.context_frames, cfg.frames)
    for sign, expected in ((1.0, 1.0), (-1.0, -1.0)):

        class OracleIDM:
            def __init__(self, answers):
                self.answers = iter(answers)

            def invert(self, video):
                moves = torch.as_tensor(next(self.answers))
                return moves[None].repeat(len(video), 1, 1)

        oracle = OracleIDM([sign * wm_arrays.actions[act[i]] for i in range(len(rows))])
        scored = evaluate_policy(pipeline, oracle, wm_arrays, goals, windows=4, rollouts=2)
        assert all(np.linalg.norm(wm_arrays.actions[act[i], :3].sum(0)) > 1e-3 for i in range(4))
        assert scored["policy.move_cosine"] == pytest.approx(expected, abs=1e-3)
        assert scored["policy.move_ratio"] == pytest.approx(1.0, abs=1e-3)


# ------------------------------------------------------------------------------------ geometry
def test_camera_projection_puts_the_look_at_point_in_the_image_centre():
    from robot_bridge.sim import layout as L

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


def test_goal_points_name_what_to_act_on_and_where_it_goes():
    from worldmodel.goals import goal_points

    seen = {"red_block": (0.1, 0.0, 0.02), "bowl": (-0.1, 0.0, 0.0), "button": (0.0, -0.1, 0.02)}
    points, mask = goal_points("pick_place", {"object": "red_block", "target": "bowl"}, seen)
    assert points[0].tolist() == pytest.approx([0.1, 0.0, 0.02]) and mask.tolist() == [1, 1]
    points, mask = goal_points("press_button", {}, seen)
    assert points[0].tolist() == pytest.approx([0.0, -0.1, 0.02]) and mask.tolist() == [1, 0]
    _, mask = goal_points("open_drawer", {}, seen)  # the drawer was not perceived
    assert mask.tolist() == [0, 0]
