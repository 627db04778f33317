"""Tests of the `reverie` command line, one module per command group (mirroring cli/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REVERIE = [sys.executable, "-m", "cli"]


def reverie(
    *args, check: bool = False, cwd: Path | None = None, env: dict | None = None, timeout=300
) -> subprocess.CompletedProcess:
    """Run `reverie ARGS` as a user does: a real process, text output captured."""
    proc = subprocess.run(
        [*REVERIE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "MUJOCO_GL": "egl", **(env or {})},
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
