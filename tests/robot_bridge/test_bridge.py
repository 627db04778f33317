"""End-to-end tests of the bridge: a real gRPC server on a free loopback port, a real client."""

from __future__ import annotations

import threading
import time

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from robot_bridge.client import (
    ControlError,
    InvalidRequestError,
    RobotClient,
    RobotStoppedError,
    RobotUnavailableError,
)
from robot_bridge.robot import ActionSpec, CameraCalibration, CameraSpec
from robot_bridge.sim import layout as L
from robot_bridge.sim.experts import expert_actions
from robot_bridge.sim_robot import SimRobot
from robot_bridge.testing import CountingRobot, NullRobot, start_server
from skills.library import SkillCall

STILL = [0.0, 0.0, 0.0, -1.0]


# ------------------------------------------------------------------------- info and observations
def test_info_describes_actions_and_cameras(client):
    info = client.info()
    assert info.robot_id == "sim-tabletop" and info.simulated
    assert info.action_spec.names == ("dx", "dy", "dz", "gripper")
    assert info.action_spec.low == (-1.0,) * 4 and info.action_spec.high == (1.0,) * 4
    assert info.action_spec.control_hz == 10.0
    assert info.action_spec.step_size == pytest.approx(L.MAX_STEP)  # what the simulator moves
    head = CameraCalibration(L.CAMERA_POS, L.CAMERA_TARGET, L.CAMERA_FOVY_DEG)
    assert info.cameras == (CameraSpec("head", 64, 64, 3, head),)
    msg = client.info_proto()
    assert msg.heartbeat_timeout_ms == 300
    assert msg.cameras[0].calibration.fovy_deg == L.CAMERA_FOVY_DEG  # on the wire, typed


def test_the_step_size_is_what_an_action_of_one_moves_the_hand(client):
    step = client.info().action_spec.step_size
    client.sim.reset(seed=3)
    start = client.observe().ee_pos
    with client.control("probe") as ctl:
        ctl.execute_chunk([[1.0, 0.0, 0.0, -1.0]] * 3)
    moved = client.observe().ee_pos - start
    assert moved[0] == pytest.approx(3 * step, abs=0.01) and abs(moved[1]) < 0.01


def test_a_robot_that_predates_step_size_and_calibration_reports_them_unset():
    """Old robots leave the new fields unset; clients read 0 (not reported) and None."""
    server = start_server(NullRobot())
    try:
        with RobotClient(server.address) as client:
            info, msg = client.info(), client.info_proto()
        assert info.action_spec.step_size == 0.0 and info.cameras[0].calibration is None
        assert not msg.cameras[0].HasField("calibration")
    finally:
        server.stop(grace=0)


def test_invalid_calibrations_are_refused_with_what_is_valid():
    with pytest.raises(ValueError, match=r"fovy_deg must lie in \(0, 180\)"):
        CameraCalibration((0, 0, 1), (0, 1, 0), 0.0)
    with pytest.raises(ValueError, match="other than the camera position"):
        CameraCalibration((0, 0, 1), (0, 0, 1), 50.0)
    with pytest.raises(ValueError, match="straight up or down"):
        CameraCalibration((0, 0, 1), (0, 0, 0), 50.0)
    with pytest.raises(ValueError, match="step_size must be a finite number"):
        ActionSpec(("dx",), (-1.0,), (1.0,), control_hz=10.0, step_size=-0.1)


def test_observation_round_trip_is_exact(client, robot):
    local = robot.observe()
    for encoding in ("raw", "png"):
        obs = client.observe(encoding=encoding)
        assert obs.image.shape == (64, 64, 3) and obs.image.dtype == np.uint8
        np.testing.assert_array_equal(obs.image, local.image)  # raw and PNG are lossless
        np.testing.assert_allclose(obs.ee_pos, local.ee_pos, atol=1e-6)
        assert obs.objects.keys() == local.objects.keys()
        assert obs.object_states == local.object_states and set(obs.object_states) == {
            "drawer",
            "light",
        }
        # every seen block with where perception sees it: the agent's only source for that
        blocks = {k for k in local.objects if k.endswith("_block")}
        assert obs.placements == local.placements and set(obs.placements) == blocks
        assert all(p.split(" ", 1)[0] in ("on", "in") for p in obs.placements.values())
        assert obs.gripper == pytest.approx(local.gripper)
    jpeg = client.observe(encoding="jpeg")
    assert jpeg.image.shape == (64, 64, 3)
    assert np.abs(jpeg.image.astype(int) - local.image).mean() < 12
    with pytest.raises(InvalidRequestError, match="valid: raw, png, jpeg"):
        client.observe(encoding="gif")


def test_stream_observations_at_requested_rate(client):
    started = time.monotonic()
    frames = list(client.stream_observations(rate_hz=50, max_count=10))
    elapsed = time.monotonic() - started
    assert len(frames) == 10 and all(f.image.shape == (64, 64, 3) for f in frames)
    assert elapsed >= 9 / 50 * 0.9  # paced, not as fast as possible
    with pytest.raises(InvalidRequestError, match=r"rate_hz must be in \(0, 1000\]"):
        list(client.stream_observations(rate_hz=0, max_count=1))


# ----------------------------------------------------------------------------- chunks
def test_chunk_moves_the_robot_and_reports_clipping(client, robot):
    before = client.observe().ee_pos
    with client.control("test") as ctl:
        result = ctl.execute_chunk([[1.0, 0, 0, -1]] * 3 + [[2.5, 0, 0, -1]])
    assert result.completed and result.steps_executed == 4 and not result.duplicate
    assert result.clipped.tolist() == [False, False, False, True]
    np.testing.assert_allclose(result.applied[-1], [1.0, 0, 0, -1])
    assert robot.applied[-1][0] == 1.0  # the robot only ever saw the clipped action
    assert client.observe().ee_pos[0] > before[0] + 0.03


def test_resending_a_chunk_id_never_moves_the_robot_twice(client, robot):
    with client.control("test") as ctl:
        first = ctl.execute_chunk([[0.5, 0, 0, -1]] * 3, chunk_id="chunk-a")
        n = len(robot.applied)
        again = ctl.execute_chunk([[0.5, 0, 0, -1]] * 3, chunk_id="chunk-a")
        assert len(robot.applied) == n
        assert again.duplicate and not first.duplicate
        np.testing.assert_array_equal(again.applied, first.applied)
        with pytest.raises(InvalidRequestError, match="already used for different actions"):
            ctl.execute_chunk([[-0.5, 0, 0, -1]], chunk_id="chunk-a")
        # Concurrent retries of one new chunk: exactly one of them moves the robot.
        n = len(robot.applied)
        results = []
        threads = [
            threading.Thread(
                target=lambda: results.append(ctl.execute_chunk([STILL] * 2, chunk_id="chunk-b"))
            )
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(robot.applied) == n + 2
    assert sorted(r.duplicate for r in results) == [False, True, True, True]


@pytest.mark.parametrize(
    "actions, message",
    [
        ([[0.1, 0.2, 0.3]], r"action 0 has 3 values; each action has 4 \(dx, dy, dz, gripper\)"),
        ([STILL, [0, 0, float("nan"), 0]], r"action 1 is not finite \(dz=nan\)"),
        ([[float("inf"), 0, 0, 0]], r"action 0 is not finite \(dx=inf\)"),
        ([STILL] * 101, r"a chunk holds 1-100 actions; got 101"),
        ([], r"a chunk holds 1-100 actions; got 0"),
        ([STILL, [0.0, 0.0]], r"action 1 has 2 values"),
        ([["left", 0, 0, 0]], r"actions must be numbers shaped \(steps, dim\)"),
    ],
)
def test_invalid_chunks_are_refused_and_nothing_moves(client, robot, actions, message):
    n = len(robot.applied)
    with client.control("test") as ctl:
        with pytest.raises(InvalidRequestError, match=message):
            ctl.execute_chunk(actions)
    assert len(robot.applied) == n


def test_motion_needs_the_control_session(client, robot, server):
    from robot_bridge._generated.reverie.robot.v1 import robot_bridge_pb2 as pb
    from robot_bridge._generated.reverie.robot.v1 import types_pb2

    n = len(robot.applied)
    request = pb.ExecuteChunkRequest(chunk_id="x1", actions=[types_pb2.Action(values=STILL)])
    with pytest.raises(ControlError, match="motion needs a control session"):
        client.call("ExecuteChunk", client._stub.ExecuteChunk, request)
    with client.control("holder"):
        request.session_id = "forged"
        with pytest.raises(ControlError, match="controlled by 'holder'"):
            client.call("ExecuteChunk", client._stub.ExecuteChunk, request)
    assert len(robot.applied) == n


def test_second_controller_is_refused_until_the_first_releases(server):
    with RobotClient(server.address) as a, RobotClient(server.address) as b:
        first = a.control("agent-1")
        with pytest.raises(
            ControlError, match="controlled by 'agent-1'.*releases it or its heartb"
        ):
            b.control("agent-2")
        first.release()
        with b.control("agent-2") as second:
            assert second.execute_chunk([STILL]).completed
        with pytest.raises(ControlError, match="control session is closed"):
            first.execute_chunk([STILL])


# ----------------------------------------------------------------------------- watchdog and e-stop
def test_heartbeat_lapse_stops_the_robot_and_frees_control(client, robot, server):
    stops = robot.stops
    ctl = client.control("forgetful")
    ctl.execute_chunk([STILL])
    ctl._silence()
    time.sleep(0.6)
    assert robot.stops > stops  # the watchdog stopped the robot
    assert server.core.lease.current is None
    n = len(robot.applied)
    with pytest.raises(ControlError, match=r"no heartbeat for \d+ ms \(limit 300 ms\)"):
        ctl.execute_chunk([STILL])
    assert len(robot.applied) == n
    with client.control("next") as other:  # control is free again
        assert other.execute_chunk([STILL]).completed
    ctl.release()


def test_estop_latches_until_cleared(client, robot):
    with client.control("test") as ctl:
        assert client.stop("operator pressed stop") is False
        assert client.stop("again") is True  # already latched
        n = len(robot.applied)
        for _ in range(2):
            with pytest.raises(RobotStoppedError, match="'operator pressed stop'.*ClearStop"):
                ctl.execute_chunk([STILL])
        with pytest.raises(RobotStoppedError):
            client.sim.reset(1)
        assert len(robot.applied) == n
        assert client.clear_stop() is True
        assert ctl.execute_chunk([STILL]).completed


@pytest.fixture(scope="module")
def realtime_server():
    robot = CountingRobot(image_size=32, seed=1, realtime=True)
    server = start_server(robot)
    yield server, robot
    server.stop(grace=0)
    robot.close()


def test_estop_aborts_a_running_chunk(realtime_server):
    server, robot = realtime_server
    with RobotClient(server.address) as client, client.control("test") as ctl:
        stopper = threading.Timer(0.25, lambda: client.stop("mid-chunk"))
        stopper.start()
        started = time.monotonic()
        result = ctl.execute_chunk([STILL] * 30)  # 3 s at 10 Hz
        stopper.join()  # its Stop call must return before the channel closes
        assert result.status == "aborted_estop" and "mid-chunk" in result.message
        assert 1 <= result.steps_executed < 15 and time.monotonic() - started < 2.0
        client.clear_stop()


def test_heartbeat_lapse_aborts_a_running_chunk(realtime_server):
    server, robot = realtime_server
    with RobotClient(server.address) as client:
        ctl = client.control("test")
        threading.Timer(0.2, ctl._silence).start()
        started = time.monotonic()
        result = ctl.execute_chunk([STILL] * 30)
        assert result.status == "aborted_control_lost" and "no heartbeat" in result.message
        assert result.steps_executed < 15 and time.monotonic() - started < 2.0
        ctl.release()


# ----------------------------------------------------------------------------- availability
def test_robot_that_disappears_gives_a_clear_error_within_the_deadline():
    robot = SimRobot(image_size=32)
    server = start_server(robot)
    client = RobotClient(server.address, timeout=1.0)
    assert client.observe().image.shape == (32, 32, 3)
    ctl = client.control("test")
    server.stop(grace=0)
    robot.close()
    started = time.monotonic()
    with pytest.raises(RobotUnavailableError, match="did not answer GetObservation within 1 s"):
        client.observe()
    assert time.monotonic() - started < 1.5
    started = time.monotonic()
    with pytest.raises((RobotUnavailableError, ControlError)):
        ctl.execute_chunk([STILL], timeout=1.0)
    assert time.monotonic() - started < 1.5
    client.close()


def test_idempotent_calls_are_retried_until_the_robot_comes_up():
    port = _free_port()
    robot = SimRobot(image_size=32)
    late = threading.Timer(0.4, lambda: servers.append(start_server(robot, port)))
    servers = []
    with RobotClient(f"127.0.0.1:{port}", timeout=5.0) as client:
        late.start()
        started = time.monotonic()
        assert client.info().robot_id == "sim-tabletop"  # UNAVAILABLE at first, then retried
        assert 0.3 < time.monotonic() - started < 3.0
    late.join()
    servers[0].stop(grace=0)
    robot.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_fails_fast():
    with RobotClient("127.0.0.1:1", timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(RobotUnavailableError, match="reverie bridge serve"):
            client.info()
        with pytest.raises(RobotUnavailableError):
            client.control("test", timeout=0.5)
        assert time.monotonic() - started < 2.0


def test_health_and_reflection(server):
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    channel = grpc.insecure_channel(server.address)
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "reverie.robot.v1.RobotBridge", "reverie.robot.v1.SimControl"):
        status = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {"reverie.robot.v1.RobotBridge", "reverie.robot.v1.SimControl"} <= services
    assert "grpc.health.v1.Health" in services
    channel.close()


# ----------------------------------------------------------------------------- SimControl
def test_sim_control_reset_scene_and_skill_check(client, robot):
    scene, obs = client.sim.reset(5)
    assert scene.seed == 5 and obs.image.shape == (64, 64, 3)
    assert client.sim.scene() == scene
    with pytest.raises(InvalidRequestError, match="unknown skill 'fly'; valid skills: pick_place"):
        client.sim.check_skill("fly")
    with pytest.raises(InvalidRequestError, match="valid object ids"):
        client.sim.check_skill("pick_place", {"object": "purple_block", "target": "bowl"})
    assert not client.sim.check_skill("press_button").success
    # Drive the scripted expert through the bridge, one action per chunk.
    start = client.sim.mark_skill_start()
    experts = robot.call(lambda sim: expert_actions(sim, SkillCall(skill="press_button")))
    with client.control("expert") as ctl:
        while (action := robot.call(lambda sim: next(experts, None))) is not None:
            ctl.execute_chunk([action])
    check = client.sim.check_skill("press_button")
    assert check.success and check.start_scene == start
    assert check.scene.light_on != start.light_on


def test_a_non_simulated_robot_gets_no_sim_control():
    robot = NullRobot()
    server = start_server(robot)
    try:
        with RobotClient(server.address) as client:
            assert client.info().action_spec.names == ("joint",)
            assert client.observe().images["wrist"].shape == (4, 6, 3)
            with client.control() as ctl:
                result = ctl.execute_chunk([[0.9], [-0.1]])
            assert result.clipped.tolist() == [True, False]
            assert [float(a[0]) for a in robot.actions] == [0.5, pytest.approx(-0.1)]
            with pytest.raises(Exception, match="UNIMPLEMENTED"):
                client.sim.scene()
            assert client.health("reverie.robot.v1.RobotBridge") == "SERVING"
    finally:
        server.stop(grace=0)
