"""The console's token, Host and Origin checks, bind policy and fleet-file errors."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from console.robots import Chore, RobotAgent
from tests.console.conftest import ConsoleProcess, reverie

TOKEN = "s3cret-operator-token"


@pytest.fixture(scope="module")
def guarded(fleet, tmp_path_factory):
    folder = tmp_path_factory.mktemp("guarded")
    (folder / "token").write_text(TOKEN + "\n")
    console = ConsoleProcess(fleet, folder / "runs", "--token-file", str(folder / "token"))
    yield console.url
    console.close()


def test_every_endpoint_refuses_a_missing_or_wrong_token(guarded):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        for method, path in (
            ("GET", "/"),
            ("GET", "/static/app.js"),
            ("GET", "/openapi.json"),
            ("GET", "/api/robots"),
            ("POST", "/api/stop-all"),
            ("POST", "/api/robots/robot-1/chores"),
        ):
            reply = httpx.request(method, guarded + path, headers=headers, json={"chore": "a"})
            assert reply.status_code == 401, (method, path, headers)
            assert "operator token" in reply.json()["detail"]
    assert httpx.get(guarded + "/?token=wrong").status_code == 401
    ws = guarded.replace("http", "ws") + "/ws"
    for url in (ws, ws + "?token=wrong"):
        with pytest.raises(InvalidStatus):
            connect(url, open_timeout=10).close()


def test_the_right_token_opens_the_api_the_page_and_the_socket(guarded):
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert [r["id"] for r in httpx.get(guarded + "/api/robots", headers=bearer).json()] == [
        "robot-1",
        "robot-2",
    ]
    with httpx.Client(base_url=guarded) as browser:  # the page sets a cookie for what follows
        assert browser.get(f"/?token={TOKEN}").status_code == 200
        assert "httponly" in browser.get(f"/?token={TOKEN}").headers["set-cookie"].lower()
        assert browser.get("/static/app.js").status_code == 200
        assert browser.get("/api/robots").status_code == 200
    with connect(guarded.replace("http", "ws") + f"/ws?token={TOKEN}", open_timeout=10) as ws:
        import json

        assert json.loads(ws.recv(timeout=10))["type"] == "state"


@pytest.mark.parametrize(
    "extra, words",
    [
        ([], "without TLS (--tls-cert/--tls-key) and a token"),
        (["--token-file", "TOKEN"], "without TLS (--tls-cert/--tls-key)"),
    ],
)
def test_a_non_loopback_bind_needs_tls_and_a_token(tmp_path, extra, words):
    (tmp_path / "token").write_text(TOKEN)
    extra = [str(tmp_path / "token") if a == "TOKEN" else a for a in extra]
    result = reverie("console", "--host", "0.0.0.0", "--fleet", str(tmp_path / "f.json"), *extra)
    assert result.returncode == 2 and words in result.stderr, result.stderr


def test_missing_and_malformed_fleet_files_get_clear_errors(tmp_path):
    missing = reverie("console", "--fleet", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "reverie fleet up --robots" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = tmp_path / "bad.json"
    for text, words in (
        ("{not json", "not valid"),
        ('{"robots": []}', "robots: List should have at least 1 item"),
        ('{"robots": [{"id": "a b", "address": "x"}]}', "robots.0.id"),
        ('{"robots": [{"id": "a", "address": "h:1"}, {"id": "a", "address": "h:2"}]}', "unique"),
    ):
        bad.write_text(text)
        result = reverie("console", "--fleet", str(bad))
        assert result.returncode == 2 and words in result.stderr, (text, result.stderr)
        down = reverie("fleet", "down", "--fleet", str(bad))
        assert down.returncode == 2 and words in down.stderr
    gone = reverie("fleet", "down", "--fleet", str(tmp_path / "none.json"))
    assert gone.returncode == 2 and "no fleet file" in gone.stderr


def test_a_wrong_host_or_a_cross_origin_command_or_socket_is_refused(console):
    port = console.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "127.0.0.1:1", "127.0.0.1"):  # DNS rebinding, other ports
        reply = httpx.get(console + "/api/robots", headers={"Host": host})
        assert reply.status_code == 403, host
        assert "wrong Host header" in reply.json()["detail"]
        assert f"localhost:{port}" in reply.json()["detail"]
    evil = {"Origin": "http://evil.example"}
    for path in ("/api/stop-all", "/api/robots/robot-1/pause", "/api/robots/robot-1/resume"):
        reply = httpx.post(console + path, headers=evil)  # a cross-site form POST
        assert reply.status_code == 403, path
        assert "cross-origin request refused" in reply.json()["detail"]
    assert not any(r["estopped"] for r in httpx.get(console + "/api/robots").json())
    assert httpx.get(console + "/api/robots", headers=evil).status_code == 200  # reads: CORS
    ws = console.replace("http", "ws") + "/ws"
    for origin in ("http://evil.example", "null", f"http://localhost:{port}"):
        with pytest.raises(InvalidStatus):
            connect(ws, origin=origin, open_timeout=10).close()
    # the page's own requests: same origin, or none sent (scripts)
    same = {"Origin": console}
    assert httpx.post(console + "/api/robots/robot-1/pause", headers=same).status_code == 409
    local = {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
    assert httpx.post(console + "/api/robots/robot-1/pause", headers=local).status_code == 409
    with connect(ws, origin=console, open_timeout=10) as socket:
        import json

        assert json.loads(socket.recv(timeout=10))["type"] == "state"


def test_saving_keeps_a_queued_chore_resuming_but_not_the_current_one(tmp_path):
    agent = RobotAgent.__new__(RobotAgent)  # only what _save reads
    agent.runs, agent.past_runs, agent.history, agent.current = tmp_path, ["r1"], [], None
    agent.interrupted = Chore("a", "open the drawer", 1.0, run_id="r0", resume=True)
    agent.queue = [
        Chore("b", "press the button", 2.0, run_id="r1", resume=True),
        Chore("c", "x", 3),
    ]
    agent._save()
    import json

    saved = json.loads((tmp_path / "console.json").read_text())
    assert [c["resume"] for c in saved["queue"]] == [True, False]
    assert saved["current"]["resume"] is False and saved["current"]["run_id"] == "r0"
