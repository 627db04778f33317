"""Take the README's screenshot of the operator console: two simulated robots (`reverie fleet up`),
the console on a free loopback port, a chore running on one robot, captured by headless Debian
chromium through playwright.

    .venv/bin/python scripts/console_screenshot.py [docs/console.png]
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _reverie(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "cli", *args], check=True, capture_output=True)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console.png")
    os.environ.setdefault("MUJOCO_GL", "egl")
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian chromium is missing: run `bash scripts/install_system_deps.sh`")
    with tempfile.TemporaryDirectory(prefix="reverie-screenshot-") as tmp:
        fleet, log = Path(tmp) / "fleet.json", Path(tmp) / "console.log"
        _reverie("fleet", "up", "--robots", "2", "--seed", "3", "--fleet", str(fleet))
        with open(log, "w") as err:
            console = subprocess.Popen(
                [sys.executable, "-m", "cli", "console", "--fleet", str(fleet), "--port", "0",
                 "--runs", str(Path(tmp) / "runs")],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )  # fmt: skip
        try:
            for _ in range(600):
                match = re.search(r"console at (\S+)", log.read_text())
                if match:
                    break
                time.sleep(0.1)
            else:
                sys.exit(f"the console did not start: {log.read_text()[-1000:]}")
            url = match.group(1).rstrip("/")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 400})
                page.goto(url + "/")
                page.locator(".card").nth(1).wait_for()
                card = page.locator('[data-robot="robot-1"]')
                card.locator(".chore-input").fill(
                    "put the red block in the bin and press the button"
                )
                card.locator(".chore-form button[type=submit]").click()
                page.wait_for_function(
                    "document.querySelector('[data-robot=\"robot-1\"] .plan li.done')",
                    timeout=120_000,
                )
                page.locator('[data-robot="robot-2"] .chore-input').fill("open the drawer")
                page.wait_for_timeout(500)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            console.send_signal(signal.SIGTERM)
            console.wait(timeout=30)
            _reverie("fleet", "down", "--fleet", str(fleet))
    print(out)


if __name__ == "__main__":
    main()
