"""A chore's run directory: run.json (how to resume), events.jsonl (structlog JSON lines), actions
(every applied action, so an embedded simulator can be restored by replay), frames, the video and
summary.json. Graph state stays small; everything heavy lives here."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import numpy as np
import structlog

from worldmodel.files import atomic_write_text

RUNS = Path("runs")


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        (path / "frames").mkdir(parents=True, exist_ok=True)
        self._events = open(path / "events.jsonl", "a", buffering=1)  # noqa: SIM115
        self.log = structlog.wrap_logger(
            structlog.PrintLogger(self._events),
            wrapper_class=structlog.BoundLogger,  # independent of the console's log level
            processors=[
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.add_log_level,
                structlog.processors.JSONRenderer(),
            ],
        )

    @property
    def run_id(self) -> str:
        return self.path.name

    def write_json(self, name: str, data: dict) -> None:
        atomic_write_text(self.path / name, json.dumps(data, indent=2))

    def read_json(self, name: str) -> dict:
        return json.loads((self.path / name).read_text())

    def log_actions(self, chunk_id: str, applied: np.ndarray) -> None:
        with open(self.path / "actions.jsonl", "a") as f:
            f.write(json.dumps({"chunk_id": chunk_id, "applied": applied.tolist()}) + "\n")

    def log_skill_start(self, serial: int) -> None:
        """The simulator's skill-start mark was set here, before chunk `serial` (replayed after
        a resume)."""
        with open(self.path / "actions.jsonl", "a") as f:
            f.write(json.dumps({"skill_start": True, "serial": serial}) + "\n")

    def last_skill_start(self) -> int | None:
        """The chunk serial of the last skill-start mark (None: none, or logged without one)."""
        path = self.path / "actions.jsonl"
        marks = [r for r in _records(path) if r.get("skill_start")] if path.exists() else []
        return marks[-1].get("serial") if marks else None

    def log_replayed(self) -> None:
        """An embedded simulator was restored here by replaying the actions before this line."""
        with open(self.path / "actions.jsonl", "a") as f:
            f.write(json.dumps({"replayed": True}) + "\n")

    def applied_actions(self) -> tuple[list[list[float]], list[list[float]]]:
        """Every applied action, split at the last skill-start mark: (before, after).

        A chunk id logged twice by one robot moved it once (the second answer came from its
        ledger). A robot restored by replay starts with an empty ledger, so a step re-run after
        a crash executes its chunk id again: after a `replayed` line, ids count afresh."""
        path = self.path / "actions.jsonl"
        if not path.exists():
            return [], []
        rows, seen, mark = [], set(), 0
        for record in _records(path):
            if record.get("skill_start"):
                mark = len(rows)
            elif record.get("replayed"):
                seen = set()
            elif record["chunk_id"] not in seen:
                seen.add(record["chunk_id"])
                rows += record["applied"]
        return rows[:mark], rows[mark:]

    def save_frames(self, serial: int, real: np.ndarray, imagined: np.ndarray | None) -> None:
        arrays = {"real": real}
        if imagined is not None:
            arrays["imagined"] = imagined
        tmp = self.path / "frames" / f"chunk_{serial:05d}.tmp.npz"
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, self.path / "frames" / f"chunk_{serial:05d}.npz")

    def subtask_frames(self, first_serial: int) -> list[np.ndarray]:
        frames = []
        for path in sorted((self.path / "frames").glob("chunk_*.npz")):
            if int(path.stem.split("_")[1]) >= first_serial:
                frames.append(np.load(path)["real"][-1])
        return frames

    def close(self) -> None:
        self._events.close()


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]
