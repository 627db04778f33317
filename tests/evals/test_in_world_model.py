"""Evaluation inside the world model (evals/in_world_model.py): the agreement metrics on known
cases, the imagined robot's proprioception, and whole episodes with the shipped models."""

import numpy as np
import pytest

from agent.baselines import RandomExecutor
from evals.in_world_model import (
    ImaginedRobot,
    NoisyExecutor,
    agreement,
    check_executor_name,
    evaluate_in_world_model,
    mmrv,
    spearman,
)
from skills.library import SkillCall
from tests.cli import reverie


def test_mmrv_is_zero_for_the_same_order_and_the_worst_gap_otherwise():
    real = [0.9, 0.5, 0.1]
    assert mmrv(real, [0.8, 0.4, 0.0]) == 0.0  # same ranking, other values
    # the prediction swaps the best and the worst: each sees a 0.8 violation, the middle one 0.4
    assert mmrv(real, [0.0, 0.4, 0.8]) == pytest.approx((0.8 + 0.4 + 0.8) / 3)
    assert spearman(real, [0.8, 0.4, 0.0]) == pytest.approx(1.0)
    stats = agreement(real, [0.0, 0.4, 0.8])
    assert stats["pearson"] == pytest.approx(-1.0) and stats["spearman"] == pytest.approx(-1.0)
    assert agreement([0.5, 0.5], [0.1, 0.9])["pearson"] is None  # no spread: undefined


def test_executor_names():
    assert check_executor_name("policy") == 0.0 and check_executor_name("policy+25") == 0.25
    for bad in ("policy+", "policy+101", "scripted", "random+5"):
        with pytest.raises(ValueError, match="valid: policy, worldmodel, random"):
            check_executor_name(bad)


class _Pipeline:
    """Stands in for the world model where only the proprioception is under test."""

    horizon = 8

    class model:  # noqa: N801
        class config:  # noqa: N801
            context_frames = 2

    def __call__(self, context, skills, states, goals=None, actions=None, steps=3, seed=0):
        assert actions is not None and actions.shape == (1, 8, 4)  # simulates, never imagines
        assert skills == [None] and goals is None  # the actions alone decide what happens
        return np.zeros((1, 8, 64, 64, 3), np.uint8)


def test_the_imagined_hand_follows_the_actions_and_keeps_a_block_it_closed_on():
    from types import SimpleNamespace

    robot = ImaginedRobot(SimpleNamespace(pipeline=_Pipeline(), steps=3), step_size=0.01)
    call = SkillCall(skill="pick_place", args={"object": "red_block", "target": "bowl"})
    objects = {"red_block": (0.05, 0.0, 0.02), "bowl": (0.2, 0.0, 0.0)}
    robot.reset(np.zeros((64, 64, 3), np.uint8), np.array([0, 0, 0.02, 1.0]), objects, call)
    robot.step(np.tile([1.0, 0, 0, -1.0], (5, 1)))  # 5 cm along x, open: at the block
    _, state, _ = robot.observation()
    assert state[:3] == pytest.approx([0.05, 0, 0.02]) and state[3] == 1.0
    robot.step(np.array([[0, 0, 0, 1.0], [0, 0, 1.0, 1.0]]))  # close on it, lift 1 cm
    _, state, seen = robot.observation()
    assert state[3] == pytest.approx(0.5) and seen["red_block"] == pytest.approx(state[:3])
    assert len(robot.frames) == 1 + 5 + 2  # one imagined frame per action
    robot.step(np.array([[0, 0, 0, -1.0], *[[1.0, 0, 0, -1.0]] * 3, [0, 0, 0, 1.0]]))
    _, state, seen = robot.observation()  # let go, moved 3 cm on, closed on nothing
    assert state[3] == 0.0 and seen["red_block"] == pytest.approx([0.05, 0, 0.02])


def test_policies_are_evaluated_inside_the_world_model_beside_the_simulator():
    """The shipped models, no simulator after the first frame: a real, short suite."""
    from worldmodel.imagine import Imaginer

    imaginer = Imaginer()
    result = evaluate_in_world_model(
        RandomExecutor(0), imaginer, episodes=1, kinds=("press_button",), real=True
    )
    row = result["skills"]["press_button"]
    assert row["episodes"] == 1 and set(row) >= {"predicted_success_rate", "real_success_rate"}
    assert result["seconds_per_imagined_episode"] > 0 and result["executor"] == "random"
    noisy = NoisyExecutor(RandomExecutor(1), 1.0)
    assert noisy.name == "random+100%random"


def test_eval_in_world_model_command_refuses_bad_input_before_loading_models():
    bad = reverie("eval", "in-world-model", "--executor", "telepathy")
    assert bad.returncode == 2 and "policy+N" in bad.stderr and "Traceback" not in bad.stderr
    bad = reverie("eval", "in-world-model", "--episodes", "0")
    assert bad.returncode == 2 and "--episodes must be >= 1" in bad.stderr


def test_a_noisy_policy_draws_the_same_noise_for_the_same_task():
    """The task in the simulator and in the world model must meet the same policy: its random
    chunks depend on the task, not on how many draws the other run took."""
    from agent.planners.base import PlannedStep

    step = PlannedStep(skill="press_button", args={}, instruction="press the button")
    other = PlannedStep(skill="open_drawer", args={}, instruction="open the drawer")
    noisy = NoisyExecutor(RandomExecutor(0), 1.0, seed=3, name="random")
    frame, state = np.zeros((64, 64, 3), np.uint8), np.zeros(4, np.float32)
    noisy.begin(step)
    first = [noisy.propose(step, frame, state).actions for _ in range(3)]
    noisy.begin(other)
    noisy.propose(other, frame, state)
    noisy.begin(step)
    again = [noisy.propose(step, frame, state).actions for _ in range(3)]
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    assert noisy.name == "random"
