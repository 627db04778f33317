"""The console page in a real headless browser (Debian chromium driven by playwright): two live
cards, a typed chore done, one chore sent to both robots at once done by both, and stop all
stopping every robot (checked over the bridge)."""

from __future__ import annotations

import shutil
import time

import pytest

from robot_bridge.client import RobotClient
from tests.console.conftest import robot_addresses

playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")


@pytest.fixture
def page():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is missing: run `bash scripts/install_system_deps.sh`")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def _frames(page, robot: str) -> int:
    seq = page.get_attribute(f'[data-robot="{robot}"] img.camera', "data-seq")
    return int(seq or 0)


def test_page_shows_live_robots_does_a_typed_chore_and_stops_all(page, console, fleet):
    page.goto(console + "/")
    cards = page.locator(".card")
    cards.nth(1).wait_for()
    assert cards.count() == 2
    assert page.locator(".card .name").all_inner_texts() == ["robot-1", "robot-2"]

    # live cameras: at least 5 frames a second reach each card
    page.wait_for_function("document.querySelectorAll('img.camera[data-seq]').length == 2")
    first = {r: _frames(page, r) for r in ("robot-1", "robot-2")}
    time.sleep(2.0)
    for robot, seq in first.items():
        assert _frames(page, robot) - seq >= 10, f"{robot}: too few frames in 2 s"
    assert page.locator('[data-robot="robot-1"] .status').inner_text() == "idle"

    # this page's operator takes control of robot 1; its commands carry the operator's name
    card = page.locator('[data-robot="robot-1"]')
    card.locator("button.control").click()
    page.wait_for_function(
        "document.querySelector('[data-robot=\"robot-1\"] .controller').textContent"
        ".startsWith('controlled by operator-')"
    )
    assert card.locator("button.control").inner_text() == "Release"

    # a typed chore: planned, acted, judged, done
    card.locator(".chore-input").fill("put the blue block in the bowl")
    card.locator(".chore-form button[type=submit]").click()
    card.locator("details summary").click()  # open the card's history
    finished = card.locator(".history li", has_text="put the blue block in the bowl")
    finished.wait_for(timeout=240_000)
    assert finished.get_attribute("data-outcome") == "done"
    assert "(measured: done)" in finished.inner_text()
    video = finished.locator("a.video")  # the chore's video, served by the console
    assert video.count() == 1 and video.get_attribute("href").endswith("/video.mp4")
    assert card.locator(".plan li.done").count() >= 1
    assert "done" in card.locator(".verdicts").inner_text()

    # one chore for both robots at once, from the selection box: both finish
    history = {r: page.locator(f'[data-robot="{r}"] .history li') for r in ("robot-1", "robot-2")}
    before = {r: h.filter(has_text="press the button").count() for r, h in history.items()}
    for robot in history:
        page.locator(f'[data-robot="{robot}"] .select').check()
    page.locator("#fleet-chore").fill("press the button")
    page.locator("#fleet-form button[type=submit]").click()
    for robot, items in history.items():
        page.locator(f'[data-robot="{robot}"] details summary').evaluate(
            "s => s.parentElement.open = true"
        )
        items.filter(has_text="press the button").nth(before[robot]).wait_for(timeout=240_000)
        assert (
            items.filter(has_text="press the button").first.get_attribute("data-outcome") == "done"
        )

    # stop all: in the fixed bar, no confirmation dialog
    page.on("dialog", lambda d: pytest.fail(f"unexpected dialog: {d.message}"))
    assert (
        page.locator("#stop-all").evaluate("e => getComputedStyle(e.parentElement).position")
        == "fixed"
    )
    page.locator("#stop-all").click()
    page.wait_for_function(
        "[...document.querySelectorAll('.card .status')].every(s => s.textContent == 'stopped')"
    )
    for address in robot_addresses(fleet).values():
        with RobotClient(address) as robot:
            assert robot.stop(reason="test: is it latched?") is True  # already latched
    # clearing takes a deliberate act: the button stays disabled until the box is ticked
    clear = card.locator("button.clear")
    assert clear.is_visible() and clear.is_disabled()
    card.locator(".clear-confirm").check()
    clear.click()
    page.wait_for_function(
        "document.querySelector('[data-robot=\"robot-1\"] .status').textContent == 'idle'"
    )
    assert page.locator('[data-robot="robot-2"] .status').inner_text() == "stopped"
