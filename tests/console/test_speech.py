"""Spoken chores in the console: a real recording (espeak-ng) heard by Reverie's own speech
recognition (faster-whisper) through the HTTP API, echoed and never queued by itself; and the
page's microphone button in a real browser whose microphone plays that recording."""

from __future__ import annotations

import shutil

import httpx
import numpy as np
import pytest

from evals.spoken_chores import synthesize
from tests.agent.voice_helpers import write_audio

playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    return synthesize("press the button", tmp_path_factory.mktemp("speech") / "chore.wav")


def test_a_spoken_chore_is_heard_echoed_and_not_queued(console, spoken, tmp_path):
    url = console + "/api/speech"
    heard = httpx.post(
        url + "?robot=robot-1",
        content=spoken.read_bytes(),
        headers={"Content-Type": "audio/wav"},
        timeout=120,
    )
    assert heard.status_code == 200, heard.text
    assert heard.json()["understood"].lower().rstrip(".") == "press the button"
    assert heard.json()["latency_s"] > 0
    assert all(not r["queue"] for r in httpx.get(console + "/api/robots").json())

    # the browser's own format: Opus in a container
    ogg = tmp_path / "chore.ogg"
    import av

    with av.open(str(spoken)) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    write_audio(pcm.astype(np.float32) / 32768.0, 22_050, ogg, 48_000, 1)
    heard = httpx.post(
        url, content=ogg.read_bytes(), headers={"Content-Type": "audio/ogg"}, timeout=120
    )
    assert heard.status_code == 200 and "button" in heard.json()["understood"], heard.text

    for body, kind, status, words in [
        (spoken.read_bytes(), "text/plain", 415, "unsupported audio type"),
        (b"", "audio/wav", 400, "empty recording"),
        (b"not audio at all" * 10, "audio/webm", 400, ""),
        (b"\0" * (5 * 1024 * 1024), "audio/wav", 413, "request body too large"),
        (_silence(tmp_path).read_bytes(), "audio/wav", 422, "nothing was queued"),
        (spoken.read_bytes(), "audio/wav", 404, "no robot 'robot-9'"),
    ]:
        target = url + ("?robot=robot-9" if status == 404 else "")
        answer = httpx.post(target, content=body, headers={"Content-Type": kind}, timeout=120)
        assert answer.status_code == status and words in answer.json()["detail"], answer.text


def _silence(tmp_path):
    path = tmp_path / "silence.wav"
    write_audio(np.zeros(16_000, np.float32), 16_000, path, 16_000, 1)
    return path


def test_the_microphone_button_fills_the_chore_box(console, spoken):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is missing: run `bash scripts/install_system_deps.sh`")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--use-fake-ui-for-media-stream",  # allow the microphone without asking
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={spoken}%noloop",
            ],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(console + "/")
            card = page.locator('[data-robot="robot-2"]')
            card.wait_for()
            card.locator("button.mic").click()
            page.wait_for_timeout(3_000)  # the recording plays into the microphone
            card.locator("button.mic").click()
            page.wait_for_function(
                "document.querySelector('[data-robot=\"robot-2\"] .chore-input').value"
                ".toLowerCase().includes('press the button')"
            )
            assert "heard" in page.locator("#message").inner_text()
            robot = httpx.get(console + "/api/robots/robot-2").json()
            assert not robot["queue"] and robot["chore"] is None  # only the operator sends it
        finally:
            browser.close()
