"""Fuzzing every bridge method with malformed and random messages (hypothesis).

Properties: the server keeps answering (health stays SERVING), never fails with UNKNOWN (an unhandled
exception), answers malformed motion with INVALID_ARGUMENT, and the robot never moves on a refused
request. Seeds are fixed (derandomize) so CI runs the same thousands of cases every time.
"""

from __future__ import annotations

import math

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2_grpc as pb_grpc
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2 as sim_pb
from robot_bridge._generated.reverie.robot.v1 import sim_control_pb2_grpc as sim_grpc
from robot_bridge._generated.reverie.robot.v1 import types_pb2
from robot_bridge.client import RobotClient
from robot_bridge.testing import CountingRobot, start_server
from skills.library import SKILLS
from skills.vocabulary import BLOCKS

C = grpc.StatusCode
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
REAL_SESSION = "<the real session id>"
MAX_STEPS = 100


@pytest.fixture(scope="module")
def bridge():
    """A server, its counting robot, raw stubs, and a legitimate controller holding control."""
    robot = CountingRobot(image_size=32, seed=2)
    # A generous heartbeat timeout: this test is about input handling, and the fuzzer shares the
    # GIL with the owner's heartbeat thread (the watchdog has its own tests).
    server = start_server(robot, heartbeat_timeout_s=5.0)
    channel = grpc.insecure_channel(server.address)
    owner = RobotClient(server.address)
    session = owner.control("fuzz-owner")
    yield {
        "server": server,
        "robot": robot,
        "channel": channel,
        "stub": pb_grpc.RobotBridgeStub(channel),
        "sim": sim_grpc.SimControlStub(channel),
        "session": session,
    }
    session.release()
    owner.close()
    channel.close()
    server.stop(grace=0)
    robot.close()


@pytest.fixture(autouse=True)
def still_serving(bridge):
    yield
    bridge["server"].core.estop.clear()
    health = health_pb2_grpc.HealthStub(bridge["channel"])
    status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
    assert status == health_pb2.HealthCheckResponse.SERVING


def call(rpc, request, **kwargs):
    """(status code, response) of a unary call; never raises for a gRPC status."""
    try:
        return C.OK, rpc(request, timeout=5, **kwargs)
    except grpc.RpcError as exc:
        assert exc.code() != C.UNKNOWN, f"unhandled server exception: {exc.details()}"
        return exc.code(), None


# --------------------------------------------------------------------------------- strategies
floats = st.floats(width=32, allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 1.5, -7.0, 3.4e38, float("nan"), float("inf"), float("-inf")]
)
actions = st.lists(floats, min_size=0, max_size=6)
chunks = st.lists(actions, min_size=0, max_size=6) | st.lists(
    st.just([0.0, 0.0, 0.0, 0.0]), min_size=MAX_STEPS, max_size=MAX_STEPS + 3
)
chunk_ids = st.text(max_size=140) | st.uuids().map(str)
session_ids = st.sampled_from([REAL_SESSION, "", "0" * 32]) | st.text(max_size=40)


def chunk_is_valid(request: pb.ExecuteChunkRequest) -> bool:
    n = len(request.actions)
    cid = request.chunk_id
    return (
        1 <= len(cid) <= 128
        and cid.isprintable()
        and 1 <= n <= MAX_STEPS
        and all(len(a.values) == 4 and all(map(math.isfinite, a.values)) for a in request.actions)
    )


# --------------------------------------------------------------------------------- RobotBridge
@settings(FUZZ, max_examples=1500)
@given(chunk=chunks, chunk_id=chunk_ids, session_id=session_ids)
def test_fuzz_execute_chunk(bridge, chunk, chunk_id, session_id):
    robot = bridge["robot"]
    if session_id == REAL_SESSION:
        session_id = bridge["session"].session_id
    request = pb.ExecuteChunkRequest(
        session_id=session_id,
        chunk_id=chunk_id,
        actions=[types_pb2.Action(values=a) for a in chunk],
    )
    moved_before = len(robot.applied)
    code, resp = call(bridge["stub"].ExecuteChunk, request)
    moved = len(robot.applied) - moved_before
    if not chunk_is_valid(request):
        assert code == C.INVALID_ARGUMENT and moved == 0
    elif code != C.OK:
        assert code in (C.FAILED_PRECONDITION, C.ALREADY_EXISTS) and moved == 0
    else:
        assert moved == (0 if resp.duplicate else len(chunk))
        applied = np.array([a.values for a in resp.applied])
        assert np.all(np.isfinite(applied)) and np.all(np.abs(applied) <= 1.0)
        expected = np.clip(np.array([a.values for a in request.actions]), -1, 1)
        np.testing.assert_allclose(applied, expected, rtol=0, atol=1e-6)


@settings(FUZZ, max_examples=100)
@given(encoding=st.integers(-3, 8))
def test_fuzz_get_observation(bridge, encoding):
    code, resp = call(bridge["stub"].GetObservation, pb.GetObservationRequest(encoding=encoding))
    if encoding in types_pb2.ImageEncoding.values():
        assert code == C.OK and len(resp.images) == 1
    else:
        assert code == C.INVALID_ARGUMENT


@settings(FUZZ, max_examples=200)
@given(rate=st.floats(width=64), encoding=st.integers(0, 4))
def test_fuzz_stream_observations(bridge, rate, encoding):
    request = pb.StreamObservationsRequest(rate_hz=rate, max_count=1, encoding=encoding)
    try:
        frames = list(bridge["stub"].StreamObservations(request, timeout=5))
        code = C.OK
    except grpc.RpcError as exc:
        code, frames = exc.code(), []
    valid = math.isfinite(rate) and 0 < rate <= 1000 and encoding <= 3
    assert (code, len(frames)) == ((C.OK, 1) if valid else (C.INVALID_ARGUMENT, 0))


control_messages = st.one_of(
    st.builds(
        lambda n: pb.ControlRequest(acquire=pb.Acquire(client_name=n)), st.text(max_size=300)
    ),
    st.builds(
        lambda s: pb.ControlRequest(heartbeat=pb.Heartbeat(seq=s)), st.integers(0, 2**64 - 1)
    ),
    st.just(pb.ControlRequest(release=pb.Release())),
    st.just(pb.ControlRequest()),
)


@settings(FUZZ, max_examples=300)
@given(requests=st.lists(control_messages, max_size=5))
def test_fuzz_control_never_steals_control(bridge, requests):
    try:
        list(bridge["stub"].Control(iter(requests), timeout=5))
        code = C.OK
    except grpc.RpcError as exc:
        code = exc.code()
    first = requests[0].WhichOneof("kind") if requests else None
    assert code == (C.FAILED_PRECONDITION if first == "acquire" else C.INVALID_ARGUMENT)
    assert bridge["server"].core.lease.current.client_name == "fuzz-owner"


@settings(FUZZ, max_examples=200)
@given(reason=st.text(max_size=500), clear_first=st.booleans())
def test_fuzz_stop_and_clear(bridge, reason, clear_first):
    robot = bridge["robot"]
    if clear_first:
        assert call(bridge["stub"].ClearStop, pb.ClearStopRequest())[0] == C.OK
    assert call(bridge["stub"].Stop, pb.StopRequest(reason=reason))[0] == C.OK
    before = len(robot.applied)
    request = pb.ExecuteChunkRequest(
        session_id=bridge["session"].session_id,
        chunk_id=f"after-stop-{reason!r}"[:128],
        actions=[types_pb2.Action(values=[1, 1, 1, 1])],
    )
    assert call(bridge["stub"].ExecuteChunk, request)[0] == C.FAILED_PRECONDITION
    assert len(robot.applied) == before


# --------------------------------------------------------------------------------- SimControl
object_ids = st.sampled_from([*BLOCKS, "bowl", "bin", "drawer", "button", "table"]) | st.text(
    max_size=20
)
param_names = st.sampled_from(["object", "target", "base"]) | st.text(max_size=10)


@settings(FUZZ, max_examples=400)
@given(
    skill=st.sampled_from(sorted(SKILLS)) | st.text(max_size=30),
    args=st.dictionaries(param_names, object_ids, max_size=3),
)
def test_fuzz_check_skill(bridge, skill, args):
    code, resp = call(bridge["sim"].CheckSkill, sim_pb.CheckSkillRequest(skill=skill, args=args))
    assert code in (C.OK, C.INVALID_ARGUMENT)
    if skill not in SKILLS:
        assert code == C.INVALID_ARGUMENT


@settings(FUZZ, max_examples=8)
@given(seed=st.integers(0, 2**64 - 1))
def test_fuzz_reset(bridge, seed):
    code, resp = call(bridge["sim"].Reset, sim_pb.ResetRequest(seed=seed))
    assert code == C.OK and resp.scene.seed == seed
    assert call(bridge["sim"].GetScene, sim_pb.GetSceneRequest())[0] == C.OK
    assert call(bridge["sim"].MarkSkillStart, sim_pb.MarkSkillStartRequest())[0] == C.OK


# --------------------------------------------------------------------------------- raw bytes
UNARY = [
    "/reverie.robot.v1.RobotBridge/GetInfo",
    "/reverie.robot.v1.RobotBridge/GetObservation",
    "/reverie.robot.v1.RobotBridge/ExecuteChunk",
    "/reverie.robot.v1.RobotBridge/ClearStop",
    "/reverie.robot.v1.RobotBridge/Stop",
    "/reverie.robot.v1.SimControl/GetScene",
    "/reverie.robot.v1.SimControl/MarkSkillStart",
    "/reverie.robot.v1.SimControl/CheckSkill",
    "/grpc.health.v1.Health/Check",
    "/reverie.robot.v1.RobotBridge/NoSuchMethod",
]
ACCEPTABLE = {C.OK, C.INVALID_ARGUMENT, C.INTERNAL, C.FAILED_PRECONDITION, C.UNIMPLEMENTED}
ACCEPTABLE |= {C.ALREADY_EXISTS, C.NOT_FOUND}  # NOT_FOUND: health check of an unknown service


@settings(FUZZ, max_examples=1000)
@given(method=st.sampled_from(UNARY), payload=st.binary(max_size=300))
def test_fuzz_raw_bytes_unary(bridge, method, payload):
    """Arbitrary bytes, not necessarily a valid protobuf, to every unary method."""
    robot = bridge["robot"]
    before = len(robot.applied)
    rpc = bridge["channel"].unary_unary(method)  # no serializers: raw bytes on the wire
    code, _ = call(rpc, payload)
    assert code in ACCEPTABLE
    if code != C.OK:
        assert len(robot.applied) == before
    bridge["server"].core.estop.clear()


@settings(FUZZ, max_examples=150)
@given(
    method=st.sampled_from(["StreamObservations", "Control"]),
    payloads=st.lists(st.binary(max_size=100), min_size=1, max_size=3),
)
def test_fuzz_raw_bytes_streams(bridge, method, payloads):
    path = f"/reverie.robot.v1.RobotBridge/{method}"
    channel = bridge["channel"]
    try:
        if method == "Control":
            list(channel.stream_stream(path)(iter(payloads), timeout=5))
        else:
            for _ in channel.unary_stream(path)(payloads[0], timeout=5):
                break
        code = C.OK
    except grpc.RpcError as exc:
        code = exc.code()
    assert code in ACCEPTABLE | {C.CANCELLED}, code
    assert bridge["server"].core.lease.current.client_name == "fuzz-owner"
