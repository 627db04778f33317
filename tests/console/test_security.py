"""The console's token, bind policy and fleet-file errors."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

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
