"""The operator console under a fleet: frames per second each robot's card receives, how long a
stop-all takes until every robot reports stopped, and the console's CPU use; with N simulated
robots (8 by default) and with 1 robot as the baseline, in the same run.

Each fleet is real: `reverie fleet up` (one bridge process per robot) and `reverie console` on
127.0.0.1, watched through its WebSocket as the page watches it, and stopped through its API as
the STOP ALL button stops it. "Stopped" is read back from each robot's own bridge (a further stop
reports the e-stop already latched), not from the console.

    .venv/bin/python benchmarks/console.py [--robots 8] [--seconds 10] [--stops 5] [--json]

Targets (issue 23): >= 5 frames/s per robot, stop-all -> every robot stopped <= 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import provenance, publish  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _reverie(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=300
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


async def _count_frames(url: str, seconds: float) -> dict[str, int]:
    import websockets

    counts: dict[str, int] = {}
    async with websockets.connect(url.replace("http", "ws", 1) + "/ws", max_size=None) as ws:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            if message["type"] == "frame":
                counts[message["robot"]] = counts.get(message["robot"], 0) + 1
    return counts


def _all_stopped(probes) -> bool:
    """Each robot's own bridge says its e-stop was already latched (a further stop is a no-op)."""
    return all(robot.stop(reason="benchmark: already latched?") for robot in probes)


def measure(robots: int, seconds: float, stops: int, camera_hz: float) -> dict:
    import httpx

    from robot_bridge.client import RobotClient

    with tempfile.TemporaryDirectory(prefix="reverie-console-bench-") as tmp:
        fleet = Path(tmp) / "fleet.json"
        up = _reverie("fleet", "up", "--robots", str(robots), "--fleet", str(fleet))
        if up.returncode != 0:
            raise SystemExit(f"fleet up failed: {up.stderr}")
        log = Path(tmp) / "console.log"
        with open(log, "w") as err:
            console = subprocess.Popen(
                [sys.executable, "-m", "cli", "console", "--fleet", str(fleet), "--port", "0",
                 "--runs", str(Path(tmp) / "runs"), "--camera-hz", str(camera_hz)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )  # fmt: skip
        try:
            url = None
            for _ in range(600):
                match = re.search(r"console at (\S+)", log.read_text())
                if match:
                    url = match.group(1).rstrip("/")
                    break
                time.sleep(0.1)
            if url is None:
                raise SystemExit(f"the console did not start: {log.read_text()[-1000:]}")
            time.sleep(2.0)  # every camera streaming
            cpu_before, wall_before = _cpu_seconds(console.pid), time.monotonic()
            frames = asyncio.run(_count_frames(url, seconds))
            cpu = (_cpu_seconds(console.pid) - cpu_before) / (time.monotonic() - wall_before)
            addresses = [r["address"] for r in json.loads(fleet.read_text())["robots"]]
            stop_ms, api_ms = [], []
            probes = [RobotClient(a, timeout=2.0) for a in addresses]  # connected before timing
            for probe in probes:
                probe.health()
            with httpx.Client(base_url=url, timeout=10) as http:
                for _ in range(stops):
                    started = time.perf_counter()
                    answer = http.post("/api/stop-all").json()
                    api_ms.append(1000 * (time.perf_counter() - started))
                    if answer["failed"] or not _all_stopped(probes):
                        raise SystemExit(f"stop-all left robots running: {answer}")
                    stop_ms.append(1000 * (time.perf_counter() - started))
                    for robot in answer["stopped"]:
                        http.post(f"/api/robots/{robot}/clear-stop", json={"confirm": True})
                    time.sleep(0.5)
            for probe in probes:
                probe.close()
            per_robot = [frames.get(f"robot-{i + 1}", 0) / seconds for i in range(robots)]
            return {
                "robots": robots,
                "frames_per_second_per_robot": {
                    "min": round(min(per_robot), 2),
                    "median": round(statistics.median(per_robot), 2),
                },
                "stop_all_ms": {
                    "median": round(statistics.median(stop_ms), 1),
                    "max": round(max(stop_ms), 1),
                    "api_answer_median": round(statistics.median(api_ms), 1),
                },
                "console_cpu_cores": round(cpu, 3),
            }
        finally:
            console.send_signal(signal.SIGTERM)
            try:
                console.wait(timeout=20)
            except subprocess.TimeoutExpired:
                console.kill()
            _reverie("fleet", "down", "--fleet", str(fleet))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--robots", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="frames counted for this long")
    parser.add_argument("--stops", type=int, default=5, help="stop-all clicks timed")
    parser.add_argument("--camera-hz", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/console.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    if args.robots < 2 or args.stops < 1 or args.seconds <= 0:
        parser.error("--robots must be >= 2 (1 is the baseline), --stops >= 1, --seconds > 0")
    started = time.perf_counter()
    baseline = measure(1, args.seconds, args.stops, args.camera_hz)
    fleet = measure(args.robots, args.seconds, args.stops, args.camera_hz)
    result = {
        "benchmark": "console",
        **provenance(),
        "camera_hz": args.camera_hz,
        "baseline": baseline,
        "fleet": fleet,
        "targets": {"frames_per_second_per_robot": 5, "stop_all_ms": 300},
        "meets_targets": fleet["frames_per_second_per_robot"]["min"] >= 5
        and fleet["stop_all_ms"]["max"] <= 300,
        "seconds": round(time.perf_counter() - started, 1),
    }
    publish(args.out, result, args.json)


if __name__ == "__main__":
    main()
