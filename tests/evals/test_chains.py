"""Long-horizon chains: generation, suites, CALVIN's metrics, a short real run, its report, resume."""

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import evals.chains_eval as chains_eval
from agent.perception import PerceivedScene
from agent.planners.local import LocalPlanner
from evals.chain_metrics import (
    average_length,
    bootstrap_ci,
    chain_metrics,
    failure_breakdown,
    success_at_length,
)
from evals.chains import ChainSuite, generate_chains, load_chain_suite
from evals.chains_eval import eval_chains
from evals.report import render_report, write_report
from robot_bridge.sim.tabletop import TabletopSim
from skills.library import SkillCall
from skills.symbolic import SymbolicState, apply_effects, unmet_preconditions

SHIPPED = Path(__file__).resolve().parents[2] / "evals" / "configs" / "chains.json"
SCRIPTED = {
    "executor": "scripted",
    "rollouts": 1,
    "max_replans": 0,
    "planner": "local",
    "judge": "local",
    "position_noise": 0.003,
}


# ----------------------------------------------------------------------------- suites
def test_generated_chains_are_reproducible_in_their_seed():
    first, again, other = generate_chains(6, 3), generate_chains(6, 3), generate_chains(6, 4)
    assert first.chains == again.chains
    assert first.chains != other.chains
    assert all(len(chain.chores) == 5 for chain in first.chains)


def test_each_generated_chore_is_feasible_where_the_previous_ones_leave_the_scene():
    """Replayed here with the planner and the symbolic effects, independently of the generator:
    every planned step's preconditions hold, and each chore leaves what it expects."""
    suite = generate_chains(12, 11)
    sim, planner = TabletopSim(), LocalPlanner()
    skills = set()
    for chain in suite.chains:
        sim.reset(chain.seed)
        scene = sim.scene()
        positions = {o.id: o.position for o in scene.objects}
        state = SymbolicState.from_scene(scene)
        for chore in chain.chores:
            # as the robot perceives it: nothing inside a shut drawer (or on a block in it)
            seen = {b: p for b, p in state.placement.items() if not _in_shut_drawer(b, state)}
            perceived = PerceivedScene(
                objects={
                    k: v for k, v in positions.items() if k in seen or k not in state.placement
                },
                drawer_open=state.drawer_open,
                drawer_state="open" if state.drawer_open else "closed",
                light_on=state.light_on,
                placement=seen,
            )
            steps = planner.plan(chore.chore, perceived).steps
            assert steps, chore.chore
            for step in steps:
                call = SkillCall(skill=step.skill, args=step.args)
                assert unmet_preconditions(call, state) == [], (chain.seed, chore.chore)
                state = apply_effects(call, state)
                skills.add(step.skill)
            final = {
                "relations": [[r, b, o] for b, (r, o) in state.placement.items()],
                "drawer_open": state.drawer_open,
                "light_on": state.light_on,
            }
            assert chore.expect.unmet(final) == [], (chain.seed, chore.chore)
    assert skills == {"pick_place", "stack", "open_drawer", "close_drawer", "press_button"}


def _in_shut_drawer(block: str, state: SymbolicState) -> bool:
    rel, other = state.placement[block]
    if rel == "in":
        return other == "drawer" and not state.drawer_open
    return other != "table" and _in_shut_drawer(other, state)


def test_the_shipped_suite_has_100_chains_made_by_the_generator():
    suite = load_chain_suite(SHIPPED)
    assert suite.name == "household-chains" and len(suite.chains) >= 100
    assert suite.chains == generate_chains(100, 0).chains  # --generate 100 --seed 0


@pytest.mark.parametrize(
    "suite, message",
    [
        ({"name": "x", "chains": [{"seed": 0, "chores": [{"chore": "a"}]}]}, "exactly 5 chores"),
        ({"name": "x", "chains": []}, "chains: List should have at least 1 item"),
        (
            {"name": "x", "chains": [{"seed": -1, "chores": [{"chore": "a"}] * 5}]},
            "chains.0.seed: Input should be greater than or equal to 0",
        ),
        (
            {
                "name": "x",
                "chains": [{"seed": 0, "chores": [{"chore": "a", "expect": {"lights": 1}}] * 5}],
            },
            "expect.lights: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_chain_suites_are_refused_with_what_is_valid(tmp_path, suite, message):
    path = tmp_path / "chains.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(ValueError, match="not a valid chain suite") as err:
        load_chain_suite(path)
    assert message in str(err.value) and '"chains": [{"seed": 0' in str(err.value)
    with pytest.raises(FileNotFoundError, match="no such chain suite file"):
        load_chain_suite(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- metrics
def test_calvin_metrics_on_hand_made_outcomes():
    lengths = [5, 5, 3, 0, 2, 5, 1, 4, 5, 5]
    assert success_at_length(lengths) == pytest.approx([0.9, 0.8, 0.7, 0.6, 0.5])
    # CALVIN's average length: mean chores completed, the sum of the five success rates
    assert (
        average_length(lengths) == pytest.approx(3.5) == pytest.approx(0.9 + 0.8 + 0.7 + 0.6 + 0.5)
    )
    metrics = chain_metrics(lengths)
    assert metrics["chains"] == 10 and metrics["average_length"] == 3.5
    for value, (lo, hi) in zip(
        metrics["success_at_length"], metrics["success_at_length_ci"], strict=True
    ):
        assert lo <= value <= hi and lo < hi  # ten mixed outcomes: a real interval
        assert 0.0 <= lo and hi <= 1.0
    lo, hi = metrics["average_length_ci"]
    assert lo < 3.5 < hi and 0 <= lo and hi <= 5
    assert chain_metrics(lengths) == metrics  # intervals are seeded
    assert chain_metrics([5, 5, 5])["success_at_length_ci"] == [[1.0, 1.0]] * 5
    # more chains, narrower interval
    wide, narrow = bootstrap_ci([1, 0] * 5), bootstrap_ci([1, 0] * 200)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert bootstrap_ci([0.0, 1.0], statistic=np.max) == (0.0, 1.0)


def _chain(index, completed, steps_of_last=None, refused=False):
    chores = [
        {
            "chore": f"c{k}",
            "success": True,
            "claimed": True,
            "steps": [{"skill": "press_button", "args": {}, "claimed": True, "truth": True}],
        }
        for k in range(completed)
    ]
    if refused:
        chores.append({"chore": "x", "refused": "no"})
    elif steps_of_last is not None:
        chores.append({"chore": "x", "success": False, "claimed": True, "steps": steps_of_last})
    return {"index": index, "seed": 0, "completed": completed, "chores": chores, "seconds": 1.0}


def test_the_failure_breakdown_names_the_subtask_and_the_judges_mistakes():
    chains = [
        _chain(0, 5),
        # the judge said done, the simulator disagrees: a false positive that ends the chain
        _chain(1, 2, [{"skill": "stack", "args": {}, "claimed": True, "truth": False}]),
        # the judge said not done, yet it was: a false negative
        _chain(2, 0, [{"skill": "open_drawer", "args": {}, "claimed": False, "truth": True}]),
        _chain(3, 3, refused=True),
    ]
    out = failure_breakdown(chains)
    assert out["failed_at_chore"] == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 0}
    assert out["failed_subtask_skill"] == {"stack": 1, "unmet expectation": 1}
    assert out["refused"] == 1
    assert out["judge"]["false_positives"] == 1 and out["judge"]["false_negatives"] == 1
    assert out["judge"]["subtasks"] == 5 + 3 + 1 + 3
    assert out["judge"]["chore_false_positives"] == 2  # claimed done, expectation unmet


# ----------------------------------------------------------------------------- a real run
def _timed_steps(tmp_path, events, results):
    """`_steps` on a hand-made run: events as (seconds after the first chunk, event, fields)."""
    lines = [
        json.dumps({"event": name, "timestamp": f"2026-01-01T00:00:{t:06.3f}Z", **fields})
        for t, name, fields in [(0.0, "plan", {}), (1.0, "chunk", {"subtask": 0}), *events]
    ]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    subtasks = [
        {"skill": "s", "args": {}, "instruction": i, "success_claimed": c, "attempts": 1}
        for i, c in results
    ]
    summary = {"run_dir": str(tmp_path), "subtasks": subtasks}
    return [(s["instruction"], s["claimed"], s["seconds"]) for s in chains_eval._steps(summary)]


def test_subtask_seconds_after_a_replan_go_to_the_subtasks_they_timed(tmp_path):
    """As the agent logs them: one result per verdict, a failed one at its replan."""
    opened, put, shut = "open the drawer", "put the blue block in the drawer", "close the drawer"
    events = [
        (3.0, "subtask_done", {"instruction": opened}),
        (6.0, "replan", {"failed": put, "new_plan": [put, shut]}),
        (10.0, "subtask_done", {"instruction": put}),
        (11.5, "subtask_done", {"instruction": shut}),
    ]
    results = [(opened, True), (put, False), (put, True), (shut, True)]
    assert _timed_steps(tmp_path, events, results) == [
        (opened, True, 2.0),
        (put, False, 3.0),  # the failed attempt: up to its replan
        (put, True, 4.0),
        (shut, True, 1.5),
    ]
    # a replan, then a give-up on the same subtask: one result, the give-up's time left over
    events = [
        (3.0, "subtask_done", {"instruction": opened}),
        (6.0, "replan", {"failed": put, "new_plan": [put]}),
        (9.0, "gave_up", {"failure": f"gave up on '{put}' after 2 attempts and 1 replans"}),
    ]
    results = [(opened, True), (put, False)]
    assert _timed_steps(tmp_path, events, results) == [(opened, True, 2.0), (put, False, 3.0)]


def test_a_log_that_does_not_line_up_gives_no_time_rather_than_another_subtasks(tmp_path):
    """A verdict logged twice (say, a node run again on resume) must not shift every later
    subtask's time onto its neighbour."""
    opened, put, shut = "open the drawer", "put the blue block in the drawer", "close the drawer"
    events = [
        (3.0, "subtask_done", {"instruction": opened}),
        (3.5, "subtask_done", {"instruction": opened}),
        (6.0, "replan", {"failed": put, "new_plan": [put, shut]}),
        (10.0, "subtask_done", {"instruction": put}),
        (11.0, "subtask_done", {"instruction": shut}),
    ]
    results = [(opened, True), (put, False), (put, True), (shut, True)]
    assert _timed_steps(tmp_path, events, results) == [
        (opened, True, 2.0),
        (put, False, None),
        (put, True, None),
        (shut, True, None),
    ]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag not in ("br", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def test_a_scripted_run_of_two_chains_resumes_after_an_interruption_and_reports(
    tmp_path, monkeypatch
):
    suite = ChainSuite(name="two", chains=load_chain_suite(SHIPPED).chains[:2])
    out, runs = tmp_path / "two.scripted.json", tmp_path / "runs"
    real_run_chore, calls = chains_eval.run_chore, []

    def interrupted(entry, seed, settings, runs, on=None):
        calls.append(seed)
        if seed == suite.chains[1].seed and calls.count(seed) == 2:
            raise KeyboardInterrupt  # mid-chain: the second chore of the second chain
        return real_run_chore(entry, seed, settings, runs, on=on)

    monkeypatch.setattr(chains_eval, "run_chore", interrupted)
    with pytest.raises(KeyboardInterrupt):
        eval_chains(suite, SCRIPTED, out, runs)
    saved = json.loads(out.read_text())
    assert [c["index"] for c in saved["chains"]] == [0]  # the cut chain is not half-saved
    monkeypatch.setattr(chains_eval, "run_chore", real_run_chore)

    seen = []
    report = eval_chains(suite, SCRIPTED, out, runs, on_chain=seen.append)
    assert [row["index"] for row in seen] == [1]  # the finished chain is not run again
    assert report["chains"][0] == saved["chains"][0]
    assert json.loads(out.read_text()) == report
    assert report["chains"][0]["completed"] == 5  # the experts do the first chain
    completed = [c["completed"] for c in report["chains"]]
    overall = report["overall"]
    assert overall["average_length"] == pytest.approx(np.mean(completed))
    assert overall["success_at_length"] == success_at_length(completed)
    for chain in report["chains"]:
        chores = chain["chores"]
        assert all(c["success"] for c in chores[: chain["completed"]])
        assert len(chores) == 5 or not chores[-1].get("success", False)  # stops at a failure
        for chore in chores:
            assert chore["steps"] and all(s["truth"] is not None for s in chore["steps"])
            assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in chore["steps"])
    # no reset within a chain: one scene seed and the run ids it went through, in order
    first = report["chains"][0]["chores"]
    settings = [json.loads((runs / c["run_id"] / "run.json").read_text()) for c in first]
    assert [s["after_runs"] for s in settings] == [
        [c["run_id"] for c in first[:k]] for k in range(5)
    ]
    with pytest.raises(ValueError, match="pass another --out"):
        eval_chains(suite, {**SCRIPTED, "max_replans": 1}, out, runs)

    html_path = write_report([report, report], tmp_path / "two.html")
    text = html_path.read_text()
    page = _Page()
    page.feed(text)
    page.close()
    assert page.open == []
    pngs = [s for s in page.images if s.startswith("data:image/png;base64,")]
    gifs = [s for s in page.images if s.startswith("data:image/gif;base64,")]
    assert len(pngs) == 4  # by chain length, by skill, by composition, time per subtask
    assert all(base64.b64decode(s.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for s in pngs)
    assert len(gifs) == 2 * 2  # an episode per chain, in each of the two columns
    assert all(base64.b64decode(s.split(",", 1)[1])[:6] == b"GIF89a" for s in gifs)
    assert "http://" not in text and "https://" not in text and "<svg" not in text
    assert "judge: claimed done · simulator:" in text and "average length (of 5)" in text


def test_reports_of_different_suites_are_not_put_side_by_side():
    def report(digest):
        return {"suite": "s", "settings": {"suite_digest": digest}, "chains": [], "overall": {}}

    with pytest.raises(ValueError, match="compare only on the same chains"):
        render_report([report("a"), report("b")])
    with pytest.raises(ValueError, match="at least one"):
        render_report([])
