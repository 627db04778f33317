"""What several command groups share: errors and exit codes, options, progress bars, quiet logs.

Only typer is imported here; everything heavy is imported inside the helpers that need it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

# options used by more than one group
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
RobotOption = Annotated[
    str | None, typer.Option(help="Robot bridge address (default: the embedded simulator).")
]
SimSeedOption = Annotated[int, typer.Option(help="Scene seed of the embedded simulator.")]
ExecutorOption = Annotated[
    str,
    typer.Option(help="worldmodel (imagine, invert), policy, scripted (oracle) or random (floor)."),
]
RolloutsOption = Annotated[int, typer.Option(help="Futures imagined per chunk.")]
PlannerOption = Annotated[
    str, typer.Option(help="local (no model) or llm (REVERIE_LLM_* endpoint).")
]
JudgeOption = Annotated[str, typer.Option(help="local (learned) or vlm (REVERIE_LLM_* endpoint).")]
RunsOption = Annotated[Path, typer.Option(help="Where run directories go.")]
ReplansOption = Annotated[int, typer.Option(help="Replans allowed per chore.")]
DataOption = Annotated[
    Path,
    typer.Option("--data", help="Folder `reverie datagen --out` wrote (train/, test/, holdout/)."),
]
PositionNoiseOption = Annotated[
    float | None,
    typer.Option(
        help="The simulated robot's perception error on reported positions: metres, standard "
        "deviation per axis; 0 reports exact positions. [default: 0.003]"
    ),
]
# a server's bind and security options (`bridge serve`, `console`): the same rules for both
HostOption = Annotated[str, typer.Option(help="Address to bind; loopback by default.")]
PortOption = Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port.")]
TlsCertOption = Annotated[Path | None, typer.Option(help="PEM server certificate.")]
TlsKeyOption = Annotated[Path | None, typer.Option(help="PEM server private key.")]
InsecureOption = Annotated[
    bool, typer.Option("--insecure", help="Allow a non-loopback bind without TLS and token.")
]
MAX_ROLLOUTS = 64


def fail(message: str, code: int = 2) -> None:
    """Print `error: message` in red on stderr and exit with `code` (2: bad input)."""
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def check_seed(seed: int) -> None:
    if seed < 0:
        fail(f"--seed must be >= 0; got {seed}")


def check_rollouts(rollouts: int) -> None:
    if rollouts < 1 or rollouts > MAX_ROLLOUTS:
        fail(f"--rollouts must be between 1 and {MAX_ROLLOUTS}; got {rollouts}")


def check_position_noise(value: float | None) -> float:
    """--position-noise as metres (None: the default), or a clear error."""
    from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE, check_position_noise

    if value is None:
        return DEFAULT_POSITION_NOISE
    try:
        return check_position_noise(value, "--position-noise")
    except ValueError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


def check_at_least(flag: str, value: int, low: int) -> None:
    if value < low:
        fail(f"{flag} must be >= {low}; got {value}")


def user_errors() -> tuple[type[Exception], ...]:
    """Errors a user can act on: reported as `error: ...` with exit code 2, not a traceback."""
    from robot_bridge.client import BridgeError
    from robot_bridge.sim.tabletop import InvalidActionError
    from skills.library import SkillError
    from worldmodel.data.lerobot_v3 import DatasetError

    # worldmodel.checkpoint.CheckpointError is a ValueError too (not imported: it loads torch)
    return (
        SkillError,
        DatasetError,
        InvalidActionError,
        BridgeError,
        ValueError,
        FileNotFoundError,
    )


def progress(*columns):
    """A rich progress bar on stderr (stdout stays for results); `columns` go before the ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *columns,
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


def quiet_logs() -> None:
    """Library logs (e.g. the embedded bridge) go to stderr, warnings and errors only: stdout is
    for results and JSON."""
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
