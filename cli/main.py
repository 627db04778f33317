"""The `reverie` command line: the app, its command groups, and `main()`.

Every group's module imports only typer at the top; heavy modules (torch, mujoco, grpc) are
imported inside the commands, so `reverie --help` is fast.
"""

from __future__ import annotations

import os
import sys

import typer

from cli import chores, data, voice
from cli.bridge import bridge_app
from cli.console import console, fleet_app
from cli.evals import eval_app
from cli.train import train_app
from cli.wm import wm_app

os.environ.setdefault("MUJOCO_GL", "egl")
# OpenMP threads that spin while waiting collapsed training steps 10-30x when another process
# shared the 2 cores (measured); a passive wait costs nothing when the CPU is free.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

app = typer.Typer(
    help="Reverie: an orchestration agent for household robots.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# commands in the order `reverie --help` lists them
app.command("transcribe")(voice.transcribe)
app.command("listen")(voice.listen)
app.command("scene")(chores.scene)
app.command("plan")(chores.plan)
app.command("do")(chores.do)
app.command("resume")(chores.resume)
app.command("datagen")(data.datagen)
app.command("record-rollouts")(data.record_rollouts)
app.command("record-takeovers")(data.record_takeovers)
app.command("demo")(chores.demo)
app.command("console")(console)
app.add_typer(fleet_app, name="fleet")
app.add_typer(eval_app, name="eval")
app.add_typer(bridge_app, name="bridge")
app.add_typer(train_app, name="train")
app.add_typer(wm_app, name="wm")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.secho("interrupted; re-run the same command to continue where it stopped", err=True)
        sys.exit(130)
