"""Perception's noise on reported positions: on by default, a few millimetres, seeded, configurable,
and never in the simulator's ground truth. Real MuJoCo; the bridge through a real gRPC server."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import robot_bridge.sim  # noqa: F401  registers the env
from robot_bridge.client import RobotClient
from robot_bridge.sim.experts import expert_actions
from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE
from robot_bridge.sim.tabletop import TabletopSim
from robot_bridge.sim_robot import SimRobot
from robot_bridge.testing import start_server
from skills.library import SkillCall

SEED = 3


def _errors(sim: TabletopSim, steps: int) -> np.ndarray:
    """Reported minus true position of every seen object, over `steps` still steps."""
    out = []
    for _ in range(steps):
        sim.step([0.0, 0.0, 0.0, -1.0])
        truth, seen = sim.object_positions(), sim.observe().objects
        out += [np.subtract(p, truth[name]) for name, p in seen.items()]
    return np.array(out)


def test_reported_positions_carry_a_few_millimetres_of_noise_by_default():
    sim = TabletopSim(image_size=16)
    sim.reset(SEED)
    errors = _errors(sim, 30)
    sim.close()
    assert DEFAULT_POSITION_NOISE == 0.003
    assert 0.0025 < errors.std() < 0.0035 and abs(errors.mean()) < 0.0005
    assert np.abs(errors).max() < 6 * DEFAULT_POSITION_NOISE
    # independent per object and per step: no two objects or steps share a draw
    assert len(np.unique(errors[:, 0].round(9))) == len(errors)


def test_noise_is_configurable_and_zero_reports_exact_positions():
    exact = TabletopSim(image_size=16, position_noise=0.0)
    exact.reset(SEED)
    assert np.abs(_errors(exact, 3)).max() == 0.0
    exact.close()
    coarse = TabletopSim(image_size=16, position_noise=0.02)
    coarse.reset(SEED)
    assert 0.015 < _errors(coarse, 20).std() < 0.025
    coarse.close()


def test_noise_is_reproducible_from_the_seed_and_the_step():
    a, b = TabletopSim(image_size=16), TabletopSim(image_size=16)
    first = a.reset(SEED).objects
    assert b.reset(SEED).objects == first
    assert a.observe().objects == first  # the same step reads the same
    a.step([0.0, 0.0, 0.0, -1.0])
    b.step([0.0, 0.0, 0.0, -1.0])
    assert a.observe().objects == b.observe().objects != first
    assert b.reset(SEED + 1).objects != first
    a.close()
    b.close()


def test_ground_truth_stays_exact_while_perception_is_noisy():
    noisy = TabletopSim(image_size=16, position_noise=0.01)
    exact = TabletopSim(image_size=16, position_noise=0.0)
    call = SkillCall(skill="stack", args={"object": "blue_block", "base": "green_block"})
    for sim in (noisy, exact):
        sim.reset(SEED)
        for action in expert_actions(sim, call):  # experts read ground truth: same actions
            sim.step(action)
    assert noisy.scene() == exact.scene()
    assert noisy.scene().relation_of("blue_block") == ("on", "green_block")
    assert noisy.object_positions() == exact.object_positions()
    assert noisy.observe().objects != exact.observe().objects
    noisy.close()
    exact.close()


@pytest.mark.parametrize("bad", [-0.001, 0.2, float("nan"), float("inf"), "3mm", None, True])
def test_bad_noise_gets_a_clear_error(bad):
    with pytest.raises(ValueError, match=r"position_noise must be .* from 0 \(exact\) to 0.05"):
        TabletopSim(image_size=16, position_noise=bad)
    with pytest.raises(ValueError, match="position_noise must be"):
        SimRobot(image_size=16, position_noise=bad)


def test_the_gym_env_reports_noisy_positions_and_takes_the_option():
    env = gym.make("reverie/Tabletop-v0", image_size=16).unwrapped
    exact_env = gym.make("reverie/Tabletop-v0", image_size=16, position_noise=0.0).unwrapped
    obs, _ = env.reset(seed=SEED)
    exact_obs, _ = exact_env.reset(seed=SEED)
    seen = obs["object_visible"].astype(bool)
    np.testing.assert_array_equal(seen, exact_obs["object_visible"].astype(bool))
    diff = obs["object_positions"][seen] - exact_obs["object_positions"][seen]
    assert 0 < np.abs(diff).max() < 0.02
    env.close()
    exact_env.close()


def test_the_bridge_serves_noisy_perception_and_exact_ground_truth():
    robot = SimRobot(image_size=16, seed=SEED, position_noise=0.004)
    server = start_server(robot)
    try:
        with RobotClient(server.address, timeout=5.0) as client:
            seen = client.observe().objects
            truth = {o.id: o.position for o in client.sim.scene().objects}
            assert set(seen) <= set(truth)
            errors = np.array([np.subtract(p, truth[k]) for k, p in seen.items()])
            assert 0.0005 < np.abs(errors).max() < 0.024  # noisy, but millimetres
            assert client.observe().objects == seen  # no step taken: the same report
    finally:
        server.stop(grace=0)
        robot.close()
