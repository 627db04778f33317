"""The chore graph end to end: embedded MuJoCo robot behind the real gRPC bridge, scripted
executor, a VLM judge served by a local OpenAI-compatible stand-in (recorded verdicts), SQLite
checkpoints, a killed process resumed, a robot lost mid-chore."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import agent.run as run_module
from agent.run import RobotLostError, do_chore, resume_chore
from tests.agent.openai_standin import OpenAIStandIn

DONE = '{"done": true, "confidence": 0.95, "reason": "looks done"}'
NOT_DONE = '{"done": false, "confidence": 0.9, "reason": "not yet"}'
CHORE = "put the red block in the drawer and leave it closed"  # seed 0: three subtasks


@pytest.fixture
def judge_server(monkeypatch):
    answers = {
        "open the drawer": [DONE],
        "put the red block in the drawer": [DONE],
        "close the drawer": [DONE],
        "put the green block in the bowl": [NOT_DONE, DONE],
        "press the button": [NOT_DONE],
    }
    server = OpenAIStandIn(answers)
    monkeypatch.setenv("REVERIE_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("REVERIE_LLM_MODEL", "recorded-vlm")
    yield server
    server.close()


def test_three_subtask_chore_end_to_end(tmp_path, judge_server):
    summary = do_chore(CHORE, executor="scripted", seed=0, judge="vlm", runs=tmp_path)
    assert [s["skill"] for s in summary["plan"]] == ["open_drawer", "pick_place", "close_drawer"]
    assert summary["success_claimed"] and summary["replans"] == 0
    assert [s["attempts"] for s in summary["subtasks"]] == [1, 1, 1]
    assert summary["ground_truth"] == {"success": True, "per_subtask": [True, True, True]}
    assert ["in", "red_block", "drawer"] in summary["final_scene"]["relations"]
    assert not summary["final_scene"]["drawer_open"]
    run_dir = Path(summary["run_dir"])
    assert (run_dir / "video.mp4").stat().st_size > 1000
    events = [
        json.loads(line)["event"] for line in (run_dir / "events.jsonl").read_text().splitlines()
    ]
    assert events.count("subtask_done") == 3 and "chunk" in events and "judged" in events
    assert json.loads((run_dir / "summary.json").read_text())["run_id"] == summary["run_id"]
    # the judge saw camera frames only: each request carried images
    parts = judge_server.requests[0]["messages"][0]["content"]
    assert any(p["type"] == "image_url" for p in parts)


def test_judge_says_not_done_then_retry(tmp_path, judge_server):
    summary = do_chore(
        "put the green block in the bowl", executor="scripted", seed=0, judge="vlm", runs=tmp_path
    )
    assert summary["success_claimed"] and summary["subtasks"][0]["attempts"] == 2


def test_replan_then_give_up_reports_judge_and_ground_truth(tmp_path, judge_server):
    summary = do_chore("press the button", executor="scripted", seed=0, judge="vlm", runs=tmp_path)
    assert not summary["success_claimed"] and summary["status"] == "failed"
    assert summary["replans"] == 1 and "gave up" in summary["failure"]
    assert all(not s["success_claimed"] for s in summary["subtasks"])
    # the judge's claims and the simulator's truth sit side by side in the report
    assert len(summary["ground_truth"]["per_subtask"]) == len(summary["subtasks"])


@pytest.fixture
def embedded_servers(monkeypatch):
    """The embedded robots' bridge servers, in start order, so a test can pull the plug."""
    servers = []
    real_start = run_module._start_embedded

    def start_and_remember(*args):
        robot, server, address = real_start(*args)
        servers.append(server)
        return robot, server, address

    monkeypatch.setattr(run_module, "_start_embedded", start_and_remember)
    return servers


def test_robot_lost_mid_chore_then_resumed(tmp_path, judge_server, embedded_servers):

    def pull_the_plug(message):
        if message.startswith("[2/3]"):  # the robot vanishes during the second subtask
            embedded_servers[0].stop()

    with pytest.raises(RobotLostError, match=r"reverie resume (\S+)") as info:
        do_chore(
            CHORE, executor="scripted", seed=0, judge="vlm", runs=tmp_path, progress=pull_the_plug
        )
    run_id = str(info.value).rsplit(" ", 1)[-1]
    summary = resume_chore(run_id, runs=tmp_path)
    assert summary["success_claimed"] and summary["ground_truth"]["success"]
    assert [s["instruction"] for s in summary["subtasks"]] == [
        "open the drawer",
        "put the red block in the drawer",
        "close the drawer",
    ]


def test_resumed_embedded_robot_keeps_the_skill_start_for_ground_truth(
    tmp_path, monkeypatch, embedded_servers
):
    """press_button succeeds when the light differs from the subtask's start: after a resume the
    replayed simulator must mark that start again, or the report would compare with the end."""
    from agent.executors.scripted import ScriptedExecutor

    real_propose, calls = ScriptedExecutor.propose, []

    def pull_the_plug_at_the_fifth_chunk(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # mid-subtask, after its start was checkpointed
            embedded_servers[0].stop()
        return real_propose(self, *args, **kwargs)

    monkeypatch.setattr(ScriptedExecutor, "propose", pull_the_plug_at_the_fifth_chunk)
    with pytest.raises(RobotLostError, match=r"reverie resume (\S+)") as info:
        do_chore("press the button", executor="scripted", seed=0, runs=tmp_path)
    summary = resume_chore(str(info.value).rsplit(" ", 1)[-1], runs=tmp_path)
    assert summary["ground_truth"] == {"success": True, "per_subtask": [True]}


class Crash(RuntimeError):
    """The agent's process dying at a chosen point (what SIGKILL does, made deterministic)."""


def test_a_run_resumed_twice_restores_the_robot_where_it_was(
    tmp_path, judge_server, monkeypatch, embedded_servers
):
    """A crash after a chunk moved the robot but before the graph saved that step: the resumed run
    does the step again, under the same chunk id, on a new embedded robot (whose ledger is empty,
    so it moves). A second resume must replay both executions, or the restored robot is not where
    the robot was when the second crash came, and the ground truth describes another world."""
    from agent.executors.scripted import ScriptedExecutor
    from agent.rundir import RunDir

    real_save, saves, at_crash = RunDir.save_frames, [], []

    def save_then_crash(self, serial, real, imagined):
        real_save(self, serial, real, imagined)
        saves.append(serial)
        if len(saves) in (6, 12):  # frames after a chunk: it moved the robot, the step is unsaved
            at_crash.append(embedded_servers[-1].core.robot.scene())
            raise Crash("killed")

    real_propose, restored = ScriptedExecutor.propose, []

    def propose(self, *args, **kwargs):
        if len(at_crash) == 2 and not restored:  # the first proposal after the second resume
            restored.append(self.sim_robot.scene())
        return real_propose(self, *args, **kwargs)

    monkeypatch.setattr(RunDir, "save_frames", save_then_crash)
    monkeypatch.setattr(ScriptedExecutor, "propose", propose)
    with pytest.raises(Crash):
        do_chore(CHORE, executor="scripted", seed=0, judge="vlm", runs=tmp_path)
    run_id = next(tmp_path.glob("*/run.json")).parent.name
    with pytest.raises(Crash):
        resume_chore(run_id, runs=tmp_path)
    summary = resume_chore(run_id, runs=tmp_path)
    assert restored[0] == at_crash[1]
    assert summary["success_claimed"] and summary["ground_truth"]["success"]


def test_a_step_re_run_after_a_crash_keeps_the_skill_start_where_the_skill_began(
    tmp_path, monkeypatch, embedded_servers
):
    """A crash after the subtask's first chunk moved the robot, before the step was saved: the
    re-run step must not mark the skill's start again after that chunk (the report would then
    compare with a scene the skill had already changed)."""
    from agent.rundir import RunDir
    from robot_bridge.server import SimControlServicer

    real_mark, marks = SimControlServicer.MarkSkillStart, []

    def mark(self, request, context):
        marks.append(self.robot.scene())
        return real_mark(self, request, context)

    real_save, saves = RunDir.save_frames, []

    def save_then_crash(self, serial, real, imagined):
        real_save(self, serial, real, imagined)
        saves.append(serial)
        if len(saves) == 2:  # the frame after the subtask's first chunk
            raise Crash("killed")

    judge = OpenAIStandIn({"press the button": [DONE]})
    monkeypatch.setenv("REVERIE_LLM_BASE_URL", judge.base_url)
    monkeypatch.setenv("REVERIE_LLM_MODEL", "recorded-vlm")
    monkeypatch.setattr(SimControlServicer, "MarkSkillStart", mark)
    monkeypatch.setattr(RunDir, "save_frames", save_then_crash)
    try:
        with pytest.raises(Crash):
            do_chore("press the button", executor="scripted", seed=0, judge="vlm", runs=tmp_path)
        summary = resume_chore(next(tmp_path.glob("*/run.json")).parent.name, runs=tmp_path)
    finally:
        judge.close()
    assert len(marks) == 2 and marks[1] == marks[0]  # the replay's mark, at the skill's start
    assert summary["ground_truth"] == {"success": True, "per_subtask": [True]}


def test_killed_process_resumes_from_sqlite(tmp_path, judge_server):
    env = {**os.environ, "MUJOCO_GL": "egl"}
    cmd = [sys.executable, "-m", "cli", "do", CHORE, "--executor", "scripted", "--judge", "vlm"]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    runs = tmp_path / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once the first subtask is done
        events = list(runs.glob("*/events.jsonl"))
        if events and "subtask_done" in events[0].read_text():
            break
        assert proc.poll() is None, proc.communicate()[1].decode()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_id = events[0].parent.name
    assert not (runs / run_id / "summary.json").exists()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "resume", run_id, "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["success_claimed"] and summary["ground_truth"]["success"]
    assert ["in", "red_block", "drawer"] in summary["final_scene"]["relations"]


def _press_step(seed: int) -> tuple[int, bool]:
    """How many expert actions into press_button the light changes in scene `seed`, and whether
    it was on before."""
    from robot_bridge.sim.experts import expert_actions
    from robot_bridge.sim.tabletop import TabletopSim
    from skills.library import SkillCall

    sim = TabletopSim(image_size=16)
    sim.reset(seed)
    light = sim.light_on
    for n, action in enumerate(expert_actions(sim, SkillCall(skill="press_button")), start=1):
        sim.step(action)
        if sim.button_presses:
            sim.close()
            return n, light
    raise AssertionError("the expert never pressed the button")


def test_killed_after_the_press_mid_skill_the_resumed_report_compares_with_the_skill_start(
    tmp_path, monkeypatch
):
    """`reverie do` is killed (SIGKILL) mid press_button, after the light changed; `reverie
    resume` replays the embedded robot. press_button succeeds when the light differs from the
    subtask's start, so the report is right only if the replay restores the skill-start mark:
    without it the simulator compares the light with itself and reports failure."""
    judge = OpenAIStandIn({"press the button": [NOT_DONE, DONE]})
    monkeypatch.setenv("REVERIE_LLM_BASE_URL", judge.base_url)
    monkeypatch.setenv("REVERIE_LLM_MODEL", "recorded-vlm")
    press, light_at_start = _press_step(0)
    env = {**os.environ, "MUJOCO_GL": "egl"}
    cmd = [sys.executable, "-m", "cli", "do", "press the button", "--executor", "scripted"]
    proc = subprocess.Popen(
        [*cmd, "--judge", "vlm"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    runs, applied = tmp_path / "runs", 0
    deadline = time.monotonic() + 120
    while applied < press and time.monotonic() < deadline:  # kill it once the light changed
        logs = list(runs.glob("*/actions.jsonl"))
        lines = logs[0].read_text().splitlines() if logs else []
        applied = sum(len(json.loads(line).get("applied", [])) for line in lines if line)
        assert proc.poll() is None, proc.communicate()[1].decode()
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_dir = logs[0].parent
    assert applied >= press, "the chore was not killed after the press"
    assert "subtask_done" not in (run_dir / "events.jsonl").read_text()  # killed mid-skill
    assert json.loads(lines[0])["skill_start"]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli", "resume", run_dir.name, "--json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        judge.close()
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    changed = summary["final_scene"]["light_on"] != light_at_start
    assert summary["ground_truth"] == {"success": changed, "per_subtask": [changed]}
    # the judge said "done" only with the light changed: claim and truth agree
    assert summary["success_claimed"] and changed


@pytest.mark.parametrize(
    "chore, seed",
    [
        ("put the red block in the drawer and leave it closed", 0),
        ("turn on the light", 0),
        ("stack the blue block on the green block", 3),
    ],
)
def test_shipped_learned_judge_agrees_with_ground_truth(tmp_path, chore, seed):
    summary = do_chore(chore, executor="scripted", seed=seed, judge="local", runs=tmp_path)
    claimed = [s["success_claimed"] for s in summary["subtasks"]]
    assert claimed == summary["ground_truth"]["per_subtask"] == [True] * len(summary["plan"])


def test_llm_planner_drives_the_chore(tmp_path, judge_server, monkeypatch):
    plan = '{"steps": [{"skill": "press_button", "args": {}}]}'
    planner = OpenAIStandIn({"Chore: hit it": [plan]})
    monkeypatch.setenv("REVERIE_LLM_BASE_URL", planner.base_url)
    try:
        summary = do_chore(
            "hit it", executor="scripted", seed=0, judge="local", planner="llm", runs=tmp_path
        )
    finally:
        planner.close()
    assert [s["skill"] for s in summary["plan"]] == ["press_button"]
    assert json.loads((Path(summary["run_dir"]) / "run.json").read_text())["planner"] == "llm"


def test_a_heartbeat_lapse_stops_the_robot_and_the_agent_takes_control_again(
    tmp_path, judge_server, monkeypatch
):
    from robot_bridge.client import RobotClient

    monkeypatch.setattr(run_module, "EMBEDDED_HEARTBEAT_TIMEOUT_S", 0.3)
    sessions = []
    real_control = RobotClient.control

    def remember(self, *args, **kwargs):
        sessions.append(real_control(self, *args, **kwargs))
        return sessions[-1]

    monkeypatch.setattr(RobotClient, "control", remember)

    def lapse(message):
        if message.startswith("[2/3]"):
            sessions[0]._silence()  # the agent's heartbeats stop; the watchdog fires
            time.sleep(0.8)

    summary = do_chore(
        CHORE, executor="scripted", seed=0, judge="vlm", runs=tmp_path, progress=lapse
    )
    assert summary["success_claimed"] and summary["ground_truth"]["success"]
    events = (Path(summary["run_dir"]) / "events.jsonl").read_text()
    assert "control_lost_reacquiring" in events and len(sessions) == 2
