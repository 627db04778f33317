"""One robot in the console: its camera, its chore queue, its agent, its stop.

Each robot has a camera thread (observations streamed over the bridge, kept as the latest JPEG)
and an agent thread that takes chores from its queue and does them with `agent.run.do_chore`,
each a durable LangGraph thread in `<runs>/<robot id>/agent.sqlite`, as `reverie do` does.
Status, plan and verdicts come from what the agent logs in the chore's run directory.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import structlog

from console.fleet import RobotEntry

log = structlog.get_logger("reverie.console")

STATUSES = ("idle", "planning", "acting", "checking", "paused", "stopped", "lost")
MAX_QUEUE = 20
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # agent.rundir.new_run_id's
HISTORY = 50
VERDICTS = 12


class ConsoleRequestError(ValueError):
    """A request the console refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Chore:
    id: str
    text: str
    enqueued_at: float
    run_id: str | None = None  # its run directory, once started
    resume: bool = False  # continue run_id instead of starting afresh


def client_options(entry: RobotEntry) -> dict:
    """RobotClient keywords for the fleet entry's token and TLS files."""
    from robot_bridge.security import TlsFiles, read_token

    options: dict = {}
    if entry.token_file:
        options["token"] = read_token(Path(entry.token_file))
    if entry.tls_ca or entry.tls_cert:
        cert = Path(entry.tls_cert) if entry.tls_cert else None
        key = Path(entry.tls_key) if entry.tls_key else None
        options["tls"] = TlsFiles(cert, key, Path(entry.tls_ca) if entry.tls_ca else None)
    return options


class RobotAgent:
    """A fleet robot with its camera feed, chore queue and agent thread."""

    def __init__(
        self, entry: RobotEntry, executor: str, runs: Path, camera_hz: float = 8.0
    ) -> None:
        from robot_bridge.client import RobotClient

        self.entry = entry
        self.id = entry.id
        self.executor = executor
        self.runs = runs / entry.id
        self.runs.mkdir(parents=True, exist_ok=True)
        self.camera_hz = camera_hz
        self._options = client_options(entry)
        self.client = RobotClient(entry.address, timeout=3.0, **self._options)
        self._lock = threading.Condition()
        self._closing = threading.Event()
        self.queue: deque[Chore] = deque()
        self.history: deque[dict] = deque(maxlen=HISTORY)
        self.current: Chore | None = None
        self.interrupted: Chore | None = None  # a chore the last console died doing
        self.past_runs: list[str] = []  # every run on this robot, in order (rebuilds the mirror)
        self.phase = "idle"  # planning / acting / checking while a chore runs
        self.estopped = False
        self.operator: str | None = None  # the one operator controlling this robot, if any
        self.lost = False
        self.error = ""
        self.frame: bytes | None = None  # the latest camera frame, JPEG
        self.frame_seq = 0
        self._run_dir: Path | None = None
        self._running = threading.Event()  # cleared: the chore pauses before its next chunk
        self._running.set()
        self._stopped_while_paused = threading.Event()  # set: the paused chore ends as stopped
        self._mirror = None  # console.mirror.SimMirror, made and used on the agent thread
        self._load()
        self._threads = [
            threading.Thread(target=self._camera_loop, name=f"camera-{self.id}", daemon=True),
            threading.Thread(target=self._agent_loop, name=f"agent-{self.id}", daemon=True),
        ]

    def start(self) -> RobotAgent:
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._running.set()
        with self._lock:
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self.client.close()

    # --------------------------------------------------------------------------- persistence
    @property
    def _state_file(self) -> Path:
        return self.runs / "console.json"

    def _load(self) -> None:
        """Pick up where a console that stopped (or crashed) left this robot: its queue, its
        history, and the chore it was doing, which waits for the operator to resume it."""
        if not self._state_file.exists():
            return
        try:
            saved = json.loads(self._state_file.read_text())
            self.queue.extend(Chore(**c) for c in saved["queue"])
            self.history.extend(saved["history"])
            self.past_runs = list(saved["runs"])
            if saved.get("current") and saved["current"].get("run_id"):
                self.interrupted = Chore(**saved["current"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("console_state.unreadable", robot=self.id, error=str(exc))

    def _save(self) -> None:
        """Write the queue, history and current chore, atomically (call holding the lock)."""

        current = self.current or self.interrupted
        state = {  # a queued chore keeps `resume`; the current one waits to be resumed anew
            "queue": [dict(c.__dict__) for c in self.queue],
            "current": None if current is None else {**current.__dict__, "resume": False},
            "runs": self.past_runs,
            "history": list(self.history),
        }
        tmp = self._state_file.with_name("console.json.tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self._state_file)

    def resume_interrupted(self) -> Chore:
        """Continue the interrupted chore from its last saved step, before the queue."""
        with self._lock:
            chore = self._take_interrupted()
            chore.resume = True
            self.queue.appendleft(chore)
            self._save()
            self._lock.notify_all()
            return chore

    def discard_interrupted(self) -> Chore:
        with self._lock:
            chore = self._take_interrupted()
            record = {"id": chore.id, "chore": chore.text, "run_id": chore.run_id}
            self.history.append({**record, "outcome": "discarded"})
            self._save()
            self._lock.notify_all()
            return chore

    def _take_interrupted(self) -> Chore:
        if self.interrupted is None:
            raise ConsoleRequestError(f"{self.id} has no interrupted chore", 404)
        chore, self.interrupted = self.interrupted, None
        return chore

    def video(self, run_id: str) -> Path | None:
        """The video of one of this robot's runs (what it saw beside what it imagined); the id's
        pattern keeps the path inside this robot's runs folder."""
        if not RUN_ID.fullmatch(run_id):
            return None
        path = self.runs / run_id / "video.mp4"
        return path if path.is_file() else None

    # --------------------------------------------------------------------------- operator
    def claim(self, operator: str) -> None:
        """Take control of this robot for `operator`; refused while another operator has it."""
        with self._lock:
            if self.operator not in (None, operator):
                raise ConsoleRequestError(
                    f"{self.id} is controlled by {self.operator}; they must release it first"
                )
            self.operator = operator

    def release(self, operator: str | None) -> None:
        with self._lock:
            if self.operator is None:
                raise ConsoleRequestError(f"no operator controls {self.id}")
            if operator != self.operator:
                raise ConsoleRequestError(
                    f"{self.id} is controlled by {self.operator}; only they can release it"
                )
            self.operator = None

    def check_operator(self, operator: str | None) -> None:
        """Commands (not stops) come only from the controlling operator, when there is one."""
        holder = self.operator
        if holder is not None and operator != holder:
            raise ConsoleRequestError(
                f"{self.id} is controlled by {holder}; send X-Reverie-Operator: {holder}, or ask "
                "them to release it (anyone may stop it)",
                423,
            )

    def enqueue(self, text: str) -> tuple[Chore, int]:
        """Queue `text`; returns the chore and its place in the queue (1 runs next)."""
        return enqueue_on_all([self], text)[0]

    def _append(self, text: str) -> tuple[Chore, int]:
        """Queue `text` (call holding the lock, with room checked)."""
        chore = Chore(uuid.uuid4().hex[:12], text, time.time())
        self.queue.append(chore)
        self._save()
        self._lock.notify_all()
        return chore, len(self.queue)

    def move(self, chore_id: str, position: int) -> int:
        """Move a queued chore to `position` (1 runs next; past the end means last)."""
        with self._lock:
            chore = next((c for c in self.queue if c.id == chore_id), None)
            if chore is None:
                raise ConsoleRequestError(f"{self.id} has no queued chore {chore_id}", 404)
            self.queue.remove(chore)
            index = min(position, len(self.queue) + 1) - 1
            self.queue.insert(index, chore)
            self._save()
            return index + 1

    def cancel(self, chore_id: str) -> Chore:
        with self._lock:
            for chore in self.queue:
                if chore.id == chore_id:
                    self.queue.remove(chore)
                    self._save()
                    return chore
            if self.current is not None and self.current.id == chore_id:
                raise ConsoleRequestError(
                    f"chore {chore_id} is running on {self.id}; stop the robot to end it"
                )
        raise ConsoleRequestError(f"{self.id} has no queued chore {chore_id}", 404)

    def pause(self) -> None:
        """Pause the running chore before its next action chunk (control is kept meanwhile)."""
        with self._lock:
            if self.current is None:
                raise ConsoleRequestError(f"{self.id} is not doing a chore; nothing to pause")
            self._running.clear()

    def resume(self) -> None:
        with self._lock:
            if self._running.is_set():
                raise ConsoleRequestError(f"{self.id} is not paused")
            self._running.set()

    def stop(self, reason: str = "operator stop") -> None:
        """Latch the robot's e-stop over the bridge; the running chore aborts."""
        self.client.stop(reason=reason, timeout=2.0)
        self.estopped = True
        if self._mirror is not None:
            self._mirror.hold_due = True  # the robot held as it latched
        with self._lock:
            if not self._running.is_set():  # a paused chore ends as stopped, not held for later
                self._stopped_while_paused.set()
                self._running.set()

    def clear_stop(self) -> None:
        self.client.clear_stop(timeout=2.0)
        with self._lock:
            self.estopped = False
            self._lock.notify_all()

    # --------------------------------------------------------------------------- state
    @property
    def status(self) -> str:
        if self.lost:
            return "lost"
        if self.estopped:
            return "stopped"
        return self.phase if self.current is not None else "idle"

    def snapshot(self) -> dict:
        with self._lock:
            queue = [{"id": c.id, "chore": c.text} for c in self.queue]
            current = self.current
            history = list(self.history)[::-1]
        plan, verdicts = _progress(self._run_dir) if current is not None else ([], [])
        return {
            "id": self.id,
            "address": self.entry.address,
            "simulated": self.entry.simulated,
            "status": self.status,
            "estopped": self.estopped,
            "paused": not self._running.is_set(),
            "operator": self.operator,
            "interrupted": (
                {"id": self.interrupted.id, "chore": self.interrupted.text}
                if self.interrupted
                else None
            ),
            "executor": self.executor,
            "chore": {"id": current.id, "chore": current.text} if current else None,
            "plan": plan,
            "verdicts": verdicts,
            "queue": queue,
            "history": history,
            "frame_seq": self.frame_seq,
            "error": self.error,
        }

    # --------------------------------------------------------------------------- camera
    def _camera_loop(self) -> None:
        from robot_bridge.client import BridgeError

        while not self._closing.is_set():
            try:
                for obs in self.client.stream_observations(self.camera_hz, duration_s=30.0):
                    self.frame = _jpeg(obs.image)
                    self.frame_seq += 1
                    self.lost = False
                    if self._closing.is_set():
                        return
            except BridgeError as exc:
                if not self.lost:
                    log.warning("robot.lost", robot=self.id, error=str(exc)[:200])
                self.lost = True
                self._closing.wait(1.0)

    # --------------------------------------------------------------------------- agent
    def _agent_loop(self) -> None:
        while True:
            with self._lock:
                while not self._closing.is_set() and (
                    not self.queue or self.estopped or self.lost or self.interrupted
                ):
                    self._lock.wait(0.5)
                if self._closing.is_set():
                    break
                self.current = self.queue.popleft()
                self._stopped_while_paused.clear()
                self.phase, self.error, self._run_dir = "planning", "", None
                self._save()
            try:
                self._do(self.current)
            finally:
                with self._lock:
                    self.current, self.phase = None, "idle"
                    self._running.set()
                    self._save()
        if self._mirror is not None:
            self._mirror.close()

    def _do(self, chore: Chore) -> None:
        from agent.run import RobotLostError, do_chore, resume_chore
        from console.mirror import MirrorDriftError

        before = set(self.runs.iterdir())
        record = {"id": chore.id, "chore": chore.text, "started_at": time.time()}
        if chore.resume:
            self._run_dir = self.runs / chore.run_id

        def progress(message: str) -> None:
            if self._run_dir is None:
                new = [p for p in self.runs.iterdir() if p.is_dir() and p not in before]
                self._run_dir = new[0] if new else None
                if self._run_dir is not None:  # known from now on: a crash can resume it
                    with self._lock:
                        chore.run_id = self._run_dir.name
                        self.past_runs.append(chore.run_id)
                        self._save()
            if message.startswith(("plan:", "[", "resuming")):
                self.phase = "acting"

        try:
            if chore.resume:
                summary = resume_chore(
                    chore.run_id,
                    runs=self.runs,
                    progress=progress,
                    make_executor=self._make_executor,
                    client_options=self._options,
                )
            else:
                summary = do_chore(
                    chore.text,
                    robot=self.entry.address,
                    executor=self.executor,
                    seed=self.entry.seed or 0,
                    runs=self.runs,
                    progress=progress,
                    make_executor=self._make_executor,
                    client_options=self._options,
                )
            record.update(
                outcome="done" if summary["success_claimed"] else "failed",
                run_id=summary["run_id"],
                subtasks=summary["subtasks"],
                failure=summary.get("failure", ""),
                ground_truth=summary.get("ground_truth", {}).get("success"),
            )
        except RobotLostError as exc:
            stopped = self.estopped or "estop" in str(exc)
            self.estopped = self.estopped or stopped
            record.update(outcome="stopped" if stopped else "lost", failure=str(exc))
        except (ValueError, MirrorDriftError) as exc:  # PlanningError and refusals
            record.update(outcome="refused", failure=str(exc))
        except Exception as exc:  # the console must outlive a chore that crashes
            log.exception("chore.crashed", robot=self.id, chore=chore.text)
            record.update(outcome="error", failure=f"{type(exc).__name__}: {exc}")
        finally:
            if self._mirror is not None:
                self._mirror.hold_due = True  # control ended: the robot held
        record["plan"], record["verdicts"] = _progress(self._run_dir)
        record["video"] = self.video(record.get("run_id") or "") is not None
        self.error = record.get("failure", "") if record["outcome"] != "done" else ""
        record["finished_at"] = time.time()
        with self._lock:
            self.history.append(record)
        log.info("chore.finished", robot=self.id, chore=chore.text, outcome=record["outcome"])

    def _make_executor(self, info):
        if self.executor != "scripted":
            from agent.run import build_executor  # the executors `reverie do` builds

            inner = build_executor(self.executor, None, 4, info, self.entry.seed or 0)
        else:
            inner = self._scripted()
        return PausableExecutor(
            inner, self._running, self._closing, self._set_phase, self._stopped_while_paused
        )

    def _scripted(self):
        from console.mirror import MirroredScriptedExecutor, SimMirror

        if not self.entry.simulated or self.entry.seed is None:
            raise ValueError(
                f"the scripted executor needs a simulated robot with a known scene seed; "
                f"{self.id} is not one: start the console with --executor worldmodel"
            )
        if self._mirror is None:
            self._mirror = SimMirror(self.entry.seed, self.entry.image_size or 64)
            current = self.current
            fresh = current.run_id if current is not None and not current.resume else None
            if self.client.observe().step == 0:
                # the robot itself restarted (`fleet down` / `fleet up` with the same --runs):
                # its scene is new, so the runs this console remembers are not in it
                log.info("mirror.fresh_robot", robot=self.id, forgotten_runs=len(self.past_runs))
                with self._lock:
                    self.past_runs = [fresh] if fresh else []
                    self._save()
            else:  # a console restarted: the robot has done these runs (a resumed one's start too)
                self._mirror.replay(self.runs / r for r in self.past_runs if r != fresh)
        executor = MirroredScriptedExecutor(self._mirror, self.client.observe)
        executor.on_phase = self._set_phase
        return executor

    def _set_phase(self, phase: str) -> None:
        self.phase = phase


def enqueue_on_all(agents: list[RobotAgent], text: str) -> list[tuple[Chore, int]]:
    """Queue `text` on every robot in `agents`, or on none: all their locks are held (taken in
    id order, so two such calls cannot deadlock) while the queues are checked and filled."""
    with ExitStack() as locks:
        for agent in sorted(agents, key=lambda a: a.id):
            locks.enter_context(agent._lock)
        full = [a.id for a in agents if len(a.queue) >= MAX_QUEUE]
        if full:
            raise ConsoleRequestError(
                f"queue full ({MAX_QUEUE} chores) on {', '.join(full)}; nothing was queued; "
                "cancel some first",
                429,
            )
        return [agent._append(text) for agent in agents]


class PausableExecutor:
    """Any executor, held before each chunk while its robot's chore is paused."""

    def __init__(
        self,
        inner,
        running: threading.Event,
        closing: threading.Event,
        on_phase,
        stopped: threading.Event | None = None,
    ):
        self.inner, self.name = inner, inner.name
        self._running, self._closing, self._on_phase = running, closing, on_phase
        self._stopped = stopped or threading.Event()

    def _wait(self) -> None:
        if not self._running.is_set():
            self._on_phase("paused")
            while not self._running.wait(0.2) and not self._closing.is_set():
                pass
            self._on_phase("acting")
        if self._stopped.is_set():  # stopped while paused: end the chore, whatever the bridge says
            from agent.graph import ChoreInterrupted

            raise ChoreInterrupted("estop latched while the chore was paused: the chore is stopped")

    def begin(self, step) -> None:
        self._wait()
        self.inner.begin(step)

    def propose(self, step, frame, state, objects=None):
        self._wait()
        return self.inner.propose(step, frame, state, objects)


def _jpeg(image) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _progress(run_dir: Path | None) -> tuple[list[dict], list[dict]]:
    """The current plan (each subtask with its state) and the judge's latest verdicts, read from
    the chore's events.jsonl."""
    if run_dir is None or not (run_dir / "events.jsonl").exists():
        return [], []
    plan: list[dict] = []
    verdicts: list[dict] = []
    cursor = 0
    for line in (run_dir / "events.jsonl").read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # a line being written
            continue
        kind = event.get("event")
        if kind == "plan":
            plan = [{"instruction": s["instruction"], "state": "pending"} for s in event["steps"]]
        elif kind in ("chunk", "judged") and event.get("subtask", -1) < len(plan):
            cursor = event["subtask"]
            if plan[cursor]["state"] == "pending":
                plan[cursor]["state"] = "active"
            if kind == "judged":
                verdicts.append(
                    {
                        "subtask": plan[cursor]["instruction"],
                        "judge": event.get("judge"),
                        "effects": event.get("perceived_effects"),
                        "score": event.get("score"),
                    }
                )
        elif kind == "subtask_done" and cursor < len(plan):
            plan[cursor]["state"] = "done"
            verdicts.append(
                {
                    "subtask": event.get("instruction"),
                    "score": event.get("judge_score"),
                    "claimed": True,
                }
            )
        elif kind == "replan":
            done = [p for p in plan if p["state"] == "done"]
            plan = done + [{"instruction": s, "state": "pending"} for s in event["new_plan"]]
        elif kind == "gave_up" and cursor < len(plan):
            plan[cursor]["state"] = "failed"
    return plan, verdicts[-VERDICTS:]
