"""The bridge client: typed calls with deadlines, retries for idempotent calls, clear errors.

    with RobotClient("localhost:50051") as robot:
        obs = robot.observe()
        with robot.control("agent") as ctl:
            result = ctl.execute_chunk(actions)        # (steps, 4) array

Every call has a deadline. Idempotent calls (everything except opening a control session) are
retried with exponential backoff while the robot is unreachable, within that deadline; execute_chunk
is idempotent because the chunk id is chosen once and reused by every retry. A robot that disappears
raises `RobotUnavailableError` when the deadline passes, never a hang.
"""

from __future__ import annotations

import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

from robot_bridge import messages
from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2_grpc as pb_grpc
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2 as sim_pb
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2_grpc as sim_grpc
from robot_bridge._generated.reverie.robot.v1 import types_pb2 as types_pb
from robot_bridge.robot import Observation, RobotInfo
from robot_bridge.security import TlsFiles, bearer_metadata, channel_credentials
from skills.scene import Scene

DEFAULT_TIMEOUT_S = 5.0
SESSION_TIMEOUT_S = 24 * 3600.0  # the control stream's deadline; heartbeats watch it meanwhile
REASON_KEY = "reverie-reason"
CHUNK_STATUS = {
    pb.CHUNK_STATUS_COMPLETED: "completed",
    pb.CHUNK_STATUS_ABORTED_ESTOP: "aborted_estop",
    pb.CHUNK_STATUS_ABORTED_CONTROL_LOST: "aborted_control_lost",
    pb.CHUNK_STATUS_ABORTED_ROBOT_ERROR: "aborted_robot_error",
}


# ------------------------------------------------------------------------------------- errors
class BridgeError(RuntimeError):
    """A bridge call failed; `code` is the gRPC status, `reason` the server's refusal reason."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code, self.reason = code, reason


class RobotUnavailableError(BridgeError):
    """The robot did not answer within the deadline (not running, unreachable, or gone)."""


class InvalidRequestError(BridgeError):
    """The server refused the request's content; nothing moved."""


class RobotStoppedError(BridgeError):
    """The e-stop is latched; call `clear_stop()` before moving again."""


class ControlError(BridgeError):
    """Control refused or lost: another client controls the robot, or the session ended."""


class AuthenticationError(BridgeError):
    """Missing or wrong bearer token, or TLS identity refused."""


def _error(exc: grpc.RpcError, method: str, address: str, timeout: float) -> BridgeError:
    code = exc.code()
    details = exc.details() or ""
    reason = dict(exc.trailing_metadata() or ()).get(REASON_KEY, "")
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return RobotUnavailableError(
            f"robot bridge at {address} did not answer {method} within {timeout:g} s "
            f"({code.name}: {details}); check that it runs (`reverie bridge serve --sim`) and that "
            "the address, TLS settings and network are right",
            code,
            reason,
        )
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return AuthenticationError(f"{method} refused by {address}: {details}", code, reason)
    if reason == "estopped":
        return RobotStoppedError(f"{method}: {details}", code, reason)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return ControlError(f"{method}: {details}", code, reason)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS):
        return InvalidRequestError(f"{method}: {details}", code, reason)
    return BridgeError(f"{method} failed at {address} ({code.name}): {details}", code, reason)


# ------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ChunkResult:
    chunk_id: str
    status: str  # "completed", "aborted_estop", "aborted_control_lost", "aborted_robot_error"
    steps_executed: int
    applied: np.ndarray  # (steps_executed, dim): the actions actually applied, after clipping
    clipped: np.ndarray  # (steps_executed,) bool
    duplicate: bool  # the server had seen this chunk id; nothing moved this time
    robot_seconds: float
    message: str = ""

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class SkillCheck:
    success: bool
    scene: Scene  # the scene now
    start_scene: Scene  # the scene the predicate compared against


# ------------------------------------------------------------------------------------- client
class RobotClient:
    """A connection to one robot bridge."""

    def __init__(
        self,
        address: str,
        *,
        token: str | None = None,
        tls: TlsFiles | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self._metadata = bearer_metadata(token)
        options = [
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 1000),
            ("grpc.keepalive_time_ms", 10_000),
            ("grpc.keepalive_timeout_ms", 5_000),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
        ]
        if tls is not None:
            self._channel = grpc.secure_channel(address, channel_credentials(tls), options)
        else:
            self._channel = grpc.insecure_channel(address, options)
        self._stub = pb_grpc.RobotBridgeStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self.sim = SimControlClient(self)
        self._info: RobotInfo | None = None

    # --------------------------------------------------------------------------- plumbing
    def call(
        self,
        method: str,
        rpc: Callable,
        request,
        *,
        timeout: float | None = None,
        idempotent: bool = True,
    ):
        """Call `rpc` with a deadline; retry with backoff while UNAVAILABLE if idempotent."""
        budget = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + budget
        backoff = 0.05
        while True:
            remaining = deadline - time.monotonic()
            try:
                return rpc(request, timeout=max(remaining, 0.001), metadata=self._metadata)
            except grpc.RpcError as exc:
                retry = idempotent and exc.code() == grpc.StatusCode.UNAVAILABLE
                remaining = deadline - time.monotonic()
                if not retry or remaining <= 0.01:
                    raise _error(exc, method, self.address, budget) from None
                time.sleep(min(remaining, backoff * (0.5 + random.random())))
                backoff = min(backoff * 2, 1.0)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> RobotClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --------------------------------------------------------------------------- RobotBridge
    def info(self, timeout: float | None = None) -> RobotInfo:
        msg = self.call("GetInfo", self._stub.GetInfo, pb.GetInfoRequest(), timeout=timeout)
        self._info = messages.info_from_proto(msg)
        return self._info

    def info_proto(self, timeout: float | None = None) -> pb.RobotInfo:
        return self.call("GetInfo", self._stub.GetInfo, pb.GetInfoRequest(), timeout=timeout)

    def observe(self, encoding: str = "raw", timeout: float | None = None) -> Observation:
        request = pb.GetObservationRequest(encoding=_encoding(encoding))
        msg = self.call("GetObservation", self._stub.GetObservation, request, timeout=timeout)
        return messages.observation_from_proto(msg)

    def stream_observations(
        self,
        rate_hz: float,
        max_count: int = 0,
        encoding: str = "raw",
        duration_s: float | None = None,
    ) -> Iterator[Observation]:
        """Observations at `rate_hz`; the stream ends after `max_count` or `duration_s` seconds."""
        if duration_s is None:
            bounded = max_count and rate_hz > 0  # the server judges the rate; no division by 0
            duration_s = max_count / rate_hz + self.timeout if bounded else 3600.0
        request = pb.StreamObservationsRequest(
            rate_hz=rate_hz, max_count=max_count, encoding=_encoding(encoding)
        )
        stream = self._stub.StreamObservations(request, timeout=duration_s, metadata=self._metadata)
        try:
            for msg in stream:
                yield messages.observation_from_proto(msg)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED and max_count == 0:
                return  # the requested duration is over
            raise _error(exc, "StreamObservations", self.address, duration_s) from None
        finally:
            stream.cancel()

    def stop(self, reason: str = "", timeout: float | None = None) -> bool:
        """Latch the e-stop; returns whether it was already latched."""
        resp = self.call("Stop", self._stub.Stop, pb.StopRequest(reason=reason), timeout=timeout)
        return resp.was_stopped

    def clear_stop(self, timeout: float | None = None) -> bool:
        resp = self.call("ClearStop", self._stub.ClearStop, pb.ClearStopRequest(), timeout=timeout)
        return resp.was_stopped

    def health(self, service: str = "", timeout: float | None = None) -> str:
        """The grpc.health.v1 status name, e.g. "SERVING"."""
        request = health_pb2.HealthCheckRequest(service=service)
        resp = self.call("Health.Check", self._health.Check, request, timeout=timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    def control(self, client_name: str = "reverie", timeout: float | None = None) -> ControlSession:
        """Take control of the robot (a context manager); refused if another client has it."""
        return ControlSession(self, client_name, self.timeout if timeout is None else timeout)


class SimControlClient:
    """Simulator ground truth (`client.sim`): for experts and evaluation, never for the agent."""

    def __init__(self, client: RobotClient) -> None:
        self._client = client
        self._stub = sim_grpc.SimControlStub(client._channel)

    def reset(self, seed: int, timeout: float | None = None) -> tuple[Scene, Observation]:
        """Reset to the scene of `seed`; returns (scene, observation)."""
        if not 0 <= seed < 2**64:
            raise InvalidRequestError(f"seed must be in [0, 2**64); got {seed}")
        resp = self._client.call(
            "Reset", self._stub.Reset, sim_pb.ResetRequest(seed=seed), timeout=timeout
        )
        return messages.scene_from_proto(resp.scene), messages.observation_from_proto(
            resp.observation
        )

    def scene(self, timeout: float | None = None) -> Scene:
        msg = self._client.call(
            "GetScene", self._stub.GetScene, sim_pb.GetSceneRequest(), timeout=timeout
        )
        return messages.scene_from_proto(msg)

    def mark_skill_start(self, timeout: float | None = None) -> Scene:
        """Remember the scene now as the start of a skill; returns it."""
        resp = self._client.call(
            "MarkSkillStart",
            self._stub.MarkSkillStart,
            sim_pb.MarkSkillStartRequest(),
            timeout=timeout,
        )
        return messages.scene_from_proto(resp.scene)

    def check_skill(
        self, skill: str, args: dict[str, str] | None = None, timeout: float | None = None
    ) -> SkillCheck:
        request = sim_pb.CheckSkillRequest(skill=skill, args=args or {})
        resp = self._client.call("CheckSkill", self._stub.CheckSkill, request, timeout=timeout)
        return SkillCheck(
            resp.success,
            messages.scene_from_proto(resp.scene),
            messages.scene_from_proto(resp.start_scene),
        )


# ------------------------------------------------------------------------------------- control
_CLOSE = object()


class ControlSession:
    """An open Control stream: heartbeats in the background, chunks through `execute_chunk`."""

    def __init__(self, client: RobotClient, client_name: str, timeout: float) -> None:
        self._client = client
        self._requests: queue.Queue = queue.Queue()
        self._granted = threading.Event()
        self._finished = threading.Event()
        self._silenced = threading.Event()
        self._settled = threading.Event()
        self._error: BridgeError | None = None
        self.session_id = ""
        self.heartbeat_interval_s = 0.05
        self.last_ack = time.monotonic()
        self.estopped = False
        self._requests.put(pb.ControlRequest(acquire=pb.Acquire(client_name=client_name)))
        self._call = client._stub.Control(
            self._request_iter(), timeout=SESSION_TIMEOUT_S, metadata=client._metadata
        )
        threading.Thread(target=self._read, name="control-reader", daemon=True).start()
        self._settled.wait(timeout)  # granted, refused, or no answer
        if not self._granted.is_set():
            self._call.cancel()
            self._finished.wait(1.0)
            raise self._error or RobotUnavailableError(
                f"robot bridge at {client.address} did not grant control within {timeout:g} s; "
                "check that it runs"
            )
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat, name="control-heartbeat", daemon=True
        )
        self._heartbeat_thread.start()

    # --------------------------------------------------------------------------- public
    @property
    def active(self) -> bool:
        return self._granted.is_set() and not self._finished.is_set()

    def execute_chunk(
        self,
        actions,
        chunk_id: str | None = None,
        timeout: float | None = None,
    ) -> ChunkResult:
        """Execute actions (steps, dim) one per control period; retried safely by chunk id."""
        if self._error is not None:
            raise self._error
        rows = _rows(actions)
        chunk_id = chunk_id or uuid.uuid4().hex
        request = pb.ExecuteChunkRequest(
            session_id=self.session_id,
            chunk_id=chunk_id,
            actions=[types_pb.Action(values=row) for row in rows],
        )
        if timeout is None:
            info = self._client._info or self._client.info()
            timeout = self._client.timeout + 1.5 * len(rows) / info.action_spec.control_hz
        resp = self._client.call(
            "ExecuteChunk", self._client._stub.ExecuteChunk, request, timeout=timeout
        )
        dim = len(resp.applied[0].values) if resp.applied else max(map(len, rows), default=0)
        return ChunkResult(
            chunk_id=resp.chunk_id,
            status=CHUNK_STATUS.get(resp.status, f"unknown({resp.status})"),
            steps_executed=resp.steps_executed,
            applied=np.array([a.values for a in resp.applied], dtype=np.float64).reshape(-1, dim),
            clipped=np.array(resp.clipped, dtype=bool),
            duplicate=resp.duplicate,
            robot_seconds=resp.robot_seconds,
            message=resp.message,
        )

    def release(self, timeout: float = 2.0) -> None:
        """Give control back (the robot holds); idempotent."""
        if not self._finished.is_set():
            self._requests.put(pb.ControlRequest(release=pb.Release()))
            self._finished.wait(timeout)
        self._requests.put(_CLOSE)
        self._call.cancel()

    def __enter__(self) -> ControlSession:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    # --------------------------------------------------------------------------- internals
    def _request_iter(self) -> Iterator[pb.ControlRequest]:
        while True:
            item = self._requests.get()
            if item is _CLOSE:
                return
            yield item

    def _read(self) -> None:
        try:
            for resp in self._call:
                kind = resp.WhichOneof("kind")
                if kind == "granted":
                    self.session_id = resp.granted.session_id
                    self.heartbeat_interval_s = resp.granted.heartbeat_interval_ms / 1000
                    self.last_ack = time.monotonic()
                    self._granted.set()
                    self._settled.set()
                elif kind == "heartbeat_ack":
                    self.last_ack = time.monotonic()
                    self.estopped = resp.heartbeat_ack.estopped
                elif kind == "released":
                    break
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                self._error = _error(exc, "Control", self._client.address, SESSION_TIMEOUT_S)
        finally:
            if self._error is None:
                self._error = ControlError(
                    "the control session is closed; open a new one with `client.control()`"
                )
            self._finished.set()
            self._settled.set()
            self._requests.put(_CLOSE)

    def _heartbeat(self) -> None:
        seq = 0
        while not self._finished.wait(self.heartbeat_interval_s):
            if self._silenced.is_set():
                continue
            seq += 1
            self._requests.put(pb.ControlRequest(heartbeat=pb.Heartbeat(seq=seq)))

    def _silence(self) -> None:
        """Stop sending heartbeats but keep the stream open: lets tests exercise the watchdog."""
        self._silenced.set()


def _rows(actions) -> list[list[float]]:
    """Actions as rows of floats; one action may be given alone. Shape and finiteness are left
    to the server, which explains what is wrong."""
    try:
        if len(actions) and not any(isinstance(a, (list, tuple, np.ndarray)) for a in actions):
            actions = [actions]  # a single action
        return [[float(v) for v in row] for row in actions]
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(
            f"actions must be numbers shaped (steps, dim), e.g. [[dx, dy, dz, gripper]]: {exc}"
        ) from None


def _encoding(name: str) -> int:
    try:
        return messages.ENCODINGS[name.lower()]
    except KeyError:
        raise InvalidRequestError(
            f"unknown image encoding {name!r}; valid: {', '.join(messages.ENCODINGS)}"
        ) from None
