"""The chore graph: for each subtask, act (observe, propose a chunk, execute it over gRPC) and
check (the judge reads the real frames) until the judge says done; then the next subtask, or a
retry, a replan, or giving up with a clear report.

    START -> act -> check -> act | advance | retry | replan | give_up
             advance -> act | finish        retry -> act        replan -> act | finish | give_up
"""

from __future__ import annotations

from typing import Literal

import grpc
import numpy as np
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.judges.effects import combined_score, effects_hold
from agent.perception import PerceivedScene
from agent.planners.base import PlannedStep, PlanningError
from agent.state import ChoreState, SubtaskResult


class ChoreInterrupted(RuntimeError):
    """The robot stopped the chore (e-stop or lost control); the run can be resumed."""


def _step(state: ChoreState) -> PlannedStep:
    return PlannedStep(**state["plan"][state["cursor"]])


# ----------------------------------------------------------------------------- nodes
def act(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    """Observe, let the executor propose a chunk, execute it, save what the camera saw."""
    ctx = runtime.context
    step = _step(state)
    serial = state["chunk_serial"]
    updates: dict = {}
    if state["chunks"] == 0:
        ctx.executor.begin(step)
        if state["attempt"] == 1 and state.get("subtask_start") is None:
            # For the ground-truth report only. Marked once per subtask: a step re-run after a
            # crash finds its mark logged (a resumed embedded simulator was marked at that point
            # of the replay, a separate one kept its mark) and must not move it past the chunk
            # the crashed run executed.
            if ctx.ground_truth is not None and ctx.run.last_skill_start() != serial:
                ctx.ground_truth.mark_skill_start()
                ctx.run.log_skill_start(serial)
            first = ctx.robot.observe()
            ctx.run.save_frames(serial, first.image[None], None)
            updates["subtask_start"] = serial
            updates["subtask_scene"] = _scene_record(first)
            serial += 1
            ctx.progress(f"[{state['cursor'] + 1}/{len(state['plan'])}] {step.instruction}")
    obs = ctx.robot.observe()
    proprio = np.array([*obs.ee_pos, obs.gripper], np.float32)
    proposal = ctx.executor.propose(step, obs.image, proprio, objects=obs.objects)
    if len(proposal.actions) == 0:
        return {**updates, "chunk_serial": serial, "executor_done": True}
    chunk_id = f"{ctx.run.run_id}-{serial:05d}"
    _execute(ctx, proposal.actions, chunk_id)
    after = ctx.robot.observe()
    ctx.run.save_frames(serial, after.image[None], proposal.imagined)
    ctx.run.log.info(
        "chunk",
        subtask=state["cursor"],
        attempt=state["attempt"],
        chunk_id=chunk_id,
        steps=len(proposal.actions),
        rollout_scores=proposal.scores,
        **proposal.info,
    )
    return {
        **updates,
        "chunk_serial": serial + 1,
        "chunks": state["chunks"] + 1,
        "steps": state.get("steps", 0) + len(proposal.actions),
    }


def _execute(ctx: RunContext, actions: np.ndarray, chunk_id: str) -> None:
    """Execute a chunk; after a control lapse take control again once and send the rest."""
    from robot_bridge.client import ControlError

    for retry in range(2):
        try:
            result = ctx.control.execute_chunk(actions, chunk_id=chunk_id)
        except ControlError:
            if retry:
                raise
            ctx.run.log.warning("control_lost_reacquiring", chunk_id=chunk_id)
            ctx.control = ctx.reacquire()
            chunk_id += "r"
            continue
        except Exception as exc:  # a replayed node after a crash may propose other actions
            if getattr(exc, "code", None) != grpc.StatusCode.ALREADY_EXISTS:
                raise
            ctx.run.log.info("chunk_already_executed", chunk_id=chunk_id)
            return
        ctx.run.log_actions(chunk_id, result.applied)
        if result.completed:
            return
        if result.status == "aborted_control_lost" and not retry:
            ctx.run.log.warning("control_lost_reacquiring", chunk_id=chunk_id)
            ctx.control = ctx.reacquire()
            actions, chunk_id = actions[result.steps_executed :], chunk_id + "r"
            if len(actions) == 0:
                return
            continue
        raise ChoreInterrupted(
            f"the robot aborted chunk {chunk_id}: {result.status} {result.message}"
        )


def check(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    """The judge looks at the subtask's real frames; decide where to go next."""
    ctx = runtime.context
    step = _step(state)
    finished = state.get("executor_done", False)
    score = state.get("judge_score", 0.0)
    streak = state.get("judge_streak", 0)
    if finished or state["chunks"] % ctx.judge_every == 0:
        frames = ctx.run.subtask_frames(state["subtask_start"])
        judged = ctx.judge.completion(frames, step.instruction)
        effects = _perceived_effects(state, step, ctx.robot.observe())
        score = combined_score(judged, effects)
        streak = ctx.completion.update(streak, score)
        ctx.run.log.info(
            "judged",
            subtask=state["cursor"],
            judge=round(judged, 3),
            perceived_effects=effects,
            score=round(score, 3),
            frames=len(frames),
        )
    if ctx.completion.done(streak, score, finished):
        route = "advance"
    elif not finished and state.get("steps", 0) < ctx.max_steps:
        route = "act"
    elif state["attempt"] < ctx.max_attempts:
        route = "retry"
    elif state["replans"] < ctx.max_replans:
        route = "replan"
    else:
        route = "give_up"
    return {"judge_score": float(score), "judge_streak": streak, "route": route}


def _scene_record(obs) -> dict:
    """What perception reports, as small JSON-like graph state."""
    return {
        "objects": {k: [float(v) for v in p] for k, p in obs.objects.items()},
        "object_states": dict(getattr(obs, "object_states", {}) or {}),
        "placements": dict(getattr(obs, "placements", {}) or {}),
    }


def _perceived_effects(state: ChoreState, step: PlannedStep, obs) -> bool | None:
    """Do the subtask's effects hold on what perception reports now (None: cannot tell)?"""
    from types import SimpleNamespace

    from skills.library import SkillCall

    start = state.get("subtask_scene")
    if not start:  # a run saved before the scene was recorded: the judge decides alone
        return None
    before = PerceivedScene.from_observation(SimpleNamespace(**start))
    call = SkillCall(skill=step.skill, args=step.args)
    return effects_hold(call, before, PerceivedScene.from_observation(obs))


def _result(state: ChoreState, ctx: RunContext, claimed: bool) -> SubtaskResult:
    step = _step(state)
    truth = None
    if ctx.ground_truth is not None:  # for the report only
        truth = ctx.ground_truth.check_skill(step.skill, step.args).success
    return SubtaskResult(
        skill=step.skill,
        args=step.args,
        instruction=step.instruction,
        success_claimed=claimed,
        attempts=state["attempt"],
        judge_score=round(state.get("judge_score", 0.0), 4),
        ground_truth=truth,
    )


def _fresh_subtask() -> dict:
    return {
        "attempt": 1,
        "chunks": 0,
        "steps": 0,
        "executor_done": False,
        "judge_score": 0.0,
        "judge_streak": 0,
        "subtask_start": None,
        "subtask_scene": None,
    }


def advance(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    ctx = runtime.context
    result = _result(state, ctx, claimed=True)
    ctx.run.log.info("subtask_done", **result)
    ctx.progress(f"    done (judge {result['judge_score']:.2f}, attempts {result['attempts']})")
    return {
        "results": [*state["results"], result],
        "cursor": state["cursor"] + 1,
        **_fresh_subtask(),
    }


def retry(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    runtime.context.run.log.info("retry", subtask=state["cursor"], attempt=state["attempt"] + 1)
    runtime.context.progress(f"    not done (judge {state['judge_score']:.2f}); retrying")
    return {
        "attempt": state["attempt"] + 1,
        "chunks": 0,
        "steps": 0,
        "executor_done": False,
        "judge_streak": 0,
    }


def replan(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    """Plan the chore again from what the robot sees now; finished subtasks are kept."""
    ctx = runtime.context
    failed = _result(state, ctx, claimed=False)
    done = [r for r in state["results"] if r["success_claimed"]]
    scene = PerceivedScene.from_observation(ctx.robot.observe())
    try:
        new = ctx.planner.plan(state["chore"], scene)
    except PlanningError as exc:
        return {"results": [*state["results"], failed], "route": "give_up", "failure": str(exc)}
    ctx.run.log.info(
        "replan", failed=failed["instruction"], new_plan=[s.instruction for s in new.steps]
    )
    ctx.progress(
        f"    replanning after '{failed['instruction']}' failed: {len(new.steps)} steps left"
    )
    kept = [{"skill": r["skill"], "args": r["args"], "instruction": r["instruction"]} for r in done]
    return {
        "results": [*state["results"], failed],
        "plan": kept + [s.model_dump() for s in new.steps],
        "cursor": len(kept),
        "replans": state["replans"] + 1,
        "route": "act" if new.steps else "finish",
        **_fresh_subtask(),
    }


def give_up(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    step = _step(state) if state["cursor"] < len(state["plan"]) else None
    failure = state.get("failure") or (
        f"gave up on '{step.instruction}' after {state['attempt']} attempts and "
        f"{state['replans']} replans"
        if step
        else "gave up"
    )
    results = state["results"]
    if step is not None and (
        not results
        or results[-1]["instruction"] != step.instruction
        or results[-1]["success_claimed"]
    ):
        results = [*results, _result(state, runtime.context, claimed=False)]
    runtime.context.run.log.info("gave_up", failure=failure)
    return {"status": "failed", "failure": failure, "results": results}


def finish(state: ChoreState, runtime: Runtime[RunContext]) -> dict:
    runtime.context.run.log.info("chore_done", subtasks=len(state["results"]))
    return {"status": "done"}


# ----------------------------------------------------------------------------- routing
def after_check(state: ChoreState) -> Literal["act", "advance", "retry", "replan", "give_up"]:
    return state["route"]  # type: ignore[return-value]


def after_advance(state: ChoreState) -> Literal["act", "finish"]:
    return "act" if state["cursor"] < len(state["plan"]) else "finish"


def after_replan(state: ChoreState) -> Literal["act", "finish", "give_up"]:
    return state["route"]  # type: ignore[return-value]


def build_graph(checkpointer=None):
    graph = StateGraph(ChoreState, context_schema=RunContext)
    for node in (act, check, advance, retry, replan, give_up, finish):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "act")
    graph.add_edge("act", "check")
    graph.add_conditional_edges("check", after_check)
    graph.add_conditional_edges("advance", after_advance)
    graph.add_edge("retry", "act")
    graph.add_conditional_edges("replan", after_replan)
    graph.add_edge("give_up", END)
    graph.add_edge("finish", END)
    return graph.compile(checkpointer=checkpointer)
