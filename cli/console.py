"""`reverie fleet up|down` and `reverie console`: a fleet of robots and the operator's web console.

Heavy modules (uvicorn, grpc, mujoco) are imported inside the commands so `reverie --help` is fast.
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
    TlsCertOption,
    TlsKeyOption,
    fail,
    quiet_logs,
)

FleetOption = Annotated[
    Path, typer.Option("--fleet", help='The fleet file (JSON: {"robots": [{id, address}]}).')
]
DEFAULT_FLEET = Path("runs/fleet.json")

fleet_app = typer.Typer(
    help="Fleets of robots for the console: start or stop embedded simulated ones.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@fleet_app.command()
def up(
    robots: Annotated[int, typer.Option("--robots", min=1, max=64, help="How many robots.")],
    seed: Annotated[
        int, typer.Option(min=0, help="Scene seed of the first robot; robot i gets seed + i.")
    ] = 0,
    fleet: FleetOption = DEFAULT_FLEET,
    image_size: Annotated[int, typer.Option(min=16, max=512, help="Camera pixels.")] = 64,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the fleet file on stdout.")
    ] = False,
) -> None:
    """Start N simulated robots, each its own bridge server process on a free loopback port."""
    from console.fleet import FleetError, fleet_up

    try:
        started = fleet_up(robots, fleet, seed=seed, image_size=image_size)
    except FleetError as exc:
        fail(str(exc), code=1)
    if as_json:
        typer.echo(json.dumps(started.model_dump(exclude_none=True), indent=2))
        return
    for robot in started.robots:
        typer.echo(f"{robot.id} at {robot.address} (seed {robot.seed}, pid {robot.pid})")
    typer.echo(f"fleet file: {fleet}; stop with `reverie fleet down --fleet {fleet}`", err=True)


@fleet_app.command()
def down(fleet: FleetOption = DEFAULT_FLEET) -> None:
    """Stop the robots `fleet up` started and remove the fleet file."""
    from console.fleet import FleetError, fleet_down

    try:
        stopped = fleet_down(fleet)
    except FleetError as exc:
        fail(str(exc))
    typer.echo(f"stopped {len(stopped)} robots: {', '.join(stopped) or 'none were running'}")


def console(
    fleet: FleetOption = DEFAULT_FLEET,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8765,
    token_file: Annotated[
        Path | None, typer.Option(help="File holding the operator token every request must send.")
    ] = None,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
    insecure: InsecureOption = False,
    executor: Annotated[
        str,
        typer.Option(
            help="scripted (oracle over a mirror of each simulated robot; fast), worldmodel, "
            "policy or random."
        ),
    ] = "scripted",
    runs: Annotated[Path, typer.Option(help="Where each robot's chores are recorded.")] = Path(
        "runs/console"
    ),
    camera_hz: Annotated[
        float, typer.Option(min=1.0, max=30.0, help="Camera frames per second per robot.")
    ] = 8.0,
) -> None:
    """Serve the operator console: the page at /, its API (OpenAPI at /openapi.json), one agent
    per robot of the fleet."""
    from console.fleet import FleetError
    from console.server import serve
    from robot_bridge.security import SecurityConfigError, read_token

    quiet_logs()
    try:
        token = read_token(token_file) if token_file else None
        serve(
            fleet,
            host=host,
            port=port,
            token=token,
            tls_cert=tls_cert,
            tls_key=tls_key,
            insecure=insecure,
            executor=executor,
            runs=runs,
            camera_hz=camera_hz,
            on_ready=lambda url: typer.echo(f"console at {url} (Ctrl-C to stop)", err=True),
        )
    except (FleetError, SecurityConfigError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(str(exc), code=1)
