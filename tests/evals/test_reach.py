"""`run_episode(..., reach)`: how near the hand came to what the skill acts on."""

import numpy as np
import pytest

from evals.skills_eval import RandomExecutor, ScriptedExecutor, reach_target, run_episode, task_for


@pytest.mark.parametrize("kind", ["pick_place", "open_drawer", "press_button"])
def test_the_expert_reaches_its_target_and_random_actions_do_not(sim, kind):
    call = task_for(sim, kind, 3)
    start = float(np.linalg.norm(sim.ee_pos() - reach_target(sim, call)))
    expert, flailing = [], []
    assert run_episode(sim, ScriptedExecutor(), call, expert)
    task_for(sim, kind, 3)
    run_episode(sim, RandomExecutor(3, steps=10), call, flailing)
    assert expert[0] < 0.01 < start
    assert 0.03 < flailing[0] <= start


class Idle:
    name = "idle"

    def actions(self, sim, call):
        yield from np.zeros((5, 4))


def test_a_hand_that_never_moves_reports_its_starting_distance(sim):
    call = task_for(sim, "stack", 5)
    start = float(np.linalg.norm(sim.ee_pos() - reach_target(sim, call)))
    reach = []
    assert not run_episode(sim, Idle(), call, reach)
    assert reach == [pytest.approx(start, abs=0.005)]
