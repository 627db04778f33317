"""Serve the console with uvicorn: the bind policy first, then the app on a socket we bound."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from robot_bridge.security import check_bind_policy, read_pem

EXECUTORS = ("scripted", "worldmodel", "policy", "random")


def serve(
    fleet_path: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    insecure: bool = False,
    executor: str = "scripted",
    runs: Path = Path("runs/console"),
    camera_hz: float = 8.0,
    on_ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Run the console until interrupted. Raises FleetError / SecurityConfigError / OSError /
    ValueError with a message for the user before anything starts."""
    import uvicorn

    from console.app import MAX_WS_MESSAGE_BYTES, Console, create_app
    from console.fleet import read_fleet

    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("TLS needs both --tls-cert and --tls-key")
    tls = tls_cert is not None
    check_bind_policy(host, tls=tls, token=bool(token), insecure=insecure)
    if tls:
        read_pem(tls_cert, "TLS certificate")
        read_pem(tls_key, "TLS key")
    fleet = read_fleet(fleet_path)
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound = sock.getsockname()[1]
    console = Console(fleet, executor, runs, camera_hz)
    app = create_app(console, token=token, secure_cookie=tls, host=host)
    config = uvicorn.Config(
        app,
        ssl_certfile=str(tls_cert) if tls else None,
        ssl_keyfile=str(tls_key) if tls else None,
        ws_max_size=MAX_WS_MESSAGE_BYTES,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if family == socket.AF_INET6 else host

    async def _serve() -> None:
        import asyncio

        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            on_ready(f"{scheme}://{shown}:{bound}/")
        await task

    import asyncio

    asyncio.run(_serve())
