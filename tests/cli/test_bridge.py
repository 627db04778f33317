"""`reverie bridge serve` and `reverie bridge info`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess

from typer.testing import CliRunner

from cli.bridge import bridge_app
from robot_bridge.client import RobotClient, RobotUnavailableError
from tests.cli import REVERIE

runner = CliRunner()


def test_info_json(server):
    result = runner.invoke(bridge_app, ["info", server.address, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["robot_id"] == "sim-tabletop" and data["health"] == "SERVING"
    assert data["action_spec"]["names"] == ["dx", "dy", "dz", "gripper"]
    assert data["action_spec"]["control_hz"] == 10.0
    assert data["cameras"][0]["name"] == "head"
    assert data["action_spec"]["step_size"] == 0.03
    assert data["cameras"][0]["calibration"]["fovy_deg"] == 50.0


def test_info_human_readable(server):
    result = runner.invoke(bridge_app, ["info", server.address])
    assert result.exit_code == 0, result.output
    assert "sim-tabletop" in result.stdout and "gripper" in result.stdout
    text = " ".join(result.stdout.split())  # rich wraps long lines
    assert "step size: 0.03 m per unit action" in text
    assert "at (0, -0.6, 0.62) looking at (0, 0.05, 0), vertical field of view 50 deg" in text


def test_serve_refuses_a_bad_position_noise():
    result = runner.invoke(bridge_app, ["serve", "--sim", "--position-noise", "0.5"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--position-noise must be a standard deviation in metres" in result.output
    assert "got 0.5 (default 0.003, i.e. 3 mm)" in result.output


def test_info_without_a_robot_is_a_clear_error():
    result = runner.invoke(bridge_app, ["info", "127.0.0.1:1", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "did not answer GetInfo within 0.5 s" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_an_exposed_bind_without_tls_and_token():
    result = runner.invoke(bridge_app, ["serve", "--sim", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "refusing to bind 0.0.0.0" in result.output and "--insecure" in result.output


def test_serve_needs_sim_or_a_robot():
    result = runner.invoke(bridge_app, ["serve"])
    assert result.exit_code == 2 and "pass --sim" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_until_terminated(tmp_path):
    (tmp_path / "token").write_text("cli-token\n")
    port = _free_port()
    cmd = [*REVERIE, "bridge"]
    args = ["serve", "--sim", "--port", str(port), "--token-file", str(tmp_path / "token")]
    env = {**os.environ, "MUJOCO_GL": "egl"}
    proc = subprocess.Popen([*cmd, *args, "--image-size", "32", "--log-json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        with RobotClient(f"127.0.0.1:{port}", token="cli-token", timeout=20) as client:
            assert client.info().cameras[0].width == 32  # retried until the server is up
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
            client.timeout = 0.5
            try:
                client.observe()
                raise AssertionError("the server should be gone")
            except RobotUnavailableError:
                pass
    finally:
        if proc.poll() is None:
            proc.kill()
    out = proc.stderr.read().decode()
    assert '"event": "bridge.started"' in out and '"event": "bridge.stopped"' in out
