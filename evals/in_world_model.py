"""Evaluating a policy inside the world model: 1X's "evaluation challenge", no simulator in the loop.

An episode starts from one real camera frame and perception of a seeded scene (the simulator
renders that first frame and reports the objects; nothing after). From then on the policy acts on
imagined frames: each chunk of its actions goes to the action-conditioned world model, which
imagines the frames those actions produce; the hand's proprioception follows the actions (the
robot's step size, the workspace limits), a closed hand keeps a block it closed on, and the
learned judge reads the imagined video. Predicted success is the judge's claim, under the rule
the agent's graph uses (`agent.completion`), within the same step budget. The world model is given the actions alone (not the skill, not its goal points).
`agreement` compares predicted with real success over policies of clearly different quality
(Pearson r, Spearman rho, Mean Maximum Rank Violation), as SIMPLER validated its simulated
evaluation; `benchmarks/wm_evaluation.py` runs that comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agent.completion import AGENT_RULE, CompletionRule
from agent.executors.gripper import OPEN_HAND, within_grasp
from agent.planners.base import PlannedStep
from evals.skills_eval import MAX_STEPS
from robot_bridge.sim.layout import EE_HIGH, EE_LOW
from skills.library import SkillCall

HELD_OPENING = 0.5  # a hand closed on a block stays this far open (what the simulator reports)


@dataclass
class ImaginedEpisode:
    claimed: bool  # the judge's verdict on the imagined episode: the predicted success
    steps: int
    frames: np.ndarray  # (T, H, W, 3) uint8: the first real frame, then the imagined ones
    seconds: float


class ImaginedRobot:
    """The robot as the world model imagines it: frames from the action-conditioned world model,
    proprioception integrated from the actions."""

    def __init__(self, imaginer, step_size: float, seed: int = 0) -> None:
        self.imaginer = imaginer
        self.pipeline = imaginer.pipeline
        self.step_size = step_size
        self.seed = seed
        self.context = self.pipeline.model.config.context_frames

    def reset(self, frame: np.ndarray, state: np.ndarray, objects: dict, call: SkillCall) -> None:
        self.frames = [np.asarray(frame, np.uint8)]
        self.state = np.asarray(state, np.float64).copy()
        self.objects = {k: np.asarray(v, np.float64) for k, v in objects.items()}
        self.call = call
        self.held: str | None = None
        self._rest_z = 0.0
        self._calls = 0

    def step(self, actions: np.ndarray) -> None:
        """Carry out a chunk (k <= horizon actions) in imagination."""
        horizon = self.pipeline.horizon
        k = min(len(actions), horizon)
        padded = np.zeros((horizon, actions.shape[1]), np.float32)
        padded[:k] = actions[:k]
        padded[k:, 3] = actions[k - 1, 3]  # after the chunk the hand holds still, gripper as is
        recent = np.stack(self.frames[-self.context :])
        if len(recent) < self.context:
            recent = np.concatenate([np.repeat(recent[:1], self.context - len(recent), 0), recent])
        self._calls += 1
        # Neither the skill nor its goal points: as a simulator the world model must answer the
        # actions alone. Told the skill, it imagined the skill done whatever the actions were
        # (random actions "opened" the drawer); it was trained with both dropped at times.
        imagined = self.pipeline(
            recent[None],
            [None],
            self.state[None].astype(np.float32),
            goals=None,
            actions=padded[None],
            steps=self.imaginer.steps,
            seed=self.seed * 1000 + self._calls,
        )
        self.frames.extend(imagined[0, :k])
        for action in actions[:k]:
            self._move(action)

    def _move(self, action: np.ndarray) -> None:
        self.state[:3] = np.clip(self.state[:3] + self.step_size * action[:3], EE_LOW, EE_HIGH)
        closing = action[3] > 0
        block = self.call.args.get("object")
        if closing and self.state[3] >= OPEN_HAND:  # the hand closes: on the block, or on nothing
            reach = block in self.objects and within_grasp(self.state[:3], self.objects[block])
            self.held = block if reach else None
            self.state[3] = HELD_OPENING if reach else 0.0
            self._rest_z = self.objects[block][2] if reach else 0.0
        elif not closing:
            if self.held is not None:  # let go: the block drops back to the height it rested at
                self.objects[self.held][2] = self._rest_z
            self.held, self.state[3] = None, 1.0
        if self.held is not None:  # a held block travels with the hand
            self.objects[self.held] = self.state[:3].copy()

    def observation(self) -> tuple[np.ndarray, np.ndarray, dict]:
        objects = {k: tuple(v.tolist()) for k, v in self.objects.items()}
        return self.frames[-1], self.state.astype(np.float32), objects


def run_imagined_episode(
    robot: ImaginedRobot,
    executor,
    judge,
    call: SkillCall,
    frame: np.ndarray,
    state: np.ndarray,
    objects: dict,
    completion: CompletionRule = AGENT_RULE,
) -> ImaginedEpisode:
    """One skill attempt of `executor` (an agent executor: begin / propose) inside the world
    model, from a real first frame, proprioception and perceived objects."""
    started = time.perf_counter()
    step = PlannedStep(skill=call.skill, args=call.args, instruction=call.instruction())
    robot.reset(frame, state, objects, call)
    executor.begin(step)
    steps, streak, claimed = 0, 0, False
    while steps < MAX_STEPS:
        now, proprio, seen = robot.observation()
        actions = np.asarray(executor.propose(step, now, proprio, objects=seen).actions)
        finished = len(actions) == 0
        if not finished:
            actions = actions[: MAX_STEPS - steps]
            robot.step(actions)
            steps += len(actions)
        verdict = judge.completion(robot.frames, step.instruction)
        streak = completion.update(streak, verdict)  # the agent's graph's rule
        if completion.done(streak, verdict, finished):
            claimed = True
            break
        if finished:
            break
    return ImaginedEpisode(
        claimed=claimed,
        steps=steps,
        frames=np.stack(robot.frames),
        seconds=time.perf_counter() - started,
    )


class NoisyExecutor:
    """An executor made worse on purpose: each chunk is replaced, with probability `epsilon`, by
    uniformly random actions. Policies of graded quality for validating an evaluation."""

    def __init__(self, inner, epsilon: float, seed: int = 0, name: str | None = None) -> None:
        self.inner, self.epsilon, self.seed = inner, epsilon, seed
        self.name = name or f"{inner.name}+{round(100 * epsilon)}%random"
        self.chunk = getattr(inner, "chunk", 4)
        self._rng = np.random.default_rng(seed)

    def begin(self, step) -> None:
        # the noise of a task depends on the task alone, so the task in the simulator and in the
        # world model meet the same policy (not one shifted by the other run's draws)
        self._rng = np.random.default_rng([self.seed, *task_key(step)])
        self.inner.begin(step)

    def propose(self, step, frame, state, objects=None):
        proposal = self.inner.propose(step, frame, state, objects=objects)
        if len(proposal.actions) and self._rng.random() < self.epsilon:
            proposal.actions = self._rng.uniform(-1, 1, np.shape(proposal.actions))
        return proposal


EXECUTORS = ("policy", "worldmodel", "random")  # and policy+N: the policy with N% random chunks


def executor_by_name(name: str, imaginer, checkpoints=None, seed: int = 0):
    """An agent executor to evaluate: `policy`, `policy+N` (N% of its chunks random),
    `worldmodel` (imagine, invert; with `imaginer`) or `random`."""
    from pathlib import Path

    from agent.baselines import RandomExecutor
    from agent.executors.policy import PolicyExecutor
    from agent.executors.worldmodel import WorldModelExecutor

    random_share = check_executor_name(name)
    if name == "random":  # every chunk random, drawn per task like policy+N's
        return NoisyExecutor(RandomExecutor(seed), 1.0, seed, name="random")
    if name == "worldmodel":
        return WorldModelExecutor(imaginer=imaginer, seed=seed)
    policy = PolicyExecutor(Path(checkpoints) / "policy" if checkpoints else None)
    return NoisyExecutor(policy, random_share, seed) if random_share else policy


def check_executor_name(name: str) -> float:
    """The share of random chunks `name` asks for (0 unless policy+N), or a ValueError that
    lists the valid names."""
    base, plus, percent = name.partition("+")
    if name in EXECUTORS:
        return 0.0
    if base == "policy" and plus and percent.isdigit() and int(percent) <= 100:
        return int(percent) / 100
    raise ValueError(
        f"unknown executor {name!r}; valid: {', '.join(EXECUTORS)}, or policy+N with N a "
        "percentage of random chunks (policy+50)"
    )


def task_key(step) -> list[int]:
    """Integers that name a subtask (its instruction), for seeding per-task random streams."""
    return list(step.instruction.encode())


# ------------------------------------------------------------------------------ agreement metrics
def pearson(x: list[float], y: list[float]) -> float | None:
    x_, y_ = np.asarray(x, float), np.asarray(y, float)
    if len(x_) < 2 or x_.std() == 0 or y_.std() == 0:
        return None
    return float(np.corrcoef(x_, y_)[0, 1])


def spearman(x: list[float], y: list[float]) -> float | None:
    return pearson(_ranks(x), _ranks(y))


def _ranks(values: list[float]) -> list[float]:
    """Ranks with ties sharing their mean rank."""
    values_ = np.asarray(values, float)
    order = np.argsort(values_, kind="stable")
    ranks = np.empty(len(values_))
    ranks[order] = np.arange(len(values_), dtype=float)
    for v in np.unique(values_):
        tied = values_ == v
        ranks[tied] = ranks[tied].mean()
    return ranks.tolist()


def mmrv(real: list[float], predicted: list[float]) -> float:
    """Mean Maximum Rank Violation (SIMPLER): for each policy, the largest real-success gap to a
    policy the prediction orders the other way; averaged over policies. 0 = the ranking is kept."""
    n = len(real)
    worst = [
        max(
            (
                abs(real[i] - real[j])
                for j in range(n)
                if j != i and (predicted[i] < predicted[j]) != (real[i] < real[j])
            ),
            default=0.0,
        )
        for i in range(n)
    ]
    return float(np.mean(worst)) if n else 0.0


def agreement(real: list[float], predicted: list[float]) -> dict:
    r, rho = pearson(real, predicted), spearman(real, predicted)
    return {
        "pearson": None if r is None else round(r, 4),
        "spearman": None if rho is None else round(rho, 4),
        "mmrv": round(mmrv(real, predicted), 4),
    }


# ------------------------------------------------------------------------------ whole suites
def evaluate_in_world_model(
    executor,
    imaginer,
    episodes: int,
    seed: int = 0,
    kinds: tuple[str, ...] | None = None,
    split: str = "seen",
    on_episode: Callable[[str, bool], None] | None = None,
    real: bool = False,
) -> dict:
    """Predicted success of `executor` per skill kind on the seeded tasks `evals.skills_eval`
    uses; with `real`, also its real success in the simulator on the same tasks."""
    from agent.judges.local import LocalJudge
    from agent.robot_fit import trained_step_size
    from evals.skills_eval import WorldModelSkillExecutor, run_episode, task_for
    from robot_bridge.sim.tabletop import TabletopSim
    from skills.library import SKILL_KINDS

    judge = LocalJudge()
    robot = ImaginedRobot(imaginer, trained_step_size(), seed)
    sim = TabletopSim(image_size=imaginer.image_size)
    in_sim = WorldModelSkillExecutor(executor=executor) if real else None
    per_kind: dict[str, dict] = {}
    imagined_s, real_s = [], []
    for kind in kinds or SKILL_KINDS:
        claims, truths = [], []
        for i in range(episodes):
            call = task_for(sim, kind, seed + i, split)
            obs = sim.observe()  # the first real frame and perception: all the simulator gives
            state = np.array([*obs.ee_pos, obs.gripper], np.float32)
            episode = run_imagined_episode(
                robot, executor, judge, call, obs.image, state, obs.objects
            )
            claims.append(episode.claimed)
            imagined_s.append(episode.seconds)
            if in_sim is not None:
                task_for(sim, kind, seed + i, split)
                started = time.perf_counter()
                truths.append(run_episode(sim, in_sim, call))
                real_s.append(time.perf_counter() - started)
            if on_episode:
                on_episode(kind, episode.claimed)
        per_kind[kind] = {
            "episodes": episodes,
            "predicted_success_rate": round(float(np.mean(claims)), 4),
            **({"real_success_rate": round(float(np.mean(truths)), 4)} if truths else {}),
        }
    sim.close()
    out = {
        "executor": executor.name,
        "episodes": episodes,
        "seed": seed,
        "split": split,
        "skills": per_kind,
        "predicted_success_rate": round(
            float(np.mean([k["predicted_success_rate"] for k in per_kind.values()])), 4
        ),
        "seconds_per_imagined_episode": round(float(np.mean(imagined_s)), 2),
    }
    if real_s:
        out["real_success_rate"] = round(
            float(np.mean([k["real_success_rate"] for k in per_kind.values()])), 4
        )
        out["seconds_per_real_episode"] = round(float(np.mean(real_s)), 2)
    return out
