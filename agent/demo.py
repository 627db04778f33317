"""`make demo`: a three-subtask chore end to end on the embedded simulated robot.

It uses the world-model executor when a world model is shipped in checkpoints/, and says so
and falls back to the scripted experts otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.run import do_chore
from worldmodel.files import DEFAULT_CHECKPOINTS

CHORE = "put the red block in the drawer and leave it closed"
WORLD_MODEL = DEFAULT_CHECKPOINTS / "wm" / "config.json"


def _first_seed() -> int:
    """The first scene with a red block and a closed drawer, so the chore has three subtasks."""
    from robot_bridge.sim.tabletop import TabletopSim

    probe = TabletopSim(camera=False)
    for seed in range(1000):
        probe.reset(seed)
        s = probe.scene()
        if "red_block" in s.blocks() and not s.drawer_open:
            return seed
    raise RuntimeError("no demo scene found")


def run_demo(
    runs: Path,
    seed: int | None = None,
    executor: str | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> dict:
    if executor is None:
        executor = "worldmodel" if WORLD_MODEL.exists() else "scripted"
        if executor == "scripted":
            progress(f"no world model in {WORLD_MODEL.parent}: using the scripted experts")
    seed = _first_seed() if seed is None else seed
    return do_chore(CHORE, executor=executor, seed=seed, runs=runs, progress=progress)
