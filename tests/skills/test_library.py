import pytest

from skills.library import SKILLS, SkillCall, SkillError, validate_call
from skills.symbolic import SymbolicState, apply_effects, feasible_calls, unmet_preconditions


def test_skill_set_matches_design():
    assert set(SKILLS) == {"pick_place", "stack", "open_drawer", "close_drawer", "press_button"}
    for spec in SKILLS.values():
        assert len(spec.instructions()) >= 3


def test_unknown_skill_lists_valid_ones():
    with pytest.raises(SkillError, match="valid skills: pick_place, stack"):
        validate_call(SkillCall(skill="juggle"))


def test_unknown_object_lists_valid_ids_in_scene():
    call = SkillCall(skill="pick_place", args={"object": "purple_cup", "target": "bowl"})
    with pytest.raises(SkillError, match="valid object ids: red_block, blue_block"):
        validate_call(call, ["red_block", "blue_block", "bowl", "bin", "drawer"])


def test_absent_block_is_refused_for_this_scene():
    call = SkillCall(skill="pick_place", args={"object": "green_block", "target": "bowl"})
    validate_call(call)  # a real block id...
    with pytest.raises(SkillError, match="not valid in this scene"):
        validate_call(call, ["red_block", "bowl", "bin", "drawer"])  # ...but not in this scene


def test_wrong_arguments_and_self_stack():
    with pytest.raises(SkillError, match="takes arguments \\(object, target\\)"):
        validate_call(SkillCall(skill="pick_place", args={"object": "red_block"}))
    with pytest.raises(SkillError, match="itself"):
        validate_call(SkillCall(skill="stack", args={"object": "red_block", "base": "red_block"}))


def test_instruction_templates_and_paraphrases():
    call = SkillCall(skill="pick_place", args={"object": "red_block", "target": "drawer"})
    assert call.instruction() == "put the red block in the drawer"
    assert call.instruction(1) != call.instruction(0)
    assert "red block" in call.instruction(3)


def test_drawer_precondition_and_effects():
    state = SymbolicState(
        drawer_open=False, light_on=False, placement={"red_block": ("on", "table")}
    )
    into_drawer = SkillCall(skill="pick_place", args={"object": "red_block", "target": "drawer"})
    assert unmet_preconditions(into_drawer, state) == ["the drawer must be open"]
    opened = apply_effects(SkillCall(skill="open_drawer"), state)
    assert unmet_preconditions(into_drawer, opened) == []
    done = apply_effects(into_drawer, opened)
    assert done.placement["red_block"] == ("in", "drawer")
    closed = apply_effects(SkillCall(skill="close_drawer"), done)
    assert not closed.is_reachable("red_block")
    assert apply_effects(SkillCall(skill="press_button"), state).light_on


def test_blocked_block_cannot_be_picked():
    state = SymbolicState(
        drawer_open=True,
        light_on=False,
        placement={"red_block": ("on", "table"), "blue_block": ("on", "red_block")},
    )
    call = SkillCall(skill="pick_place", args={"object": "red_block", "target": "bowl"})
    assert unmet_preconditions(call, state) == ["something is on top of the red_block"]


def test_feasible_calls_respect_scene(sim):
    sim.reset(0)
    scene = sim.scene()
    calls = feasible_calls(scene)
    kinds = {c.skill for c in calls}
    assert "press_button" in kinds
    assert ("open_drawer" in kinds) != scene.drawer_open


def test_what_a_call_acts_on_and_where_its_block_goes():
    from skills.library import SkillCall

    pick = SkillCall(skill="pick_place", args={"object": "red_block", "target": "bowl"})
    stack = SkillCall(skill="stack", args={"object": "red_block", "base": "blue_block"})
    assert (pick.acts_on(), pick.destination()) == ("red_block", "bowl")
    assert (stack.acts_on(), stack.destination()) == ("red_block", "blue_block")
    for skill, thing in (
        ("open_drawer", "drawer"),
        ("close_drawer", "drawer"),
        ("press_button", "button"),
    ):
        assert (SkillCall(skill=skill).acts_on(), SkillCall(skill=skill).destination()) == (
            thing,
            None,
        )
