import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import robot_bridge.sim  # noqa: F401  registers the env
from robot_bridge.sim import layout as L
from robot_bridge.sim.experts import expert_actions
from robot_bridge.sim.tabletop import InvalidActionError, TabletopSim
from skills.library import SkillCall
from skills.vocabulary import BLOCKS, RECEPTACLES


def test_check_env_passes():
    env = gym.make("reverie/Tabletop-v0", render_mode="rgb_array", image_size=64)
    check_env(env.unwrapped)
    env.close()


def test_registered_env_truncates_and_renders():
    env = gym.make("reverie/Tabletop-v0", render_mode="rgb_array", image_size=32)
    obs, info = env.reset(seed=5)
    assert obs["image"].shape == (32, 32, 3) and env.render().shape == (32, 32, 3)
    truncated, steps = False, 0
    while not truncated:
        obs, reward, terminated, truncated, info = env.step(np.zeros(4, np.float32))
        steps += 1
        assert not terminated
    assert steps == 200
    env.close()


def test_same_seed_same_scene_and_frames(sim):
    a = sim.reset(11).image
    scene_a = sim.scene()
    sim.step([0.5, -0.5, -0.3, 1.0])
    after_a = sim.render()
    b = sim.reset(11).image
    scene_b = sim.scene()
    sim.step([0.5, -0.5, -0.3, 1.0])
    assert np.array_equal(a, b) and scene_a == scene_b
    assert np.array_equal(after_a, sim.render())


def test_seeds_vary_blocks_drawer_and_light(sim):
    counts, drawers, lights = set(), set(), set()
    for seed in range(40):
        sim.reset(seed)
        s = sim.scene()
        counts.add(len(s.blocks()))
        drawers.add(s.drawer_open)
        lights.add(s.light_on)
        assert set(s.blocks()) <= set(BLOCKS)
        assert {"bowl", "bin", "drawer", "button", "light"} <= set(s.object_ids())
    assert counts == {2, 3, 4} and drawers == {True, False} and lights == {True, False}


@pytest.mark.parametrize(
    "action, message",
    [
        ([0.1, 0.2, 0.3], "shape"),
        (np.zeros((2, 4)), "shape"),
        ([0.0, float("nan"), 0.0, 0.0], "finite"),
        ([0.0, 0.0, float("inf"), 0.0], "finite"),
        ("left", "4 numbers"),
    ],
)
def test_invalid_actions_raise_clear_errors(sim, action, message):
    sim.reset(0)
    before = sim.ee_pos()
    with pytest.raises(InvalidActionError, match=message):
        sim.step(action)
    assert np.allclose(before, sim.ee_pos())


def test_out_of_range_actions_are_clipped_and_reported():
    env = gym.make("reverie/Tabletop-v0", image_size=32).unwrapped
    env.reset(seed=0)
    start = env.sim.ee_pos()
    _, _, _, _, info = env.step(np.array([5.0, 0.0, 0.0, -1.0], np.float32))
    assert info["action_clipped"] and info["applied_action"][0] == 1.0
    assert env.sim.ee_pos()[0] - start[0] == pytest.approx(L.MAX_STEP, abs=0.005)
    _, _, _, _, info = env.step(np.array([0.5, 0.0, 0.0, -1.0], np.float32))
    assert not info["action_clipped"]


def test_image_size_is_configurable():
    sim = TabletopSim(image_size=48)
    assert sim.reset(0).image.shape == (48, 48, 3)
    with pytest.raises(ValueError, match="image_size"):
        TabletopSim(image_size=4)


def test_each_block_has_exactly_one_relation(sim):
    for seed in range(10):
        sim.reset(seed)
        s = sim.scene()
        subjects = [b for _, b, _ in s.relations]
        assert sorted(subjects) == sorted(s.blocks())
        for rel, _, other in s.relations:
            assert (rel, other) in {("on", "table"), ("held", "gripper")} or other in (
                *RECEPTACLES,
                *BLOCKS,
            )


def test_released_block_falls_under_gravity(sim):
    sim.reset(0)
    block = sim.scene().blocks()[0]
    for a in expert_actions(
        sim, SkillCall(skill="pick_place", args={"object": block, "target": "bowl"})
    ):
        sim.step(a)
        if sim.held_block() == block and sim.object_positions()[block][2] > 0.1:
            break
    assert sim.scene().relation_of(block) == ("held", "gripper")
    height = sim.object_positions()[block][2]
    for _ in range(5):
        sim.step([0, 0, 0, -1.0])  # open: the block must drop, nothing holds it but friction
    assert sim.object_positions()[block][2] < height - 0.05


def test_light_toggles_and_is_visible_in_the_image(sim):
    sim.reset(0)
    before_light, before_img = sim.light_on, sim.render().astype(int)
    for a in expert_actions(sim, SkillCall(skill="press_button")):
        sim.step(a)
    assert sim.light_on != before_light and sim.button_presses == 1
    # Compare the bulb's pixels with the hand parked far from it.
    sim2 = TabletopSim(image_size=64)
    sim2.reset(0)
    off_img = sim2.render().astype(int)
    sim2.light_on = not sim2.light_on
    sim2._show_light()
    assert np.abs(sim2.render().astype(int) - off_img).sum() > 500
    assert before_img.shape == off_img.shape


def test_perceived_objects_hide_blocks_in_a_closed_drawer(sim):
    for seed in range(50):
        sim.reset(seed)
        if sim.scene().drawer_open:
            break
    block = sim.scene().blocks()[0]
    for a in expert_actions(
        sim, SkillCall(skill="pick_place", args={"object": block, "target": "drawer"})
    ):
        sim.step(a)
    assert block in sim.observe().objects
    for a in expert_actions(sim, SkillCall(skill="close_drawer")):
        sim.step(a)
    assert sim.scene().relation_of(block) == ("in", "drawer")
    assert block not in sim.observe().objects


def test_hold_drops_the_pending_target(sim):
    sim.reset(0)
    sim.step([1.0, 0.0, 0.0, -1.0])
    sim.hold()
    here = sim.ee_pos()
    for _ in range(3):
        sim.step([0.0, 0.0, 0.0, -1.0])
    assert np.allclose(sim.ee_pos(), here, atol=0.002)


def test_a_simulator_without_a_camera_simulates_and_perceives_but_does_not_render():
    from robot_bridge.sim.tabletop import TabletopSim

    with_camera, without = TabletopSim(image_size=32), TabletopSim(camera=False)
    seen, blind = with_camera.reset(5), without.reset(5)
    assert blind.image.shape == (0, 0, 3) and seen.image.shape == (32, 32, 3)
    assert blind.objects == seen.objects and blind.placements == seen.placements
    for sim in (with_camera, without):
        for _ in range(5):
            sim.step(np.array([1.0, 0.0, -0.5, 1.0]))
    np.testing.assert_allclose(without.ee_pos(), with_camera.ee_pos())
    with pytest.raises(RuntimeError, match="without a camera"):
        without.render()
    with_camera.close()
    without.close()
