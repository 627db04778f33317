"""A scripted chore end to end in the simulator, until the agent's planner and executor land:
"put the red block in the drawer and leave it closed" = open, pick_place, close."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from robot_bridge.sim.tabletop import TabletopSim
from skills.experts import expert_actions
from skills.library import SkillCall
from skills.predicates import is_success
from worldmodel.data.lerobot_v3 import atomic_write_bytes, encode_mp4

CHORE = "put the red block in the drawer and leave it closed"
PLAN = [
    SkillCall(skill="open_drawer"),
    SkillCall(skill="pick_place", args={"object": "red_block", "target": "drawer"}),
    SkillCall(skill="close_drawer"),
]


def _first_seed() -> int:
    probe = TabletopSim(image_size=16)
    for seed in range(1000):
        probe.reset(seed)
        s = probe.scene()
        if "red_block" in s.blocks() and not s.drawer_open:
            return seed
    raise RuntimeError("no demo scene found")


def run_demo(out: Path, seed: int | None = None, image_size: int = 256) -> dict:
    seed = _first_seed() if seed is None else seed
    sim = TabletopSim(image_size=image_size)
    sim.reset(seed)
    if "red_block" not in sim.scene().blocks():
        raise ValueError(
            f"scene {seed} has no red_block; blocks here: {', '.join(sim.scene().blocks())}"
        )
    frames, steps = [sim.render()], []
    for call in PLAN:
        start = sim.scene()
        for action in expert_actions(sim, call):
            sim.step(action)
            frames.append(sim.render())
        steps.append(
            {
                "skill": call.skill,
                "args": call.args,
                "instruction": call.instruction(),
                "success": is_success(call, sim.scene(), start),
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    video = out / "chore.mp4"
    encode_mp4(video, np.stack(frames))
    summary = {
        "chore": CHORE,
        "seed": seed,
        "plan": steps,
        "success": all(s["success"] for s in steps),
        "video": str(video),
        "frames": len(frames),
        "final_scene": sim.scene().model_dump(),
    }
    atomic_write_bytes(out / "summary.json", json.dumps(summary, indent=2).encode())
    return summary
