"""`reverie bridge serve` and `reverie bridge info`: serve a robot over gRPC, or inspect one.

Heavy modules (grpc, mujoco) are imported inside the commands so `reverie --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    HostOption,
    InsecureOption,
    PortOption,
    PositionNoiseOption,
    TlsCertOption,
    TlsKeyOption,
    check_position_noise,
    fail,
)

bridge_app = typer.Typer(
    help="The gRPC robot bridge: serve a robot, or inspect a running one.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@bridge_app.command()
def serve(
    sim: Annotated[bool, typer.Option("--sim", help="Serve the simulated tabletop.")] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 50051,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
    tls_client_ca: Annotated[
        Path | None, typer.Option(help="PEM CA: require client certificates signed by it.")
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="File holding the bearer token clients must send.")
    ] = None,
    insecure: InsecureOption = False,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Pace simulated actions at the control rate.")
    ] = False,
    seed: Annotated[int, typer.Option(min=0, help="Scene seed of the simulator.")] = 0,
    image_size: Annotated[int, typer.Option(min=16, max=512, help="Camera pixels.")] = 128,
    position_noise: PositionNoiseOption = None,
    heartbeat_timeout: Annotated[
        float,
        typer.Option(
            min=0.05,
            max=60.0,
            help="Seconds without a heartbeat before the robot holds and control ends.",
        ),
    ] = 0.3,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines.")] = False,
) -> None:
    """Serve a robot over gRPC (RobotBridge, SimControl, health, reflection) until Ctrl-C."""
    from robot_bridge.security import SecurityConfigError, TlsFiles, check_bind_policy, read_token

    if not sim:
        fail(
            "only the simulated robot is built in: pass --sim. To serve a real robot, implement "
            "robot_bridge.robot.Robot and run it with robot_bridge.server.BridgeServer (docs/bridge.md)."
        )
    if (tls_cert is None) != (tls_key is None):
        fail("TLS needs both --tls-cert and --tls-key")
    if tls_client_ca is not None and tls_cert is None:
        fail("--tls-client-ca needs --tls-cert and --tls-key as well")
    tls = TlsFiles(tls_cert, tls_key, tls_client_ca) if tls_cert else None
    noise = check_position_noise(position_noise)
    try:
        token = read_token(token_file) if token_file else None
        check_bind_policy(host, tls=tls is not None, token=bool(token), insecure=insecure)
    except SecurityConfigError as exc:
        fail(str(exc))
    _configure_logging(log_json)

    from robot_bridge.server import BridgeServer, ServerConfig
    from robot_bridge.sim_robot import SimRobot

    robot = SimRobot(image_size=image_size, seed=seed, realtime=realtime, position_noise=noise)
    config = ServerConfig(
        host=host,
        port=port,
        tls=tls,
        token=token,
        insecure=insecure,
        heartbeat_timeout_s=heartbeat_timeout,
    )
    try:
        server = BridgeServer(robot, config)
    except SecurityConfigError as exc:
        robot.close()
        fail(str(exc))
    except OSError as exc:
        robot.close()
        fail(str(exc), code=1)
    server.start()
    typer.echo(f"serving {robot.robot_id} on {host}:{server.port} (Ctrl-C to stop)", err=True)
    import signal

    def _terminate(*_) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the server as Ctrl-C does

    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop(grace=1.0)
        robot.close()


@bridge_app.command()
def info(
    address: Annotated[str, typer.Argument(help="HOST:PORT of a running bridge.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    token_file: Annotated[Path | None, typer.Option(help="File holding the bearer token.")] = None,
    tls_ca: Annotated[
        Path | None, typer.Option(help="PEM CA that signed the server certificate (enables TLS).")
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM client certificate (mTLS).")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM client key (mTLS).")] = None,
    tls: Annotated[bool, typer.Option("--tls", help="Use TLS with the system CAs.")] = False,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the robot.")] = 5.0,
) -> None:
    """Describe a running robot: id, action spec, cameras, health and services."""
    from google.protobuf.json_format import MessageToDict

    from robot_bridge.client import BridgeError, RobotClient
    from robot_bridge.security import SecurityConfigError, TlsFiles, read_token

    try:
        token = read_token(token_file) if token_file else None
        use_tls = tls or tls_ca is not None or tls_cert is not None
        tls_files = TlsFiles(tls_cert, tls_key, tls_ca) if use_tls else None
        with RobotClient(address, token=token, tls=tls_files, timeout=timeout) as client:
            msg = client.info_proto()
            health = client.health()
    except (BridgeError, SecurityConfigError) as exc:
        fail(str(exc), code=1)
    data = MessageToDict(
        msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    data["address"], data["health"] = address, health
    if json_out:
        typer.echo(json.dumps(data, indent=2))
        return
    _print_info(data)


def _print_info(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    spec = data["action_spec"]
    console = Console()
    kind = "simulated" if data.get("simulated") else "real"
    console.print(
        f"[bold]{data['robot_id']}[/bold] ({data['model']}, {kind}) at {data['address']}: "
        f"{data['health']}, api {data['api_version']}"
    )
    table = Table("action", "low", "high", title=f"actions at {spec['control_hz']:g} Hz")
    for name, lo, hi in zip(spec["names"], spec["low"], spec["high"], strict=True):
        table.add_row(name, f"{lo:g}", f"{hi:g}")
    console.print(table)
    step = spec.get("step_size") or 0
    console.print(
        f"chunks: up to {spec['max_chunk_steps']} actions; step size: "
        + (f"{step:g} m per unit action" if step else "not reported")
        + f"; heartbeat timeout: {data['heartbeat_timeout_ms']} ms"
    )
    for cam in data.get("cameras", []):
        size = f"{cam['width']}x{cam['height']}x{cam['channels']}"
        if (cal := cam.get("calibration")) is None:
            console.print(f"camera {cam['name']}: {size}, calibration not reported")
            continue
        console.print(
            f"camera {cam['name']}: {size}, at {_point(cal.get('position', {}))} looking at "
            f"{_point(cal.get('look_at', {}))}, vertical field of view {cal['fovy_deg']:g} deg"
        )


def _point(v: dict) -> str:
    return "({:g}, {:g}, {:g})".format(*(v.get(k, 0.0) for k in "xyz"))


def _configure_logging(json_lines: bool) -> None:
    import logging
    import sys

    import structlog

    renderer = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),  # stdout stays for data
    )
