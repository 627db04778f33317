"""Plan and record one episode: a seeded scene, an instructed skill, and how it is (mis)executed.

Failures are made on purpose so the world model and judge see both outcomes:
- `perturbed`: the expert with a drop of the block mid-carry, or a steady sideways bias;
- `wrong_target`: the expert carries out a different call than the instruction says;
- `early_stop`: the expert is cut off part-way.
Labels always come from the success predicate of the instructed call, never from the mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from robot_bridge.sim.captions import Caption, Captioner
from robot_bridge.sim.experts import expert_actions
from robot_bridge.sim.predicates import is_success
from robot_bridge.sim.tabletop import TabletopSim
from skills.holdout import HoldoutConfig
from skills.library import SKILL_KINDS, SkillCall
from skills.symbolic import feasible_calls

SPLITS = ("train", "test", "holdout")
FAILURE_MODES = ("perturbed", "wrong_target", "early_stop")
MAX_STEPS = 120
SETTLE_STEPS = 2


@dataclass(frozen=True)
class EpisodePlan:
    index: int
    split: str
    scene_seed: int
    call: SkillCall  # what the instruction asks for
    instruction: str
    failure_mode: str | None = None
    executed: SkillCall | None = None  # what the robot actually attempts (wrong_target)
    noise_seed: int = 0
    start_hand: tuple[float, float, float] | None = None  # None: the hand starts at home
    # skills the experts carry out, unrecorded, before the episode begins: it starts from the
    # end state of a chore (receptacles holding blocks, stacks, an open drawer, the hand anywhere)
    prelude: tuple[SkillCall, ...] = ()


@dataclass
class EpisodeRecord:
    plan: EpisodePlan
    frames: np.ndarray  # (T, H, W, 3) uint8
    states: np.ndarray  # (T, 4) float32: ee x, y, z, gripper opening
    actions: np.ndarray  # (T, 4) float32; the last row holds still
    success: bool
    captions: list[Caption] = field(default_factory=list)
    # what perception reported at the first recorded frame (the goal points come from it)
    start_objects: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def plan_episode(
    sim: TabletopSim,
    index: int,
    split: str,
    base_seed: int,
    holdout: HoldoutConfig,
    failure_fraction: float,
    random_starts: float = 0.0,
    chore_starts: float = 0.0,
) -> EpisodePlan:
    """Deterministic in (base_seed, split, index): the same episode on any worker, any run.
    `random_starts`: the share of episodes whose hand starts at a random point above the table;
    `chore_starts`: the share that start where 1-3 scripted skills of a chore left the scene
    (each drawn from its own generator, so the other episodes are the same as without them)."""
    rng = np.random.default_rng([base_seed, SPLITS.index(split), index])
    kinds = sorted({c.skill for c in holdout.held_out}) if split == "holdout" else SKILL_KINDS
    kind = kinds[index % len(kinds)]
    prelude_rng = np.random.default_rng([base_seed, SPLITS.index(split), index, 2])
    with_prelude = prelude_rng.random() < chore_starts
    prelude: tuple[SkillCall, ...] = ()
    for _ in range(200):
        scene_seed = int(rng.integers(2**31 - 1))
        sim.reset(scene_seed)
        if with_prelude:
            prelude = _run_prelude(sim, prelude_rng)
        options = [c for c in feasible_calls(sim.scene()) if c.skill == kind]
        options = [c for c in options if holdout.contains(c) == (split == "holdout")]
        if options:
            break
    else:
        raise RuntimeError(f"no scene allows a {kind} episode for split {split}")
    call = options[int(rng.integers(len(options)))]
    instruction = call.instruction(int(rng.integers(len(call.spec().instructions()))))
    mode, executed = None, None
    if rng.random() < failure_fraction:
        mode = FAILURE_MODES[int(rng.integers(len(FAILURE_MODES)))]
        if mode == "wrong_target":
            others = [c for c in feasible_calls(sim.scene()) if c != call]
            same_kind = [c for c in others if c.skill == call.skill]
            pool = same_kind or others
            if pool:
                executed = pool[int(rng.integers(len(pool)))]
            else:
                mode = "early_stop"
    return EpisodePlan(
        index=index,
        split=split,
        scene_seed=scene_seed,
        call=call,
        instruction=instruction,
        failure_mode=mode,
        executed=executed,
        noise_seed=int(rng.integers(2**31 - 1)),
        start_hand=None if prelude else _random_start(base_seed, split, index, random_starts),
        prelude=prelude,
    )


def _run_prelude(sim: TabletopSim, rng) -> tuple[SkillCall, ...]:
    """Carry out 1-3 random feasible skills with the experts (a chore in progress); returns
    those that succeeded, in order. Why: the judge and the world model saw only scenes fresh
    from a reset, with empty receptacles; chores fill them, and a skill in a chore starts where
    the previous one left the hand."""
    done = []
    for _ in range(int(rng.integers(1, 4))):
        options = feasible_calls(sim.scene())
        if not options:
            break
        call = options[int(rng.integers(len(options)))]
        start = sim.scene()
        for action in expert_actions(sim, call):
            sim.step(action)
        if not is_success(call, sim.scene(), start):
            break
        done.append(call)
    return tuple(done)


# Where a random start may put the hand: above the table's reach, clear of the cabinet (10 cm
# tall) and of the lamp at the back.
START_LOW, START_HIGH = (-0.28, -0.22, 0.12), (0.28, 0.18, 0.22)


def _random_start(base_seed: int, split: str, index: int, share: float):
    """Why: every expert episode used to begin at the home pose, so the learned executors saw
    one start and a thin bundle of paths from it; a hand that strayed off them (or a skill that
    begins where the previous one of a chore ended) met states no episode showed, and stopped."""
    rng = np.random.default_rng([base_seed, SPLITS.index(split), index, 1])
    if rng.random() >= share:
        return None
    return tuple(float(v) for v in rng.uniform(START_LOW, START_HIGH))


def _perturb(sim: TabletopSim, call: SkillCall, actions, rng) -> Iterator[np.ndarray]:
    """Drop a carried block shortly after lifting it, or bias every move sideways."""
    if call.skill in ("pick_place", "stack"):
        drop_after, lifted_for = int(rng.integers(0, 5)), 0
        for a in actions:
            held = sim.held_block()
            if held is not None and sim.object_positions()[held][2] > 0.06:
                lifted_for += 1
            if lifted_for > drop_after:
                a = a.copy()
                a[3] = -1.0
            yield a
        return
    angle = rng.uniform(0, 2 * np.pi)
    bias = rng.uniform(0.6, 0.9) * np.array([np.cos(angle), np.sin(angle), 0.0])
    for a in actions:
        noisy = a.copy()
        noisy[:3] = np.clip(a[:3] + bias + rng.normal(0, 0.15, 3), -1, 1)
        yield noisy


def _action_stream(sim: TabletopSim, plan: EpisodePlan, rng) -> Iterator[np.ndarray]:
    executed = plan.executed or plan.call
    actions = expert_actions(sim, executed)
    if plan.failure_mode == "perturbed":
        return _perturb(sim, executed, actions, rng)
    if plan.failure_mode == "early_stop":
        short = executed.skill in ("open_drawer", "close_drawer", "press_button")
        stop = int(rng.integers(4, 12) if short else rng.integers(5, 22))
        return (a for i, a in zip(range(stop), actions, strict=False))
    return actions


def record_episode(sim: TabletopSim, plan: EpisodePlan, attempts: int = 3) -> EpisodeRecord:
    """Run the plan in the simulator. A perturbed run that still succeeds is retried with new
    noise (up to `attempts`), and kept with its true success label if it never fails."""
    rng = np.random.default_rng(plan.noise_seed)
    for attempt in range(attempts):
        record = _run(sim, plan, rng)
        if plan.failure_mode != "perturbed" or not record.success or attempt == attempts - 1:
            return record
    raise AssertionError("unreachable")


def _run(sim: TabletopSim, plan: EpisodePlan, rng) -> EpisodeRecord:
    obs = sim.reset(plan.scene_seed, hand=plan.start_hand)
    for call in plan.prelude:  # the chore so far, unrecorded
        for action in expert_actions(sim, call):
            sim.step(action)
    if plan.prelude:
        obs = sim.observe()
    start = sim.scene()
    captioner = Captioner()
    captioner.update(sim, 0)
    frames, states, actions = [obs.image], [_state(sim)], []
    grip = -1.0
    stream = _action_stream(sim, plan, rng)
    settle = [] if plan.failure_mode == "early_stop" else None
    for step in range(MAX_STEPS):
        action = next(stream, None)
        if action is None:
            if settle is None or len(settle) >= SETTLE_STEPS:
                break
            action = np.array([0.0, 0.0, 0.0, grip])
            settle.append(action)
        applied, _ = sim.step(action)
        grip = float(applied[3])
        actions.append(applied.astype(np.float32))
        frames.append(sim.render())
        states.append(_state(sim))
        captioner.update(sim, step + 1)
    actions.append(np.array([0.0, 0.0, 0.0, grip], np.float32))  # the final frame holds still
    return EpisodeRecord(
        plan=plan,
        frames=np.stack(frames),
        states=np.stack(states).astype(np.float32),
        actions=np.stack(actions),
        success=is_success(plan.call, sim.scene(), start),
        captions=captioner.captions,
        start_objects=dict(obs.objects),
    )


def _state(sim: TabletopSim) -> np.ndarray:
    return np.array([*sim.ee_pos(), sim.gripper_opening()], np.float32)
