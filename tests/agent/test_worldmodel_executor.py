"""Rejection, consensus and overlap smoothing of the world-model executor, on hand-made rollouts."""

import numpy as np
import pytest

from agent.executors.worldmodel import WorldModelExecutor, consensus, feasible
from agent.planners.base import PlannedStep
from worldmodel.imagine import Imagination

STEP = PlannedStep(skill="press_button", args={}, instruction="press the button")


def test_feasible_rejects_out_of_limits_and_jumpy_rollouts():
    calm = np.tile([0.5, 0.0, -0.2, 1.0], (1, 6, 1))
    wild = calm.copy()
    wild[0, 3, 0] = 3.0
    jumpy = calm.copy()
    jumpy[0, 3, :3] = [-1.0, 1.0, 1.0]
    assert feasible(np.concatenate([calm, wild, jumpy])).tolist() == [True, False, False]


def test_consensus_averages_agreeing_rollouts_only():
    a = np.tile([1.0, 0.0, 0.0, 1.0], (6, 1))
    b = np.tile([0.9, 0.1, 0.0, 1.0], (6, 1))
    c = np.tile([-1.0, 0.0, 0.0, -1.0], (6, 1))  # a different plan altogether
    actions = np.stack([a, b, c])
    out = consensus(actions, np.array([0.9, 0.8, 0.7]), np.array([True, True, True]), k=3)
    assert out.shape == (3, 4) and np.all(out[:, 0] > 0.9) and np.all(out[:, 3] == 1.0)


def test_the_gripper_starts_as_the_robot_reports_it():
    """A blurred imagination inverts to gripper values near 0; the hand keeps its state."""
    vague = np.tile([0.5, 0.0, -0.2, 0.1], (1, 8, 1))
    for opening, expected in ((1.0, -1.0), (0.5, 1.0)):  # open hand; a hand holding a block
        imaginer = ScriptedImaginer([(vague, np.array([0.5]))])
        executor = WorldModelExecutor(rollouts=1, chunk=4, imaginer=imaginer)
        executor.begin(STEP)
        state = np.array([0.0, -0.1, 0.2, opening])
        actions = executor.propose(STEP, np.zeros((64, 64, 3), np.uint8), state).actions
        assert actions[:, 3].tolist() == [expected] * 4


class ScriptedImaginer:
    """Returns prepared rollouts in turn; counts calls and keeps the goals it was given.
    Its signature is `worldmodel.imagine.Imaginer.imagine`'s."""

    def __init__(self, batches, step=STEP):
        self.batches, self.calls, self.step, self.goals = list(batches), 0, step, []

    def imagine(
        self,
        recent,
        instruction,
        skill,
        state,
        rollouts=4,
        seed=0,
        history=None,
        actions=None,
        goals=None,
    ):
        assert recent.shape == (2, 64, 64, 3) and instruction == self.step.instruction
        assert skill == self.step.skill  # the world model imagines the planned skill
        assert state.shape == (4,)  # the robot's proprioception reaches the world model
        assert actions is None  # the executor imagines freely
        assert history is not None and history.shape[1:] == (64, 64, 3)
        self.calls += 1
        self.goals.append(goals)
        actions, scores = self.batches.pop(0)
        n, t = actions.shape[:2]
        assert n == rollouts
        frames = np.zeros((n, t + 1, 64, 64, 3), np.uint8)
        return Imagination(
            frames=frames, actions=actions, scores=scores, timings={"imagine_s": 0.1}
        )


def test_all_infeasible_is_resampled_then_the_best_kept_rollout_moves():
    bad = np.full((4, 8, 4), 5.0)
    good = np.tile([0.2, -0.1, -0.5, 1.0], (4, 8, 1))
    good[1] = np.tile([-0.8, 0.8, 0.0, -1.0], (8, 1))
    imaginer = ScriptedImaginer([(bad, np.full(4, 0.5)), (good, np.array([0.6, 0.9, 0.1, 0.2]))])
    executor = WorldModelExecutor(rollouts=4, chunk=4, imaginer=imaginer)
    executor.begin(STEP)
    proposal = executor.propose(STEP, np.zeros((128, 128, 3), np.uint8), np.zeros(4))
    assert imaginer.calls == 2 and proposal.info["resamples"] == 1
    assert proposal.actions.shape == (4, 4)
    np.testing.assert_allclose(proposal.actions[0], [-0.8, 0.8, 0.0, -1.0])  # rollout 1 scored best
    assert proposal.scores == [0.6, 0.9, 0.1, 0.2] and proposal.imagined.shape == (4, 64, 64, 3)


def test_overlapping_windows_are_blended():
    first = np.tile([1.0, 0.0, 0.0, 1.0], (1, 8, 1))
    second = np.tile([0.0, 0.0, 0.0, 1.0], (1, 8, 1))
    imaginer = ScriptedImaginer([(first, np.array([0.5])), (second, np.array([0.5]))])
    executor = WorldModelExecutor(rollouts=1, chunk=4, imaginer=imaginer)
    executor.begin(STEP)
    frame = np.zeros((64, 64, 3), np.uint8)
    executor.propose(STEP, frame, np.zeros(4))
    blended = executor.propose(STEP, frame, np.zeros(4)).actions
    assert blended[:, 0] == pytest.approx([0.5] * 4)  # half old plan, half new


def test_a_done_claim_needs_two_verdicts_in_a_row():
    """The judge runs after every chunk, dozens of times per subtask: one stray "done" must not
    end the subtask, two in a row do; a finished executor needs only one."""
    from types import SimpleNamespace

    from agent.context import RunContext
    from agent.graph import _fresh_subtask, check

    verdicts = iter([0.9, 0.1, 0.8, 0.7])
    log = SimpleNamespace(info=lambda *a, **k: None)
    ctx = RunContext(
        robot=SimpleNamespace(observe=lambda: None),  # no scene recorded: the judge decides
        control=None,
        executor=None,
        judge=SimpleNamespace(completion=lambda frames, instruction: next(verdicts)),
        planner=None,
        run=SimpleNamespace(subtask_frames=lambda start: [], log=log),
    )
    runtime = SimpleNamespace(context=ctx)
    state = {
        "plan": [{"skill": "press_button", "args": {}, "instruction": "press the button"}],
        "cursor": 0,
        "replans": 0,
        **_fresh_subtask(),
    }
    routes = []
    for _ in range(4):
        state["chunks"] += 1
        state.update(check(state, runtime))
        routes.append(state["route"])
    assert routes == ["act", "act", "act", "advance"]

    verdicts = iter([0.9])
    finished = {**state, **_fresh_subtask(), "chunks": 1, "executor_done": True}
    assert check(finished, runtime)["route"] == "advance"


def test_skill_eval_scores_the_judges_claims_against_the_simulator():
    from types import SimpleNamespace

    from evals.skills_eval import WorldModelSkillExecutor, eval_skills

    class StillImaginer:  # the hand stays put: only the judge's claims matter here
        image_size = 64

        def imagine(self, recent, instruction, skill, state, rollouts=4, seed=0, **kw):
            return Imagination(
                frames=np.zeros((rollouts, 9, 64, 64, 3), np.uint8),
                actions=np.zeros((rollouts, 8, 4)),
                scores=np.full(rollouts, 0.5),
            )

    executor = WorldModelSkillExecutor(
        rollouts=1, max_chunks=2, imaginer=StillImaginer(), use_effects=False
    )
    for score in (1.0, 0.0):  # a judge that always / never says "done"
        executor.judge = SimpleNamespace(completion=lambda frames, instruction, s=score: s)
        row = eval_skills(executor, 2, kinds=("press_button",))["skills"]["press_button"]
        assert row["judge_claims"] == (2 if score else 0)
        truth = row["success_rate"] if score else 1 - row["success_rate"]
        assert row["judge_agreement"] == truth
    # gated by the perceived effects (the light never changed), "done" is never claimed
    executor.use_effects = True
    executor.judge = SimpleNamespace(completion=lambda frames, instruction: 1.0)
    row = eval_skills(executor, 2, kinds=("press_button",))["skills"]["press_button"]
    assert row["success_rate"] == 0 and row["judge_claims"] == 0


PICK = PlannedStep(
    skill="pick_place",
    args={"object": "red_block", "target": "bowl"},
    instruction="put the red block in the bowl",
)


def test_the_executor_closes_the_hand_only_at_the_block():
    """Imagination closes the hand 12 cm early; the robot's hand stays open until it is there."""
    reach = np.tile([1.0, 0.0, 0.0, 1.0], (1, 8, 1))  # 3 cm along x per step, closing
    imaginer = ScriptedImaginer([(reach, np.array([0.5]))] * 2, step=PICK)
    executor = WorldModelExecutor(rollouts=1, chunk=4, imaginer=imaginer)
    executor.begin(PICK)
    objects = {"red_block": (0.24, 0.0, 0.02)}
    frame = np.zeros((64, 64, 3), np.uint8)
    start = np.array([0.0, 0.0, 0.02, 1.0])
    first = executor.propose(PICK, frame, start, objects=objects)
    assert first.actions[:, 3].tolist() == [-1.0] * 4  # the hand ends this chunk 12 cm short
    assert first.info["grasp_held"] == 4 and first.info["regrasp"] is False
    there = np.array([0.12, 0.0, 0.02, 1.0])
    second = executor.propose(PICK, frame, there, objects=objects).actions
    assert second[:, 3].tolist() == [-1.0, -1.0, -1.0, 1.0]
    for points, mask in imaginer.goals:  # the block perceived; the bowl was not
        assert points[0].tolist() == pytest.approx([0.24, 0.0, 0.02]) and mask.tolist() == [1, 0]


def test_a_missed_grasp_opens_the_hand_again():
    vague = np.tile([0.0, 0.0, 0.0, 0.1], (1, 8, 1))
    imaginer = ScriptedImaginer([(vague, np.array([0.5]))], step=PICK)
    executor = WorldModelExecutor(rollouts=1, chunk=4, imaginer=imaginer)
    executor.begin(PICK)
    executor.hand.closed = True  # the previous chunk closed the hand ...
    shut = np.array([0.1, 0.0, 0.02, 0.0])  # ... and its fingers met
    proposal = executor.propose(PICK, np.zeros((64, 64, 3), np.uint8), shut, objects={})
    assert proposal.actions[:, 3].tolist() == [-1.0] * 4 and proposal.info["regrasp"] is True


def test_a_rollout_that_grasps_thin_air_is_dropped_while_another_reaches_first():
    """Two imaginations from a hand 12 cm from the block: one closes at once and would carry
    nothing (scored higher), one moves on towards the block. The executor follows the second."""
    early = np.tile([0.0, 0.0, 1.0, 1.0], (1, 8, 1))  # closes here, then lifts
    reach = np.tile([1.0, 0.0, 0.0, -1.0], (1, 8, 1))  # on towards the block, open
    imaginer = ScriptedImaginer(
        [(np.concatenate([early, reach]), np.array([0.9, 0.1]))] * 2, step=PICK
    )
    objects = {"red_block": (0.24, 0.0, 0.02)}
    frame = np.zeros((64, 64, 3), np.uint8)
    start = np.array([0.12, 0.0, 0.02, 1.0])
    executor = WorldModelExecutor(rollouts=2, chunk=4, imaginer=imaginer)
    executor.begin(PICK)
    proposal = executor.propose(PICK, frame, start, objects=objects)
    assert proposal.info["early_grasps"] == 1 and proposal.info["kept"] == 1
    np.testing.assert_allclose(proposal.actions, np.tile([1.0, 0.0, 0.0, -1.0], (4, 1)))
    # without the rejection the higher-scored early grasp wins (its close held by the guard)
    plain = WorldModelExecutor(rollouts=2, chunk=4, imaginer=imaginer, reject_early_grasps=False)
    plain.begin(PICK)
    lifted = plain.propose(PICK, frame, start, objects=objects).actions
    assert np.all(lifted[:, 2] == 1.0) and np.all(lifted[:, 3] == -1.0)


def test_a_subtask_samples_the_same_seeds_whatever_ran_before():
    class SeedLog(ScriptedImaginer):
        def imagine(self, *args, seed=0, **kwargs):
            self.seeds.append(seed)
            return super().imagine(*args, seed=seed, **kwargs)

    calm = np.tile([0.1, 0.0, 0.0, -1.0], (1, 8, 1))
    imaginer = SeedLog([(calm, np.array([0.5]))] * 5)
    imaginer.seeds = []
    executor = WorldModelExecutor(rollouts=1, chunk=4, imaginer=imaginer, seed=7)
    frame = np.zeros((64, 64, 3), np.uint8)
    executor.begin(STEP)
    executor.propose(STEP, frame, np.zeros(4))
    executor.propose(STEP, frame, np.zeros(4))
    executor.begin(STEP)
    executor.propose(STEP, frame, np.zeros(4))
    assert imaginer.seeds == [8, 9, 8]
