"""Completion gated by the skill's effects on the perceived scene (agent/judges/effects.py)."""

import pytest

from agent.judges.effects import NOT_DONE, combined_score, effects_hold
from agent.perception import PerceivedScene, read_placements
from robot_bridge.sim.perception import perceived_placements
from skills.library import SkillCall


def scene(objects=None, drawer="closed", light="off") -> PerceivedScene:
    objects = objects or {}
    return PerceivedScene(
        objects=objects,
        drawer_open=drawer != "closed",
        drawer_state=drawer,
        light_on=light == "on",
        placement=read_placements(objects, perceived_placements(objects)),
    )


def test_the_button_is_done_only_when_the_light_changed():
    press = SkillCall(skill="press_button", args={})
    assert effects_hold(press, scene(light="off"), scene(light="on")) is True
    assert effects_hold(press, scene(light="on"), scene(light="off")) is True
    assert effects_hold(press, scene(light="off"), scene(light="off")) is False


def test_an_ajar_drawer_is_neither_open_nor_closed():
    close = SkillCall(skill="close_drawer", args={})
    opened = SkillCall(skill="open_drawer", args={})
    assert effects_hold(close, scene(drawer="open"), scene(drawer="closed")) is True
    assert effects_hold(close, scene(drawer="open"), scene(drawer="ajar")) is False
    assert effects_hold(opened, scene(), scene(drawer="ajar")) is False
    assert effects_hold(opened, scene(), scene(drawer="open")) is True
    assert scene(drawer="ajar").drawer_open  # for planning, an ajar drawer still needs closing


def test_a_block_is_placed_where_perception_sees_it_and_unknown_when_unseen():
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(image_size=16)
    sim.reset(3)
    objects = sim.observe().objects
    sim.close()
    block = next(
        b for b in ("red_block", "green_block", "blue_block", "yellow_block") if b in objects
    )
    call = SkillCall(skill="pick_place", args={"object": block, "target": "bowl"})
    before = scene(objects)
    assert effects_hold(call, before, before) is False  # still on the table
    in_bowl = {**objects, block: objects["bowl"]}
    assert effects_hold(call, before, scene(in_bowl)) is True
    hidden = {k: v for k, v in objects.items() if k != block}
    assert effects_hold(call, before, scene(hidden)) is None  # shut away or hidden: cannot tell


def test_the_judge_needs_the_effects_and_the_effects_need_the_judge():
    assert combined_score(0.9, None) == 0.9  # perception cannot tell: the judge decides
    assert combined_score(0.99, False) == NOT_DONE < 0.5  # the light never changed
    assert combined_score(0.3, True) >= 0.5  # seen done, the judge need not be sure
    assert combined_score(0.05, True) < 0.5  # but a judge that strongly objects still blocks it


def test_the_simulator_reports_a_half_shut_drawer_as_ajar():
    import mujoco

    from robot_bridge.sim import layout as L
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(image_size=16)
    sim.reset(3)
    states = {}
    for slide in (0.0, (L.DRAWER_CLOSED_AT + L.DRAWER_OPEN_AT) / 2, L.DRAWER_TRAVEL):
        sim.data.qpos[sim._qadr["drawer_slide"]] = slide
        mujoco.mj_forward(sim.model, sim.data)
        states[slide] = sim.observe().object_states["drawer"]
    sim.close()
    assert list(states.values()) == ["closed", "ajar", "open"]


def test_placements_are_read_as_perception_reports_them():
    objects = {"red_block": (0, 0, 0), "blue_block": (0, 0, 0.04), "bowl": (0.2, 0, 0)}
    reported = {"red_block": "in bowl", "blue_block": "on red_block"}
    assert read_placements(objects, reported) == {
        "red_block": ("in", "bowl"),
        "blue_block": ("on", "red_block"),
    }
    # a robot whose perception reports no placements: seen blocks lie on the table
    assert read_placements(objects, {})["red_block"] == ("on", "table")
    with pytest.raises(ValueError, match="'on table', 'on <block>' or 'in <receptacle>'"):
        read_placements(objects, {"red_block": "under bowl"})
