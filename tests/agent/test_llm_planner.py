"""The LLM planner against a local OpenAI-compatible stand-in with recorded answers."""

import json
from pathlib import Path

import pytest

from agent.perception import PerceivedScene
from agent.planners.base import PlanningError
from agent.planners.llm import LLMPlanner, LLMSettings
from agent.planners.local import LocalPlanner
from tests.agent.openai_standin import OpenAIStandIn

RECORDINGS = json.loads((Path(__file__).parent / "recordings" / "llm_planner.json").read_text())


@pytest.fixture
def standin():
    server = OpenAIStandIn(RECORDINGS)
    yield server
    server.close()


@pytest.fixture
def scene(sim):
    for seed in range(200):
        obs = sim.reset(seed)
        s = sim.scene()
        if len(s.blocks()) == 4 and not s.drawer_open:
            return PerceivedScene.from_observation(obs)
    raise AssertionError


def planner(standin, **kw):
    return LLMPlanner(LLMSettings(base_url=standin.base_url, model="recorded", timeout_s=5), **kw)


def test_valid_plan_is_accepted(standin, scene):
    plan = planner(standin).plan("put the red block in the drawer and leave it closed", scene)
    assert [s.skill for s in plan.steps] == ["open_drawer", "pick_place", "close_drawer"]
    assert plan.steps[1].instruction == "put the red block in the drawer"
    sent = standin.requests[0]
    assert sent["model"] == "recorded" and "red_block" in sent["messages"][1]["content"]
    assert "the drawer is closed" in sent["messages"][1]["content"]


def test_invalid_answers_are_re_asked_with_the_error(standin, scene):
    plan = planner(standin).plan("stack the blue block on the green block", scene)
    assert [(s.skill, s.args) for s in plan.steps] == [
        ("stack", {"object": "blue_block", "base": "green_block"})
    ]
    assert len(standin.requests) == 3
    feedback = standin.requests[2]["messages"][-1]["content"]
    assert "invalid" in feedback and "blue_cube" in feedback


def test_precondition_violations_are_re_asked_then_refused(standin, scene):
    with pytest.raises(PlanningError, match="no valid plan in 3 tries.*the drawer must be open"):
        planner(standin).plan("put the red block in the drawer please", scene)


def test_refusal_and_garbage(standin, scene):
    with pytest.raises(PlanningError, match="purple cup") as info:
        planner(standin).plan("put the purple cup in the bowl", scene)
    assert "in this scene:" in str(info.value)
    with pytest.raises(PlanningError, match="not the JSON schema"):
        planner(standin).plan("juggle", scene)


def test_endpoint_down_is_a_clear_error_or_falls_back(scene):
    settings = LLMSettings(base_url="http://127.0.0.1:9/v1", model="x", timeout_s=2)
    with pytest.raises(PlanningError, match="could not reach http://127.0.0.1:9/v1"):
        LLMPlanner(settings).plan("put the red block in the bowl", scene)
    plan = LLMPlanner(settings, fallback=LocalPlanner()).plan(
        "put the red block in the bowl", scene
    )
    assert [s.skill for s in plan.steps] == ["pick_place"]
