"""Control sessions: one controller at a time, kept alive by heartbeats, watched by a watchdog.

Like Spot's lease with e-stop check-ins and Viam's session heartbeat window: the controlling client
holds a session id and must send a heartbeat at least every `timeout` seconds. When it does not,
the watchdog ends the session and calls `on_lapse`, which stops the robot.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger("reverie.bridge.lease")

HEARTBEAT_TIMEOUT_S = 0.3
WATCHDOG_PERIOD_S = 0.02


class ControlRefused(Exception):
    """Another client holds control; the message names it and says when control frees up."""


class NotController(Exception):
    """A motion request without the current session id."""


@dataclass
class Session:
    session_id: str
    client_name: str
    peer: str
    started: float = field(default_factory=time.monotonic)
    last_heartbeat: float = field(default_factory=time.monotonic)
    ended: threading.Event = field(default_factory=threading.Event)
    end_reason: str = ""


class ControlLease:
    """Grants control to one session at a time and ends sessions whose heartbeat lapses."""

    def __init__(
        self,
        on_end: Callable[[Session], None],
        timeout_s: float = HEARTBEAT_TIMEOUT_S,
    ) -> None:
        self.timeout_s = timeout_s
        self._on_end = on_end
        self._lock = threading.Lock()
        self._current: Session | None = None
        self._ended: dict[str, str] = {}  # recently ended session ids -> why, for clear refusals
        self._closed = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="lease-watchdog", daemon=True)
        self._watchdog.start()

    def acquire(self, client_name: str, peer: str) -> Session:
        with self._lock:
            cur = self._current
            if cur is not None:
                held = time.monotonic() - cur.started
                raise ControlRefused(
                    f"the robot is controlled by {cur.client_name!r} ({cur.peer}) "
                    f"for {held:.1f} s; "
                    "control frees up when that client releases it or its heartbeat lapses "
                    f"for {self.timeout_s * 1000:.0f} ms"
                )
            session = Session(secrets.token_hex(16), client_name or "unnamed", peer)
            self._current = session
        log.info("control.acquired", client=session.client_name, peer=peer)
        return session

    def heartbeat(self, session: Session) -> bool:
        """Record a heartbeat; False if the session has already ended."""
        with self._lock:
            if self._current is not session:
                return False
            session.last_heartbeat = time.monotonic()
            return True

    def release(self, session: Session, reason: str) -> None:
        """End the session (if it is still current) and stop the robot."""
        with self._lock:
            if self._current is not session:
                return
            self._current = None
            self._end(session, reason)

    def check(self, session_id: str) -> Session:
        """The current session if `session_id` names it, else raise `NotController`."""
        cur = self._current
        if (
            cur is not None
            and session_id
            and secrets.compare_digest(cur.session_id.encode(), session_id.encode())
        ):
            return cur
        why = self._ended.get(session_id)
        if why:
            raise NotController(f"control session ended ({why}); open a new control session")
        if cur is not None:
            raise NotController(
                f"motion needs the control session; the robot is controlled by {cur.client_name!r}"
            )
        raise NotController(
            "motion needs a control session: open the Control stream, send `acquire`, and pass "
            "the granted session_id"
        )

    @property
    def current(self) -> Session | None:
        return self._current

    def close(self) -> None:
        self._closed.set()
        cur = self._current
        if cur is not None:
            self.release(cur, "server shutting down")
        self._watchdog.join(timeout=1.0)

    # ----------------------------------------------------------------------------- internals
    def _end(self, session: Session, reason: str) -> None:  # called with the lock held
        session.end_reason = reason
        session.ended.set()
        self._ended[session.session_id] = reason
        while len(self._ended) > 256:
            self._ended.pop(next(iter(self._ended)))
        log.info("control.ended", client=session.client_name, reason=reason)
        self._on_end(session)

    def _watch(self) -> None:
        while not self._closed.wait(WATCHDOG_PERIOD_S):
            with self._lock:
                cur = self._current
                if cur is None:
                    continue
                silent = time.monotonic() - cur.last_heartbeat
                if silent > self.timeout_s:
                    self._current = None
                    self._end(
                        cur,
                        f"no heartbeat for {silent * 1000:.0f} ms (limit "
                        f"{self.timeout_s * 1000:.0f} ms); the robot stopped and holds",
                    )
