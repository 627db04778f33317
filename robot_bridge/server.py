"""The bridge server: serves a `Robot` over gRPC with the safety rules of the contract.

    robot = SimRobot()
    with BridgeServer(robot, ServerConfig(port=0)) as server:
        print(server.address)   # 127.0.0.1:PORT

Serves `reverie.robot.v1.RobotBridge`, `reverie.robot.v1.SimControl` (simulators only), the standard
`grpc.health.v1.Health` service and server reflection.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import grpc
import numpy as np
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from robot_bridge import messages
from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2_grpc as pb_grpc
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2 as sim_pb
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2_grpc as sim_grpc
from robot_bridge._generated.reverie.robot.v1 import types_pb2 as types_pb
from robot_bridge.chunks import ChunkIdReused, ChunkLedger, ChunkRecord
from robot_bridge.lease import HEARTBEAT_TIMEOUT_S, ControlLease, ControlRefused, NotController
from robot_bridge.lease import Session as ControlSession
from robot_bridge.robot import Robot, SimulatedRobot
from robot_bridge.safety import EStop, InvalidChunkError, clip_action, validate_chunk
from robot_bridge.security import (
    TlsFiles,
    TokenAuthInterceptor,
    check_bind_policy,
    server_credentials,
)

log = structlog.get_logger("reverie.bridge")

ROBOT_BRIDGE_SERVICE = pb.DESCRIPTOR.services_by_name["RobotBridge"].full_name
SIM_CONTROL_SERVICE = sim_pb.DESCRIPTOR.services_by_name["SimControl"].full_name
REASON_KEY = "reverie-reason"  # trailing metadata naming why a request was refused
MAX_STREAM_HZ = 1000.0
ACQUIRE_WAIT_S = 5.0
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
VALID_ENCODINGS = frozenset(types_pb.ImageEncoding.values())


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 50051  # 0 picks a free port
    tls: TlsFiles | None = None
    token: str | None = None
    insecure: bool = False  # allow a non-loopback bind without TLS and a token
    heartbeat_timeout_s: float = HEARTBEAT_TIMEOUT_S
    max_workers: int = 64
    extra_handlers: list[grpc.GenericRpcHandler] = field(default_factory=list)


class Refusal(Exception):
    """A request refused before anything moved."""

    def __init__(self, code: grpc.StatusCode, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def _abort(context: grpc.ServicerContext, refusal: Refusal):
    context.set_trailing_metadata(((REASON_KEY, refusal.reason),))
    context.abort(refusal.code, refusal.message)


def _encoding(value: int) -> int:
    if value not in VALID_ENCODINGS:
        raise Refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            "invalid-argument",
            f"unknown image encoding {value}; valid: "
            + ", ".join(f"{n} ({v})" for n, v in types_pb.ImageEncoding.items()),
        )
    return value


class BridgeCore:
    """The state that the services share: robot, e-stop latch, control lease, chunk ledger."""

    def __init__(self, robot: Robot, heartbeat_timeout_s: float) -> None:
        self.robot = robot
        self.info = robot.info()
        self.spec = self.info.action_spec
        self.info_proto = messages.info_to_proto(self.info, heartbeat_timeout_s)
        self.estop = EStop()
        self.ledger = ChunkLedger()
        self.motion_lock = threading.Lock()  # one chunk (or sim reset) at a time
        self.shutdown = threading.Event()
        self.lease = ControlLease(on_end=self._on_control_end, timeout_s=heartbeat_timeout_s)

    def _on_control_end(self, session: ControlSession) -> None:
        self.hold(f"control ended: {session.end_reason}")

    def hold(self, why: str) -> None:
        """Stop the robot where it is; never raises."""
        try:
            self.robot.stop()
        except Exception as exc:  # a failing stop must still be visible, and must not propagate
            log.error("robot.stop_failed", why=why, error=repr(exc))

    def motion_refusal(self, session_id: str) -> Refusal | None:
        if self.estop.engaged:
            return Refusal(grpc.StatusCode.FAILED_PRECONDITION, "estopped", self.estop.refusal())
        try:
            self.lease.check(session_id)
        except NotController as exc:
            return Refusal(grpc.StatusCode.FAILED_PRECONDITION, "not-controller", str(exc))
        return None

    def execute(self, rec: ChunkRecord, actions: np.ndarray, session_id: str):
        """Apply a validated chunk step by step; abort on e-stop or loss of control."""
        with self.motion_lock:
            refusal = self.motion_refusal(session_id)
            if refusal is not None:
                return refusal
            session = self.lease.check(session_id)
            resp = pb.ExecuteChunkResponse(chunk_id=rec.chunk_id, status=pb.CHUNK_STATUS_COMPLETED)
            robot_s = 0.0
            for i, action in enumerate(actions):
                if self.estop.engaged:
                    resp.status, resp.message = pb.CHUNK_STATUS_ABORTED_ESTOP, self.estop.refusal()
                    break
                if session.ended.is_set():
                    resp.status = pb.CHUNK_STATUS_ABORTED_CONTROL_LOST
                    resp.message = f"control ended: {session.end_reason}"
                    break
                safe, clipped = clip_action(action, self.spec)
                started = time.perf_counter()
                try:
                    applied = np.asarray(self.robot.apply_action(safe), dtype=np.float64)
                except Exception as exc:
                    self.hold("robot error")
                    log.error("robot.apply_failed", step=i, error=repr(exc))
                    resp.status = pb.CHUNK_STATUS_ABORTED_ROBOT_ERROR
                    resp.message = f"the robot failed to apply action {i}: {exc}"
                    break
                robot_s += time.perf_counter() - started
                resp.applied.add(values=applied.tolist())
                resp.clipped.append(clipped or bool(np.any(applied != safe)))
            resp.steps_executed = len(resp.applied)
            resp.robot_seconds = robot_s
        if resp.status != pb.CHUNK_STATUS_COMPLETED:
            log.warning("chunk.aborted", chunk_id=rec.chunk_id, why=resp.message)
        return resp

    def close(self) -> None:
        self.shutdown.set()
        self.lease.close()


class RobotBridgeServicer(pb_grpc.RobotBridgeServicer):
    def __init__(self, core: BridgeCore) -> None:
        self.core = core

    def GetInfo(self, request, context):
        return self.core.info_proto

    def GetObservation(self, request, context):
        try:
            encoding = _encoding(request.encoding)
        except Refusal as r:
            _abort(context, r)
        return messages.observation_to_proto(self.core.robot.observe(), encoding)

    def StreamObservations(self, request, context):
        try:
            encoding = _encoding(request.encoding)
            rate = request.rate_hz
            if not (math.isfinite(rate) and 0 < rate <= MAX_STREAM_HZ):
                raise Refusal(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "invalid-argument",
                    f"rate_hz must be in (0, {MAX_STREAM_HZ:g}]; got {rate}",
                )
        except Refusal as r:
            _abort(context, r)
        period, sent, next_at = 1.0 / rate, 0, time.monotonic()
        while context.is_active() and not self.core.shutdown.is_set():
            yield messages.observation_to_proto(self.core.robot.observe(), encoding)
            sent += 1
            if request.max_count and sent >= request.max_count:
                return
            next_at = max(next_at + period, time.monotonic() - period)
            self.core.shutdown.wait(max(0.0, next_at - time.monotonic()))

    def Control(self, request_iterator, context):
        core = self.core
        events: queue.Queue = queue.Queue()

        session: ControlSession | None = None

        def read() -> None:
            try:
                for req in request_iterator:
                    # Heartbeats count the moment they arrive, not when the handler gets to them.
                    if session is not None and req.WhichOneof("kind") == "heartbeat":
                        core.lease.heartbeat(session)
                    events.put(("request", req))
            except Exception:  # cancelled or broken stream: the same as closing it
                pass
            events.put(("closed", None))

        threading.Thread(target=read, name="control-reader", daemon=True).start()
        context.add_callback(lambda: events.put(("closed", None)))
        try:
            kind, first = events.get(timeout=ACQUIRE_WAIT_S)
        except queue.Empty:
            kind, first = "timeout", None
        if kind != "request" or first.WhichOneof("kind") != "acquire":
            return _abort(
                context,
                Refusal(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "invalid-argument",
                    "the first message on the Control stream must be `acquire` "
                    f"(sent within {ACQUIRE_WAIT_S:g} s), then `heartbeat`s, then `release`",
                ),
            )
        try:
            session = core.lease.acquire(first.acquire.client_name[:100], context.peer())
        except ControlRefused as exc:
            return _abort(
                context, Refusal(grpc.StatusCode.FAILED_PRECONDITION, "controlled", str(exc))
            )
        timeout_ms = round(core.lease.timeout_s * 1000)
        try:
            yield pb.ControlResponse(
                granted=pb.ControlGranted(
                    session_id=session.session_id,
                    heartbeat_timeout_ms=timeout_ms,
                    heartbeat_interval_ms=max(1, timeout_ms // 6),
                )
            )
            while not core.shutdown.is_set():
                if session.ended.is_set():
                    return _abort(
                        context,
                        Refusal(
                            grpc.StatusCode.FAILED_PRECONDITION,
                            "control-ended",
                            f"control ended: {session.end_reason}; open a new control session",
                        ),
                    )
                try:
                    kind, req = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if kind != "request":
                    return
                which = req.WhichOneof("kind")
                if which == "heartbeat":
                    if core.lease.current is session:
                        yield pb.ControlResponse(
                            heartbeat_ack=pb.HeartbeatAck(
                                seq=req.heartbeat.seq, estopped=core.estop.engaged
                            )
                        )
                elif which == "release":
                    core.lease.release(session, f"released by {session.client_name!r}")
                    yield pb.ControlResponse(released=pb.ControlReleased())
                    return
                else:
                    return _abort(
                        context,
                        Refusal(
                            grpc.StatusCode.INVALID_ARGUMENT,
                            "invalid-argument",
                            f"unexpected {which or 'empty'} message on an open control session; "
                            "send `heartbeat` or `release`",
                        ),
                    )
        finally:
            core.lease.release(session, "the control stream closed")

    def ExecuteChunk(self, request, context):
        core = self.core
        try:
            actions = validate_chunk(
                request.chunk_id, [a.values for a in request.actions], core.spec
            )
            rec, first = core.ledger.begin(request.chunk_id, actions)
        except InvalidChunkError as exc:
            log.warning("chunk.invalid", why=str(exc))
            return _abort(
                context, Refusal(grpc.StatusCode.INVALID_ARGUMENT, "invalid-argument", str(exc))
            )
        except ChunkIdReused as exc:
            return _abort(
                context, Refusal(grpc.StatusCode.ALREADY_EXISTS, "chunk-id-reused", str(exc))
            )
        if not first:
            return self._replay(rec, context)
        result = core.execute(rec, actions, request.session_id)
        if isinstance(result, Refusal):
            core.ledger.refuse(rec, result.code, result.message)
            return _abort(context, result)
        core.ledger.finish(rec, result)
        return result

    def _replay(self, rec: ChunkRecord, context):
        """A chunk id seen before: its first result, without moving the robot again."""
        remaining = context.time_remaining()
        if not rec.done.wait(timeout=remaining if remaining is not None else None):
            return _abort(
                context,
                Refusal(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "in-progress",
                    f"chunk {rec.chunk_id!r} is still running from an earlier request",
                ),
            )
        if rec.refusal is not None:
            code, message = rec.refusal
            return _abort(context, Refusal(code, "refused", message))  # type: ignore[arg-type]
        resp = pb.ExecuteChunkResponse()
        resp.CopyFrom(rec.response)
        resp.duplicate = True
        return resp

    def Stop(self, request, context):
        was = self.core.estop.trigger(request.reason[:200])
        self.core.hold("e-stop")
        if not was:
            log.warning("estop.latched", reason=request.reason[:200], peer=context.peer())
        return pb.StopResponse(was_stopped=was)

    def ClearStop(self, request, context):
        was = self.core.estop.clear()
        if was:
            log.info("estop.cleared", peer=context.peer())
        return pb.ClearStopResponse(was_stopped=was)


class SimControlServicer(sim_grpc.SimControlServicer):
    """Ground truth for experts and evaluation; the agent never decides from it."""

    def __init__(self, core: BridgeCore, robot: SimulatedRobot) -> None:
        self.core, self.robot = core, robot
        self._start_scene = None

    def Reset(self, request, context):
        core = self.core
        with core.motion_lock:
            if core.estop.engaged:
                return _abort(
                    context,
                    Refusal(grpc.StatusCode.FAILED_PRECONDITION, "estopped", core.estop.refusal()),
                )
            obs = self.robot.reset(request.seed)
            scene = self.robot.scene()
            self._start_scene = scene
        log.info("sim.reset", seed=request.seed)
        return sim_pb.ResetResponse(
            scene=messages.scene_to_proto(scene),
            observation=messages.observation_to_proto(obs, types_pb.IMAGE_ENCODING_RAW),
        )

    def GetScene(self, request, context):
        return messages.scene_to_proto(self.robot.scene())

    def MarkSkillStart(self, request, context):
        self._start_scene = self.robot.scene()
        return sim_pb.MarkSkillStartResponse(scene=messages.scene_to_proto(self._start_scene))

    def CheckSkill(self, request, context):
        from robot_bridge.sim.predicates import is_success
        from skills.library import SkillCall, SkillError, validate_call

        scene = self.robot.scene()
        start = self._start_scene or scene
        try:
            call = validate_call(
                SkillCall(skill=request.skill, args=dict(request.args)), scene.object_ids()
            )
        except SkillError as exc:
            return _abort(
                context, Refusal(grpc.StatusCode.INVALID_ARGUMENT, "invalid-argument", str(exc))
            )
        return sim_pb.CheckSkillResponse(
            success=is_success(call, scene, start),
            scene=messages.scene_to_proto(scene),
            start_scene=messages.scene_to_proto(start),
        )


class BridgeServer:
    """A running bridge. Use as a context manager, or `start()` / `stop()`."""

    def __init__(self, robot: Robot, config: ServerConfig | None = None) -> None:
        self.config = config = config or ServerConfig()
        has_tls, has_token = config.tls is not None, bool(config.token)
        check_bind_policy(config.host, tls=has_tls, token=has_token, insecure=config.insecure)
        credentials = server_credentials(config.tls) if config.tls else None  # fail before binding
        self.core = BridgeCore(robot, config.heartbeat_timeout_s)
        self._server = grpc.server(
            ThreadPoolExecutor(max_workers=config.max_workers, thread_name_prefix="bridge"),
            interceptors=[TokenAuthInterceptor(config.token)] if config.token else [],
            maximum_concurrent_rpcs=config.max_workers,
            options=[
                ("grpc.so_reuseport", 0),  # a port already in use must fail, not be shared
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        pb_grpc.add_RobotBridgeServicer_to_server(RobotBridgeServicer(self.core), self._server)
        services = [ROBOT_BRIDGE_SERVICE]
        if isinstance(robot, SimulatedRobot):
            sim_grpc.add_SimControlServicer_to_server(
                SimControlServicer(self.core, robot), self._server
            )
            services.append(SIM_CONTROL_SERVICE)
        self.health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        for handler in config.extra_handlers:
            self._server.add_generic_rpc_handlers((handler,))
        for name in ("", *services):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        reflection.enable_server_reflection(
            (*services, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server
        )
        self.services = tuple(services)
        target = f"{config.host}:{config.port}"
        if ":" in config.host and not config.host.startswith("["):
            target = f"[{config.host}]:{config.port}"
        try:
            if credentials is not None:
                self.port = self._server.add_secure_port(target, credentials)
            else:
                self.port = self._server.add_insecure_port(target)
        except RuntimeError as exc:
            self.port = 0
            bind_error: Exception | None = exc
        else:
            bind_error = None
        if not self.port:
            self.core.close()
            raise OSError(
                f"cannot listen on {target}: the port may be in use or the address is not one of "
                f"this machine's ({bind_error or 'bind failed'}); choose another --port or --host"
            )
        self.address = f"{'localhost' if config.host == '127.0.0.1' else config.host}:{self.port}"
        self._started = False

    def start(self) -> BridgeServer:
        self._server.start()
        self._started = True
        log.info(
            "bridge.started",
            address=f"{self.config.host}:{self.port}",
            robot=self.core.info.robot_id,
            services=list(self.services),
            tls=self.config.tls is not None,
            token=bool(self.config.token),
        )
        return self

    def stop(self, grace: float | None = 0.5) -> None:
        self.health.enter_graceful_shutdown()
        self.core.close()
        self._server.stop(grace).wait()
        if self._started:
            log.info("bridge.stopped", address=f"{self.config.host}:{self.port}")
        self._started = False

    def wait(self) -> None:
        self._server.wait_for_termination()

    def __enter__(self) -> BridgeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
