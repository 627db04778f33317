"""`reverie eval skills`: per-skill success rates on seeded scenes, judged by the simulator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from agent.completion import AGENT_RULE, CompletionRule
from agent.context import STEP_BUDGET
from robot_bridge.sim.experts import expert_actions
from robot_bridge.sim.predicates import is_success
from robot_bridge.sim.tabletop import TabletopSim
from skills.holdout import load_holdout
from skills.library import SKILL_KINDS, SkillCall
from skills.symbolic import feasible_calls
from worldmodel.checkpoint import shipped_image_size

MAX_STEPS = STEP_BUDGET  # every executor's budget per skill, as the agent's per attempt


class Executor(Protocol):
    name: str

    def actions(self, sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]: ...


class ScriptedExecutor:
    """The scripted experts (reads ground truth): the oracle other executors are compared with."""

    name = "scripted"

    def actions(self, sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
        return expert_actions(sim, call)


class RandomExecutor:
    """Uniformly random actions: the floor any learned executor must beat."""

    name = "random"

    def __init__(self, seed: int = 0, steps: int = 60) -> None:
        self.rng = np.random.default_rng(seed)
        self.steps = steps

    def actions(self, sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
        for _ in range(self.steps):
            yield self.rng.uniform(-1, 1, 4)


class WorldModelSkillExecutor:
    """An agent executor (by default the world-model one: imagine, invert) in a closed loop on
    the simulator's camera: execute a chunk, and stop when the learned judge says the
    instruction is done (gated by the skill's effects on the perceived scene, as the agent's
    graph does: agent.judges.effects). `executor`: another agent executor (the
    behaviour-cloning policy)."""

    def __init__(
        self,
        seed: int = 0,
        rollouts: int = 4,
        max_chunks: int | None = None,
        completion: CompletionRule = AGENT_RULE,
        imaginer=None,
        grasp_guard: bool = True,
        reject_early_grasps: bool = True,
        executor=None,
        use_effects: bool = True,
        judge_path=None,
    ) -> None:
        from agent.executors.worldmodel import WorldModelExecutor
        from agent.judges.local import LocalJudge

        self.executor = executor or WorldModelExecutor(
            rollouts=rollouts,
            seed=seed,
            imaginer=imaginer,
            grasp_guard=grasp_guard,
            reject_early_grasps=reject_early_grasps,
        )
        self.name = self.executor.name
        self.use_effects = use_effects  # gate the judge with the perceived effects
        self.judge = LocalJudge(judge_path) if judge_path else LocalJudge()
        # The budget is in steps (run_episode stops at MAX_STEPS, as for every executor), so a
        # chunk cut short costs only its own steps: at least one action per chunk.
        self.max_chunks = max_chunks or MAX_STEPS
        self.completion = completion  # when the judge ends an episode, as in the agent's graph
        self.call_seconds: list[float] = []  # imagine + invert + judge, per executor call
        self.claimed = False  # did the judge end the last episode with "done"?
        self.claims: list[tuple[bool, bool]] = []  # (claimed, ground truth) per episode

    def outcome(self, success: bool) -> None:
        """The simulator's verdict on the last episode, to score the judge's claim against."""
        self.claims.append((self.claimed, success))

    def stats(self) -> dict:
        """Timing of the executor calls and the judge's claims since the last `stats()`."""
        calls, self.call_seconds = self.call_seconds, []
        claims, self.claims = self.claims, []
        return {
            "imagine_calls": len(calls),
            "median_seconds_per_imagine_call": round(float(np.median(calls)), 3) if calls else None,
            "judge_claims": sum(claimed for claimed, _ in claims),
            "judge_agreement": (
                round(float(np.mean([c == truth for c, truth in claims])), 4) if claims else None
            ),
        }

    def actions(self, sim: TabletopSim, call: SkillCall) -> Iterator[np.ndarray]:
        from agent.judges.effects import combined_score, effects_hold
        from agent.perception import PerceivedScene
        from agent.planners.base import PlannedStep

        step = PlannedStep(skill=call.skill, args=call.args, instruction=call.instruction())
        self.executor.begin(step)
        seen = [sim.render()]
        before = PerceivedScene.from_observation(sim.observe())
        streak, self.claimed = 0, False
        for _ in range(self.max_chunks):
            obs = sim.observe()  # what the robot bridge reports: frame, proprioception, objects
            state = np.array([*obs.ee_pos, obs.gripper], np.float32)
            started = time.perf_counter()
            proposal = self.executor.propose(step, seen[-1], state, objects=obs.objects)
            self.call_seconds.append(time.perf_counter() - started)
            finished = len(proposal.actions) == 0
            yield from proposal.actions
            if not finished:
                seen.append(sim.render())
            judged = self.judge.completion(seen, step.instruction)
            if self.use_effects:
                now = PerceivedScene.from_observation(sim.observe())
                judged = combined_score(judged, effects_hold(call, before, now))
            streak = self.completion.update(streak, judged)  # the agent's graph's rule
            if self.completion.done(streak, judged, finished):
                self.claimed = True
                return
            if finished:
                return


EXECUTORS: dict[str, Callable[[int], Executor]] = {
    "scripted": lambda seed: ScriptedExecutor(),
    "random": lambda seed: RandomExecutor(seed),
    "worldmodel": lambda seed: WorldModelSkillExecutor(seed),
    "policy": lambda seed: WorldModelSkillExecutor(executor=_policy_executor()),
}


def _policy_executor():
    from agent.executors.policy import PolicyExecutor

    return PolicyExecutor()


SPLITS = ("all", "seen", "holdout")


def task_for(sim: TabletopSim, kind: str, seed: int, split: str = "all") -> SkillCall:
    """Reset to the first scene from `seed` on where a `kind` call is feasible; pick one call.
    `split`: any call, only seen compositions, or only the held-out ones (evals/configs)."""
    rng = np.random.default_rng(seed)
    holdout = load_holdout() if split != "all" else None
    for offset in range(1000):
        sim.reset(seed * 1000 + offset)
        options = [c for c in feasible_calls(sim.scene()) if c.skill == kind]
        if holdout is not None:
            options = [c for c in options if holdout.contains(c) == (split == "holdout")]
        if options:
            return options[int(rng.integers(len(options)))]
    raise RuntimeError(f"no scene near seed {seed} allows {kind}")


def run_episode(
    sim: TabletopSim, executor: Executor, call: SkillCall, reach: list[float] | None = None
) -> bool:
    """Run one skill to the end; the simulator says whether it succeeded. With `reach`, append
    the closest the hand came to what the skill acts on (metres; the hand's distance at the start
    when it never came nearer): progress short of success."""
    start = sim.scene()
    target = reach_target(sim, call)
    closest = float(np.linalg.norm(sim.ee_pos() - target))
    for step, action in enumerate(executor.actions(sim, call)):
        if step >= MAX_STEPS:
            break
        sim.step(action)
        closest = min(closest, float(np.linalg.norm(sim.ee_pos() - target)))
    if reach is not None:
        reach.append(closest)
    return is_success(call, sim.scene(), start)


def reach_target(sim: TabletopSim, call: SkillCall) -> np.ndarray:
    """Where the hand must go first (ground truth, for evaluation): the skill's block, the
    drawer's handle or the button."""
    return np.array(sim.object_positions()[call.acts_on()])


def eval_skills(
    executor: str | Executor,
    episodes: int,
    seed: int = 0,
    kinds: tuple[str, ...] | None = None,
    on_episode: Callable[[str, bool], None] | None = None,
    split: str = "all",
) -> dict:
    """Success rate per skill kind over `episodes` seeded scenes each."""
    if isinstance(executor, str):
        if executor not in EXECUTORS:
            raise ValueError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
        executor = EXECUTORS[executor](seed)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    if kinds is None:
        held = {c.skill for c in load_holdout().held_out}
        kinds = tuple(k for k in SKILL_KINDS if split != "holdout" or k in held)
    sim = TabletopSim(image_size=shipped_image_size())
    results: dict[str, dict] = {}
    for kind in kinds:
        wins, seconds = 0, 0.0
        for i in range(episodes):
            call = task_for(sim, kind, seed + i, split)
            started = time.perf_counter()
            ok = run_episode(sim, executor, call)
            seconds += time.perf_counter() - started
            wins += ok
            if hasattr(executor, "outcome"):
                executor.outcome(ok)
            if on_episode:
                on_episode(kind, ok)
        results[kind] = {
            "episodes": episodes,
            "success_rate": round(wins / episodes, 4),
            "seconds_per_episode": round(seconds / episodes, 3),
            **(executor.stats() if hasattr(executor, "stats") else {}),
        }
    sim.close()
    return {
        "executor": executor.name,
        "episodes": episodes,
        "seed": seed,
        "split": split,
        "skills": results,
    }
