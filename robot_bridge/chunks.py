"""Idempotent action chunks: a chunk id moves the robot at most once.

The ledger remembers recent chunk ids with a digest of their actions and their result. A retry of a
finished chunk gets the stored result; a retry of a running chunk waits for it; a chunk id reused
for different actions is refused.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb

LEDGER_CAPACITY = 4096


class ChunkIdReused(ValueError):
    """The chunk id was already used for different actions."""


@dataclass
class ChunkRecord:
    chunk_id: str
    digest: bytes
    done: threading.Event = field(default_factory=threading.Event)
    response: pb.ExecuteChunkResponse | None = None
    refusal: tuple[object, str] | None = None  # (grpc status code, message) if refused unmoved


def digest(actions: np.ndarray) -> bytes:
    return hashlib.sha256(np.ascontiguousarray(actions, dtype=np.float32).tobytes()).digest()


class ChunkLedger:
    def __init__(self, capacity: int = LEDGER_CAPACITY) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._records: OrderedDict[str, ChunkRecord] = OrderedDict()

    def begin(self, chunk_id: str, actions: np.ndarray) -> tuple[ChunkRecord, bool]:
        """The record for `chunk_id` and whether this call is the first to see it."""
        d = digest(actions)
        with self._lock:
            rec = self._records.get(chunk_id)
            if rec is not None:
                if rec.digest != d:
                    raise ChunkIdReused(
                        f"chunk id {chunk_id!r} was already used for different actions; "
                        "give every new chunk a fresh id (e.g. a UUID) and reuse an id only to "
                        "retry the very same chunk"
                    )
                return rec, False
            rec = ChunkRecord(chunk_id, d)
            self._records[chunk_id] = rec
            while len(self._records) > self._capacity:
                oldest = next(iter(self._records.values()))
                if not oldest.done.is_set():
                    break
                self._records.popitem(last=False)
            return rec, True

    def finish(self, rec: ChunkRecord, response: pb.ExecuteChunkResponse) -> None:
        rec.response = response
        rec.done.set()

    def refuse(self, rec: ChunkRecord, code: object, message: str) -> None:
        """The chunk was refused before moving anything: forget the id so a later retry may run."""
        rec.refusal = (code, message)
        with self._lock:
            if self._records.get(rec.chunk_id) is rec:
                del self._records[rec.chunk_id]
        rec.done.set()
