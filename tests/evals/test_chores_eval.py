"""`reverie eval chores`: suites of chores through the whole agent, scored by the simulator."""

import json
from pathlib import Path

import pytest

from evals.chores_eval import ChoreSuite, Expectation, eval_chores, load_suite

SHIPPED_SUITE = Path(__file__).resolve().parents[2] / "evals" / "configs" / "chores.json"
SCRIPTED = {
    "executor": "scripted",
    "rollouts": 1,
    "max_replans": 0,
    "planner": "local",
    "judge": "local",
}


def write(path: Path, suite: dict) -> Path:
    path.write_text(json.dumps(suite))
    return path


def test_the_shipped_suite_is_valid():
    suite = load_suite(SHIPPED_SUITE)
    assert len(suite.runs()) == 15


@pytest.mark.parametrize(
    "suite, message",
    [
        ({"chores": [{"chore": "press the button"}]}, "name: Field required"),
        ({"name": "x", "chores": []}, "chores: List should have at least 1 item"),
        ({"name": "x", "chores": [{"chore": "press it", "seeds": [-1]}]}, "seeds must be >= 0"),
        (
            {
                "name": "x",
                "chores": [{"chore": "a", "expect": {"relations": [["in", "red", "bin"]]}}],
            },
            "unknown block 'red'; valid blocks: red_block",
        ),
        (
            {"name": "x", "chores": [{"chore": "a", "expect": {"lights": True}}]},
            "expect.lights: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_suites_are_refused_with_what_is_valid(tmp_path, suite, message):
    with pytest.raises(ValueError, match="not a valid chore suite") as err:
        load_suite(write(tmp_path / "suite.json", suite))
    assert message in str(err.value) and "suite.json" in str(err.value)


def test_a_missing_suite_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json: no such suite file"):
        load_suite(tmp_path / "nope.json")
    with pytest.raises(ValueError, match="cannot read it as a suite file"):
        load_suite(tmp_path)


def test_a_report_that_is_not_one_is_left_alone(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    suite = ChoreSuite.model_validate({"name": "x", "chores": [{"chore": "press the button"}]})
    with pytest.raises(ValueError, match="not a chore-eval report.*pass another --out"):
        eval_chores(suite, SCRIPTED, notes, tmp_path / "runs")
    assert notes.read_text() == "my notes"


def test_expectations_list_what_the_final_scene_lacks():
    scene = {"relations": [["in", "red_block", "bowl"]], "drawer_open": True, "light_on": False}
    expect = Expectation(relations=[("in", "red_block", "bowl"), ("on", "blue_block", "red_block")])
    assert expect.unmet(scene) == ["on blue_block red_block"]
    assert Expectation(drawer_open=False, light_on=False).unmet(scene) == ["drawer_open false"]
    assert Expectation().unmet(scene) == []


def test_a_suite_runs_scores_refuses_and_carries_on(tmp_path):
    suite = ChoreSuite.model_validate(
        {
            "name": "tiny",
            "chores": [
                # seed 1 has no red block: a refusal, not a failure
                {"chore": "put the red block in the bowl", "seeds": [0, 1]},
                # the evaluator expected the bin: the plan succeeds, the suite's check does not
                {
                    "chore": "put the red block in the bowl",
                    "seeds": [2],
                    "expect": {"relations": [["in", "red_block", "bin"]]},
                },
            ],
        }
    )
    out, seen = tmp_path / "report.json", []
    report = eval_chores(suite, SCRIPTED, out, tmp_path / "runs", on_run=seen.append)
    first, refused, misread = report["runs"]
    assert first["success"] and first["plan_success"] and first["claimed"]
    assert first["plan"] == ["pick_place(red_block, bowl)"]
    assert refused == {
        "chore": "put the red block in the bowl",
        "seed": 1,
        "refused": refused["refused"],
    }
    assert "no red block" in refused["refused"]
    assert misread["plan_success"] and not misread["success"]
    assert misread["unmet"] == ["in red_block bin"]
    assert report["overall"]["runs"] == 3 and report["overall"]["refused"] == 1
    assert report["overall"]["success_rate"] == 0.5
    assert json.loads(out.read_text()) == report and len(seen) == 3

    again = []
    assert eval_chores(suite, SCRIPTED, out, tmp_path / "runs", on_run=again.append) == report
    assert again == []  # every run was in the report already
    with pytest.raises(ValueError, match="pass another --out"):
        eval_chores(suite, {**SCRIPTED, "rollouts": 4}, out, tmp_path / "runs")
