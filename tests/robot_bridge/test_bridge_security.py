"""Bind policy, bearer tokens and TLS, against real servers on loopback."""

from __future__ import annotations

import grpc
import pytest

from robot_bridge.client import AuthenticationError, RobotClient, RobotUnavailableError
from robot_bridge.security import (
    SecurityConfigError,
    TlsFiles,
    check_bind_policy,
    is_loopback,
    read_token,
)
from robot_bridge.server import BridgeServer, ServerConfig
from robot_bridge.testing import start_server

TOKEN = "s3cret-token-for-tests"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)
    check_bind_policy(host, tls=False, token=False, insecure=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "robot.example.org"])
def test_exposed_hosts_need_tls_and_token_or_insecure(host):
    assert not is_loopback(host)
    with pytest.raises(SecurityConfigError, match=r"without TLS .* and a token .*--insecure"):
        check_bind_policy(host, tls=False, token=False, insecure=False)
    with pytest.raises(SecurityConfigError, match=r"without a token \(--token-file\)"):
        check_bind_policy(host, tls=True, token=False, insecure=False)
    with pytest.raises(SecurityConfigError, match=r"without TLS \(--tls-cert/--tls-key\)\."):
        check_bind_policy(host, tls=False, token=True, insecure=False)
    check_bind_policy(host, tls=True, token=True, insecure=False)
    check_bind_policy(host, tls=False, token=False, insecure=True)


def test_server_refuses_an_exposed_insecure_bind(robot):
    with pytest.raises(SecurityConfigError, match="refusing to bind 0.0.0.0"):
        BridgeServer(robot, ServerConfig(host="0.0.0.0", port=0))


def test_port_in_use_is_a_clear_error(server, robot):
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        BridgeServer(robot, ServerConfig(port=server.port))


def test_token_file_errors(tmp_path):
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SecurityConfigError, match="is empty"):
        read_token(tmp_path / "empty")
    with pytest.raises(SecurityConfigError, match="cannot read the token file"):
        read_token(tmp_path / "missing")
    (tmp_path / "ok").write_text(f"  {TOKEN}\n")
    assert read_token(tmp_path / "ok") == TOKEN


@pytest.fixture(scope="module")
def token_server(robot):
    server = start_server(robot, token=TOKEN)
    yield server
    server.stop(grace=0)


def test_token_is_checked_on_every_method(token_server):
    with RobotClient(token_server.address, timeout=2) as anonymous:
        with pytest.raises(AuthenticationError, match="missing bearer token"):
            anonymous.info()
        with pytest.raises(AuthenticationError, match="missing bearer token"):
            anonymous.stop("no token")
        with pytest.raises(AuthenticationError, match="missing bearer token"):
            anonymous.control("intruder")
        with pytest.raises(AuthenticationError, match="missing bearer token"):
            list(anonymous.stream_observations(rate_hz=10, max_count=1))
        with pytest.raises(AuthenticationError):
            anonymous.sim.scene()
        assert anonymous.health() == "SERVING"  # health stays open for probes
    assert not token_server.core.estop.engaged
    with RobotClient(token_server.address, token="wrong", timeout=2) as wrong:
        with pytest.raises(AuthenticationError, match="invalid bearer token"):
            wrong.observe()
    with RobotClient(token_server.address, token=TOKEN, timeout=2) as good:
        assert good.info().robot_id == "sim-tabletop"
        with good.control("owner") as ctl:
            assert ctl.execute_chunk([[0, 0, 0, -1]]).completed
        assert len(list(good.stream_observations(rate_hz=100, max_count=2))) == 2


def test_tls_round_trip_and_plaintext_refused(robot, tls_dir):
    tls = TlsFiles(tls_dir / "server.pem", tls_dir / "server.key")
    server = start_server(robot, tls=tls, token=TOKEN)
    try:
        address = f"localhost:{server.port}"
        with RobotClient(address, token=TOKEN, tls=TlsFiles(ca=tls_dir / "ca.pem")) as client:
            assert client.observe().image.shape == (64, 64, 3)
            with client.control("tls") as ctl:
                assert ctl.execute_chunk([[0, 0, 0, -1]]).completed
        with RobotClient(address, token=TOKEN, timeout=1) as plaintext:
            with pytest.raises(RobotUnavailableError):
                plaintext.info()
        untrusted = TlsFiles(ca=tls_dir / "client.pem")  # not the CA that signed the server
        with RobotClient(address, token=TOKEN, tls=untrusted, timeout=1) as client:
            with pytest.raises(RobotUnavailableError):
                client.info()
    finally:
        server.stop(grace=0)


def test_mutual_tls_requires_a_client_certificate(robot, tls_dir):
    tls = TlsFiles(tls_dir / "server.pem", tls_dir / "server.key", ca=tls_dir / "ca.pem")
    server = start_server(robot, tls=tls)
    try:
        address = f"localhost:{server.port}"
        with RobotClient(address, tls=TlsFiles(ca=tls_dir / "ca.pem"), timeout=1) as no_cert:
            with pytest.raises((RobotUnavailableError, grpc.RpcError)):
                no_cert.info()
        client_tls = TlsFiles(tls_dir / "client.pem", tls_dir / "client.key", tls_dir / "ca.pem")
        with RobotClient(address, tls=client_tls) as client:
            assert client.health() == "SERVING"
            assert client.info().simulated
    finally:
        server.stop(grace=0)


def test_bad_tls_files_are_named(robot, tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    tls = TlsFiles(tmp_path / "cert.pem", tmp_path / "missing.key")
    with pytest.raises(SecurityConfigError, match="cert.pem is not PEM"):
        BridgeServer(robot, ServerConfig(port=0, tls=tls))
