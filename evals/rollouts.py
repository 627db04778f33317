"""`reverie record-rollouts`: the world-model executor's own attempts, labelled by the simulator,
as extra training clips for the judge (hard negatives, DAgger-style).

The recorded datasets hold experts and perturbed experts. In chores the executor fails in other
ways (the hand reaching into an open drawer while the block stays outside), and the judge called
some of those done. Each attempt runs 64 steps on a seeded task of every skill kind; the whole
video and its prefixes at 24 and 44 steps are kept, each labelled by the skill's success predicate
at that moment (ground truth is for data, never for the agent's decisions). Saved as one `.npz`
(uint8 frames, lengths, labels, instructions; no pickle), written atomically.

With `workers > 1` the seeds are split into contiguous ranges, one process each (one torch thread
each), and the parts are joined in seed order. Each process starts a fresh executor, whose sampling
seed counts its calls, so a split recording differs from a single-process one; the shipped judge's
clips were recorded with `--workers 2`.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

KINDS = ("pick_place", "pick_place", "stack", "open_drawer", "close_drawer", "press_button")
STEPS = 64
PREFIXES = (24, 44)
_progress_queue = None  # set in each worker process


def record_rollouts(
    out: Path,
    episodes: int,
    seed: int = 20_000,
    workers: int = 1,
    progress: Callable[[int, bool], None] | None = None,
) -> dict:
    """Record attempts on seeds `seed .. seed+episodes-1` into `out`; returns a summary.
    `progress(done, success)` is called after every attempt."""
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1; got {episodes}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    with tempfile.TemporaryDirectory() as tmp:
        parts = record_in_processes(
            _record_part, seed, episodes, min(workers, episodes), Path(tmp), progress
        )
        clips, labels, texts = [], [], []
        for part in parts:  # in seed order
            with np.load(part, allow_pickle=False) as saved:
                ends = np.cumsum(saved["lengths"])
                clips += np.split(saved["frames"], ends[:-1])
                labels += saved["labels"].tolist()
                texts += [str(t) for t in saved["instructions"]]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    _save(tmp, clips, labels, texts, np.savez_compressed)
    tmp.replace(out)
    return {"episodes": episodes, "clips": len(clips), "successes": int(np.sum(labels))}


def _record_range(
    seed: int, episodes: int, progress: Callable[[int, bool], None] | None = None
) -> tuple[list[np.ndarray], list[bool], list[str]]:
    """Clips, labels and instructions of the attempts on `episodes` seeds from `seed`."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    from agent.completion import CompletionRule
    from evals.skills_eval import WorldModelSkillExecutor, task_for
    from robot_bridge.sim.predicates import is_success
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(image_size=64)
    # the judge never stops an attempt early: every clip runs its full length
    executor = WorldModelSkillExecutor(rollouts=1, completion=CompletionRule(confirmations=None))
    clips, labels, texts = [], [], []
    for s in range(seed, seed + episodes):
        call = task_for(sim, KINDS[s % len(KINDS)], s)
        start, frames = sim.scene(), [sim.render()]

        def keep(frames=frames, call=call, start=start) -> None:
            clips.append(np.stack(frames))
            texts.append(call.instruction())
            labels.append(bool(is_success(call, sim.scene(), start)))

        for action in executor.actions(sim, call):
            sim.step(action)
            frames.append(sim.render())
            if len(frames) - 1 in PREFIXES:
                keep()
            if len(frames) > STEPS:
                break
        keep()
        if progress:
            progress(s - seed + 1, labels[-1])
    sim.close()
    return clips, labels, texts


def record_in_processes(record_part, seed, episodes, workers, tmp: Path, progress, options=None):
    """Run `record_part(first_seed, count, part_path, progress, options)` over contiguous seed
    ranges, one spawned process each (one torch thread each), or here when `workers` is 1;
    returns the part files in seed order. `progress(done, success)` counts tasks from all parts."""
    bounds = np.linspace(0, episodes, workers + 1).astype(int)
    parts = [tmp / f"part{i}.npz" for i in range(workers)]
    if workers == 1:
        record_part(seed, episodes, parts[0], progress, options)
        return parts
    context = multiprocessing.get_context("spawn")  # MuJoCo and torch do not survive fork
    with context.Manager() as manager:
        queue = manager.Queue()  # each finished attempt, from any worker, for the progress bar
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(queue,)
        ) as pool:
            futures = [
                pool.submit(_run_part, record_part, seed + lo, hi - lo, part, options)
                for lo, hi, part in zip(bounds[:-1], bounds[1:], parts, strict=True)
            ]
            _report_progress(queue, futures, episodes, progress)
            for future in futures:
                future.result()  # re-raises a worker's error
    return parts


def _run_part(record_part, seed, episodes, part, options) -> None:
    record_part(seed, episodes, part, lambda _done, success: _progress_queue.put(success), options)


def _report_progress(queue, futures, episodes, progress) -> None:
    done = 0
    while done < episodes:
        try:
            success = queue.get(timeout=1.0)
        except queue_module.Empty:
            for future in futures:  # a worker that died would leave us waiting forever
                if future.done():
                    future.result()  # re-raises its error
            continue
        done += 1
        if progress:
            progress(done, success)


def _init_worker(queue) -> None:
    global _progress_queue
    import torch

    torch.set_num_threads(1)
    _progress_queue = queue


def _record_part(seed: int, episodes: int, part: Path, progress, _options=None) -> None:
    clips, labels, texts = _record_range(seed, episodes, progress)
    _save(part, clips, labels, texts, np.savez)


def _save(path: Path, clips: list, labels: list, texts: list, save=np.savez) -> None:
    save(
        path,
        frames=np.concatenate(clips),
        lengths=np.array([len(c) for c in clips], np.int64),
        labels=np.array(labels, bool),
        instructions=np.array(texts, dtype=str),
    )
