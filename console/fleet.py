"""Fleet files and embedded simulated fleets (`reverie fleet up` / `down`).

A fleet file lists the robots the console drives:

    {"robots": [{"id": "robot-1", "address": "127.0.0.1:50123", "seed": 0, "pid": 4242, ...}]}

`seed`, `image_size` and `pid` are set for simulated robots that `fleet up` started; a real robot
needs only `id` and `address`, and `token_file` / `tls_ca` / `tls_cert` / `tls_key` when its
bridge is served with a token or TLS.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FLEET = Path("runs/fleet.json")
START_TIMEOUT_S = 90.0
_SERVING = re.compile(r"serving \S+ on (\S+:\d+)")


class FleetError(ValueError):
    """A fleet file or fleet command that cannot be used; the message says what to do."""


class RobotEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    address: str = Field(pattern=r"^[^\s/]+:\d{1,5}$", description="HOST:PORT of its bridge")
    simulated: bool = False
    seed: int | None = Field(default=None, ge=0, description="scene seed (simulated robots)")
    image_size: int | None = Field(default=None, ge=16, le=512)
    pid: int | None = Field(default=None, description="bridge process started by `fleet up`")
    log: str | None = None
    token_file: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None


class Fleet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    robots: list[RobotEntry] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _unique_ids(self) -> Fleet:
        ids = [r.id for r in self.robots]
        if len(set(ids)) != len(ids):
            raise ValueError(f"robot ids must be unique; got {ids}")
        return self


def read_fleet(path: Path) -> Fleet:
    """The fleet in `path`, or a FleetError naming what is wrong and what is valid."""
    if not path.exists():
        raise FleetError(
            f"no fleet file {path}; start simulated robots with `reverie fleet up --robots 2 "
            f"--fleet {path}`, or write one (docs/console.md)"
        )
    try:
        return Fleet.model_validate_json(path.read_text())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise FleetError(
            f"fleet file {path} is not valid: {problems}. Expected "
            '{"robots": [{"id": "robot-1", "address": "HOST:PORT"}, ...]}'
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FleetError(f"cannot read fleet file {path}: {exc}") from None


def write_fleet(path: Path, fleet: Fleet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(fleet.model_dump(exclude_none=True), indent=2) + "\n")
    os.replace(tmp, path)


def fleet_up(
    robots: int,
    path: Path,
    seed: int = 0,
    image_size: int = 64,
    heartbeat_timeout: float = 2.0,
) -> Fleet:
    """Start `robots` simulated robots, each a `reverie bridge serve --sim` process on a free
    loopback port (robot i gets scene seed `seed + i`), and write the fleet file."""
    if path.exists():
        try:
            running = [r for r in read_fleet(path).robots if r.pid and _is_ours(r.pid)]
        except FleetError:
            running = []
        if running:
            raise FleetError(
                f"fleet file {path} lists {len(running)} running robots; stop them first with "
                f"`reverie fleet down --fleet {path}` or choose another --fleet"
            )
    logs = path.parent / (path.stem + "-logs")
    logs.mkdir(parents=True, exist_ok=True)
    started: list[tuple[int, subprocess.Popen, Path]] = []
    try:
        for i in range(robots):
            log = logs / f"robot-{i + 1}.log"
            cmd = [
                sys.executable,
                "-m",
                "cli",
                "bridge",
                "serve",
                "--sim",
                "--port",
                "0",
                "--seed",
                str(seed + i),
                "--image-size",
                str(image_size),
                "--heartbeat-timeout",
                str(heartbeat_timeout),
            ]
            with open(log, "w") as err:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    start_new_session=True,  # a Ctrl-C in the shell does not reach the robots
                )
            started.append((i, proc, log))
        entries = [
            RobotEntry(
                id=f"robot-{i + 1}",
                address=_wait_serving(proc, log),
                simulated=True,
                seed=seed + i,
                image_size=image_size,
                pid=proc.pid,
                log=str(log),
            )
            for i, proc, log in started
        ]
    except BaseException:
        for _, proc, _ in started:
            _terminate(proc.pid)
        raise
    fleet = Fleet(robots=entries)
    write_fleet(path, fleet)
    return fleet


def fleet_down(path: Path, timeout: float = 10.0) -> list[str]:
    """Stop the robots that `fleet up` started from `path`; returns the ids stopped."""
    fleet = read_fleet(path)
    stopped = []
    for robot in fleet.robots:
        if robot.pid and _is_ours(robot.pid):
            _terminate(robot.pid, timeout)
            stopped.append(robot.id)
    path.unlink()
    return stopped


def _wait_serving(proc: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        match = _SERVING.search(log.read_text())
        if match:
            return match.group(1)
        if proc.poll() is not None:
            raise FleetError(
                f"robot bridge exited with code {proc.returncode} before serving: "
                f"{log.read_text().strip()[-500:]}"
            )
        time.sleep(0.1)
    raise FleetError(f"robot bridge did not start within {START_TIMEOUT_S:g} s; see {log}")


def _is_ours(pid: int) -> bool:
    """Is `pid` still a bridge that `fleet up` started (not a recycled process id)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    ours = b"bridge" in cmdline and b"serve" in cmdline and b"--sim" in cmdline
    return ours and not _gone(pid)


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (exited, waiting for a parent that may never reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _terminate(pid: int, timeout: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)  # our child: reap it
            if waited:
                return
        except ChildProcessError:  # started by another process: poll
            if _gone(pid):
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
