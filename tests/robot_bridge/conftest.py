"""Fixtures for the robot bridge tests: real servers on free loopback ports, clients, TLS files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from robot_bridge.client import RobotClient
from robot_bridge.server import BridgeServer
from robot_bridge.testing import CountingRobot, start_server


@pytest.fixture(scope="module")
def robot() -> Iterator[CountingRobot]:
    r = CountingRobot(image_size=64, seed=3)
    yield r
    r.close()


@pytest.fixture(scope="module")
def server(robot) -> Iterator[BridgeServer]:
    s = start_server(robot)
    yield s
    s.stop(grace=0)


@pytest.fixture()
def client(server) -> Iterator[RobotClient]:
    """A client on a clean server: no e-stop, nobody in control."""
    server.core.estop.clear()
    with RobotClient(server.address, timeout=3.0) as c:
        yield c
    server.core.estop.clear()


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory) -> Path:
    """A throwaway CA, a server certificate for localhost/127.0.0.1, and a client certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=reverie-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    for name, san in (("server", "DNS:localhost,IP:127.0.0.1"), ("client", "DNS:reverie-client")):
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        run("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"]
        run("x509", "-req", "-in", f"{name}.csr", *sign, "-out", f"{name}.pem",
            "-extfile", f"{name}.ext")  # fmt: skip
    return d
