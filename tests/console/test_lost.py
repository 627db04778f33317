"""A robot that disappears is shown as lost, and its queued chore waits for it."""

from __future__ import annotations

import httpx

from tests.console.conftest import ConsoleProcess, reverie, wait_for


def test_a_robot_that_disappears_is_shown_lost_and_its_chores_wait(tmp_path):
    fleet = tmp_path / "fleet.json"
    up = reverie("fleet", "up", "--robots", "1", "--seed", "5", "--fleet", str(fleet))
    assert up.returncode == 0, up.stderr
    console = ConsoleProcess(fleet, tmp_path / "runs")
    try:
        robot = console.url + "/api/robots/robot-1"
        wait_for(lambda: httpx.get(robot).json()["frame_seq"] > 0, 30, "a first frame")
        assert httpx.get(robot).json()["status"] == "idle"
        down = reverie("fleet", "down", "--fleet", str(fleet))
        assert down.returncode == 0 and "robot-1" in down.stdout, down.stderr
        wait_for(lambda: httpx.get(robot).json()["status"] == "lost", 30, "the robot marked lost")
        queued = httpx.post(robot + "/chores", json={"chore": "press the button"})
        assert queued.status_code == 202
        state = httpx.get(robot).json()
        assert state["status"] == "lost" and state["chore"] is None
        assert [c["chore"] for c in state["queue"]] == ["press the button"]
        assert httpx.post(console.url + "/api/stop-all").json()["failed"].keys() == {"robot-1"}
    finally:
        console.close()
        reverie("fleet", "down", "--fleet", str(fleet))
