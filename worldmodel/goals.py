"""Where a skill's objects are: the world model's goal maps.

A skill names the thing to act on (a block, the drawer, the button) and, for pick_place and stack,
where it should go. Their positions come from perception (the agent's perceived object list, or
the same observation recorded at an episode's start for training) — never from ground truth the
robot could not see. The world model draws them as blobs in the image, so "the red block" need
not be found from the words alone (measured without them: the imagined hand drifted the same way
whatever the instruction).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from skills.library import SkillCall

Position = Sequence[float]


def goal_points(skill: str, args: Mapping[str, str], objects: Mapping[str, Position]):
    """(points (2, 3), mask (2,)): what to act on and where it goes; mask 0 where unknown."""
    call = SkillCall(skill=skill, args=dict(args))
    names = [call.acts_on(), call.destination()]
    points = np.zeros((2, 3), np.float32)
    mask = np.zeros(2, np.float32)
    for i, name in enumerate(names):
        if name is not None and name in objects:
            points[i] = objects[name]
            mask[i] = 1.0
    return points, mask


def episode_goals(split_root: Path, skills: list[str], args: list[dict]):
    """Goal points (E, 2, 3) and masks (E, 2) of every episode of a recorded split, from what
    the camera's perception reported at the episode's first frame (its scene seed replayed)."""
    from robot_bridge.sim.tabletop import TabletopSim
    from worldmodel.data.reader import EpisodeDataset

    episodes = EpisodeDataset(split_root).episodes
    if len(episodes) != len(skills):
        raise ValueError(
            f"{split_root}: {len(episodes)} episodes in the metadata, {len(skills)} loaded"
        )
    sim = TabletopSim(camera=False)
    points, masks = [], []
    for episode, skill, a in zip(episodes, skills, args, strict=True):
        objects = json.loads(episode.get("start_objects") or "{}")
        if not objects:  # recorded before datagen kept them: replay the scene seed
            sim.reset(int(episode["scene_seed"]))
            objects = sim.observe().objects
        p, m = goal_points(skill, a, objects)
        points.append(p)
        masks.append(m)
    sim.close()
    return np.stack(points), np.stack(masks)


def cached_episode_goals(data, cache_dir: Path | None):
    """`episode_goals` of the split an EpisodeArrays was read from, cached under `cache_dir`
    (zeros for arrays not read from a recorded split)."""
    if data.root is None:
        n = len(data)
        return np.zeros((n, 2, 3), np.float32), np.zeros((n, 2), np.float32)
    path = cache_dir / f"goals_{len(data)}.npz" if cache_dir else None
    if path and path.is_file():
        saved = np.load(path)
        return saved["points"], saved["mask"]
    points, mask = episode_goals(data.root, data.skills, data.args)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, points=points, mask=mask)
        tmp.replace(path)
    return points, mask
