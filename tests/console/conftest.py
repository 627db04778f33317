"""A real fleet (two simulated robots, each its own bridge process, via `reverie fleet up`) and a
real console (`reverie console` on 127.0.0.1, a free port), started and stopped by the tests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CAMERA_HZ = 8  # small frames (64 px) at a low rate: the machine is shared


def reverie(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


class ConsoleProcess:
    """`reverie console` in a child process; `url` once it serves."""

    def __init__(self, fleet: Path, runs: Path, *extra: str) -> None:
        self.log = runs.parent / f"console-{runs.name}.log"
        runs.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cli",
                    "console",
                    "--fleet",
                    str(fleet),
                    "--port",
                    "0",
                    "--runs",
                    str(runs),
                    "--camera-hz",
                    str(CAMERA_HZ),
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            match = re.search(r"console at (\S+)", self.log.read_text())
            if match:
                self.url = match.group(1).rstrip("/")
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.close()
        raise RuntimeError(f"the console did not start: {self.log.read_text()[-2000:]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    """Two simulated robots served by `reverie fleet up`; `reverie fleet down` afterwards."""
    path = tmp_path_factory.mktemp("fleet") / "fleet.json"
    up = reverie("fleet", "up", "--robots", "2", "--fleet", str(path), "--json")
    assert up.returncode == 0, up.stderr
    data = json.loads(path.read_text())
    assert json.loads(up.stdout) == data
    yield path
    down = reverie("fleet", "down", "--fleet", str(path))
    assert down.returncode == 0, down.stderr
    for robot in data["robots"]:  # the bridge processes are gone
        assert not Path(f"/proc/{robot['pid']}/cmdline").exists() or _zombie(robot["pid"])


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="session")
def console_process(fleet, tmp_path_factory):
    console = ConsoleProcess(fleet, tmp_path_factory.mktemp("console") / "runs")
    yield console
    console.close()


@pytest.fixture
def console(console_process, fleet):
    """The console's URL, with every robot's e-stop cleared and its queue empty."""
    with httpx.Client(base_url=console_process.url, timeout=10) as http:
        for robot in http.get("/api/robots").json():
            if robot["operator"]:
                http.delete(
                    f"/api/robots/{robot['id']}/control",
                    headers={"X-Reverie-Operator": robot["operator"]},
                )
            for chore in robot["queue"]:
                http.delete(f"/api/robots/{robot['id']}/chores/{chore['id']}")
            if robot["estopped"]:
                http.post(f"/api/robots/{robot['id']}/clear-stop", json={"confirm": True})
    return console_process.url


def wait_for(predicate, timeout: float, what: str, period: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(period)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def robot_addresses(fleet: Path) -> dict[str, str]:
    return {r["id"]: r["address"] for r in json.loads(fleet.read_text())["robots"]}
