"""Hindsight relabelling for the judge: what else did each recorded episode accomplish, or not?

Episodes are deterministic, so replaying a training episode's recorded actions from its scene
seed reproduces its final scene exactly. Every call that was feasible at the start is then
labelled by its success predicate on that final scene: about 15 (instruction, label) pairs per
episode instead of one, most of them negatives that differ from a positive only in the words,
which forces the judge to ground the instruction. Held-out compositions are never generated,
so the holdout split stays unseen.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os

import numpy as np

from worldmodel.training.cache import EpisodeArrays, cache_dir_for

_SIM = None


def _init() -> None:
    global _SIM
    os.environ.setdefault("MUJOCO_GL", "egl")
    from robot_bridge.sim.tabletop import TabletopSim

    _SIM = TabletopSim(camera=False)  # the frames are already recorded


def _relabel_one(job: tuple[int, int, list[list[float]]]) -> list[tuple[str, dict, bool]]:
    from robot_bridge.sim.predicates import is_success
    from skills.symbolic import feasible_calls

    _, scene_seed, actions = job
    _SIM.reset(scene_seed)
    start = _SIM.scene()
    calls = feasible_calls(start)
    for a in actions[:-1]:  # the last row holds still and was never executed
        _SIM.step(np.asarray(a, np.float64))
    end = _SIM.scene()
    return [(c.skill, c.args, bool(is_success(c, end, start))) for c in calls]


def relabel_split(data: EpisodeArrays, workers: int = 2, progress=None) -> list[dict]:
    """One record per (episode, feasible call): {"episode", "skill", "args", "success"}; cached
    beside the split's decoded arrays."""
    from skills.holdout import load_holdout
    from worldmodel.data.reader import EpisodeDataset

    cache = cache_dir_for(data.root) / "relabel.json"
    meta = json.loads((cache_dir_for(data.root) / "meta.json").read_text())
    if cache.is_file():
        stored = json.loads(cache.read_text())
        if stored.get("fingerprint") == meta["fingerprint"]:
            return stored["records"]
    seeds = {m["episode_index"]: m["scene_seed"] for m in EpisodeDataset(data.root).episodes}
    jobs = [
        (e, seeds[data.episode_index[e]], data.episode_actions(e).tolist())
        for e in range(len(data))
    ]
    holdout = load_holdout()
    records = []
    with mp.get_context("spawn").Pool(workers, initializer=_init) as pool:
        for e, labels in enumerate(pool.imap(_relabel_one, jobs, chunksize=8)):
            for skill, args, ok in labels:
                if not holdout.contains_args(skill, args):
                    records.append({"episode": e, "skill": skill, "args": args, "success": ok})
            if progress:
                progress(e + 1, len(jobs))
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.write_text(json.dumps({"fingerprint": meta["fingerprint"], "records": records}))
    tmp.replace(cache)
    return records
