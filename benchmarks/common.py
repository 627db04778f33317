"""What every benchmark's JSON says about where it ran, and how it is written and printed."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import date
from pathlib import Path


def provenance() -> dict:
    """date, machine (with torch's thread count when torch is loaded) and the command line."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    if "torch" in sys.modules:
        machine += f", torch threads {sys.modules['torch'].get_num_threads()}"
    return {"date": date.today().isoformat(), "machine": machine, "command": " ".join(sys.argv)}


def publish(out: Path, result: dict, as_json: bool) -> None:
    """Write `result` to `out` atomically and print it (one line with --json)."""
    from worldmodel.checkpoint import atomic_write_text

    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=None if as_json else 2))
