"""`reverie do` and `reverie resume`: plan a chore, run the chore graph against a robot, report.

Without `--robot`, an embedded simulated robot is served on loopback, so the agent always goes
through the same gRPC bridge a real robot would use.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agent.context import RunContext
from agent.frames import fit_frame
from agent.graph import ChoreInterrupted, build_graph
from agent.perception import PerceivedScene
from agent.planners.local import LocalPlanner
from agent.robot_fit import check_actions, check_camera, robot_step_size
from agent.rundir import RUNS, RunDir, new_run_id
from robot_bridge.robot import RobotInfo
from robot_bridge.sim.perception import DEFAULT_POSITION_NOISE, check_position_noise

EXECUTORS = ("worldmodel", "policy", "scripted", "random")
EMBEDDED_HEARTBEAT_TIMEOUT_S = 2.0


class RobotLostError(RuntimeError):
    """The robot vanished or stopped mid-chore; the message says how to resume."""


def _start_embedded(seed: int, image_size: int, position_noise: float):
    from robot_bridge.server import BridgeServer, ServerConfig
    from robot_bridge.sim_robot import SimRobot

    robot = SimRobot(image_size=image_size, seed=seed, position_noise=position_noise)
    # The embedded robot shares one Python process (and its GIL) with the agent, whose model and
    # expert code can starve the heartbeat thread for a few hundred ms on a loaded 2-core machine.
    # A separately served robot keeps the bridge's 300 ms watchdog.
    config = ServerConfig(port=0, heartbeat_timeout_s=EMBEDDED_HEARTBEAT_TIMEOUT_S)
    server = BridgeServer(robot, config).start()
    return robot, server, f"127.0.0.1:{server.port}"


@dataclass
class EmbeddedRobot:
    """An embedded simulated robot that outlives one chore: chores passed `on=` it run in turn,
    each from the scene the last one left (a long-horizon chain, no reset between chores)."""

    seed: int
    position_noise: float
    robot: object  # robot_bridge.sim_robot.SimRobot
    address: str
    run_ids: list[str] = field(default_factory=list)  # the chores done on it, in order


@contextmanager
def embedded_robot(
    seed: int = 0, position_noise: float = DEFAULT_POSITION_NOISE
) -> Iterator[EmbeddedRobot]:
    """Serve one simulated robot on loopback for several chores; stopped on exit."""
    from worldmodel.checkpoint import shipped_image_size

    position_noise = check_position_noise(position_noise)
    robot, server, address = _start_embedded(seed, shipped_image_size(), position_noise)
    try:
        yield EmbeddedRobot(seed, position_noise, robot, address)
    finally:
        server.stop()
        robot.close()


def build_executor(name: str, sim_robot, rollouts: int, info: RobotInfo, seed: int = 0):
    """The executor `name`, moving the hand by the robot's own step size (`info`, from GetInfo)."""
    if name == "scripted":
        if sim_robot is None:
            raise ValueError(
                "--executor scripted needs the embedded simulator (its experts read "
                "ground truth); drop --robot, or use --executor worldmodel"
            )
        from agent.executors.scripted import ScriptedExecutor

        return ScriptedExecutor(sim_robot)
    if name == "worldmodel":
        from agent.executors.worldmodel import WorldModelExecutor

        return WorldModelExecutor(rollouts=rollouts, step_size=robot_step_size(info))
    if name == "policy":
        from agent.executors.policy import PolicyExecutor

        return PolicyExecutor(step_size=robot_step_size(info))
    if name == "random":
        from agent.baselines import RandomExecutor

        return RandomExecutor(seed)
    raise ValueError(f"unknown executor {name!r}; valid executors: {', '.join(EXECUTORS)}")


def _check_robot_fits(info: RobotInfo, settings: dict) -> None:
    """Refuse, before planning, a robot the chosen executor and judge cannot drive
    (RobotMismatchError): every executor needs its action names, the learned ones its step size,
    and they and the local judge the camera their models were trained with."""
    check_actions(info)
    if settings["executor"] != "scripted":
        robot_step_size(info)
    if settings["executor"] != "scripted" or settings.get("judge", "local") == "local":
        from worldmodel.checkpoint import shipped_image_size

        check_camera(info, shipped_image_size())


JUDGES = ("local", "vlm")
PLANNERS = ("local", "llm")


def _make_judge(name: str):
    if name == "vlm":  # endpoint from REVERIE_LLM_BASE_URL / _MODEL / _API_KEY
        from agent.judges.vlm import VLMJudge

        return VLMJudge()
    if name != "local":
        raise ValueError(f"unknown judge {name!r}; valid judges: {', '.join(JUDGES)}")
    from agent.judges.local import DEFAULT_JUDGE, LocalJudge

    if not (DEFAULT_JUDGE / "config.json").exists():
        raise ValueError(
            f"no judge checkpoint in {DEFAULT_JUDGE}; train one with `reverie train judge`"
        )
    return LocalJudge()


def _make_planner(name: str):
    if name == "local":
        return LocalPlanner()
    if (
        name == "llm"
    ):  # REVERIE_LLM_FALLBACK=local answers with the local planner when the LLM fails
        import os

        from agent.planners.llm import LLMPlanner

        fallback = LocalPlanner() if os.environ.get("REVERIE_LLM_FALLBACK") == "local" else None
        return LLMPlanner(fallback=fallback)
    raise ValueError(f"unknown planner {name!r}; valid planners: {', '.join(PLANNERS)}")


def do_chore(
    chore: str,
    robot: str | None = None,
    executor: str = "worldmodel",
    rollouts: int = 4,
    seed: int = 0,
    judge: str = "local",
    planner: str = "local",
    max_replans: int = 1,
    position_noise: float = DEFAULT_POSITION_NOISE,
    runs: Path = RUNS,
    progress: Callable[[str], None] = lambda message: None,
    on: EmbeddedRobot | None = None,
    make_executor: Callable[[RobotInfo], object] | None = None,
    client_options: dict | None = None,
) -> dict:
    """Plan and do `chore`; returns the summary (also written to the run directory).
    `position_noise`: the embedded simulator's perception error (metres, std per axis).
    `on`: an embedded robot kept between chores (its seed and noise replace `seed` and
    `position_noise`); the chore starts from whatever the chores before it left.
    `make_executor`: builds the executor from the robot's info instead of `executor` (whose name
    is still recorded), e.g. the console's scripted executor over a mirror of a remote simulator.
    `client_options`: RobotClient keywords (token, tls) for a robot that needs them; not saved."""
    if on is not None:
        if robot is not None:
            raise ValueError("pass either robot (an address) or on (an embedded robot), not both")
        seed, position_noise = on.seed, on.position_noise
    position_noise = check_position_noise(position_noise)
    run = RunDir(runs / new_run_id())
    settings = {
        "chore": chore,
        "robot": robot,
        "executor": executor,
        "rollouts": rollouts,
        "seed": seed,
        "judge": judge,
        "planner": planner,
        "max_replans": max_replans,
        "position_noise": position_noise,
    }
    if on is not None:  # a resume restores the robot by replaying these runs first
        settings["after_runs"] = list(on.run_ids)
        on.run_ids.append(run.run_id)
    run.write_json("run.json", settings)
    return _drive(
        run,
        settings,
        resume=False,
        progress=progress,
        on=on,
        make_executor=make_executor,
        client_options=client_options,
    )


def resume_chore(
    run_id: str,
    runs: Path = RUNS,
    progress: Callable[[str], None] = lambda m: None,
    make_executor: Callable[[RobotInfo], object] | None = None,
    client_options: dict | None = None,
) -> dict:
    """Continue run `run_id` from its last saved step; `make_executor` and `client_options` as
    for `do_chore`."""
    path = runs / run_id
    if not (path / "run.json").exists():
        known = sorted(p.name for p in runs.glob("*") if (p / "run.json").exists())[-5:]
        raise ValueError(f"no run {run_id!r} in {runs}; recent runs: {', '.join(known) or 'none'}")
    run = RunDir(path)
    return _drive(
        run,
        run.read_json("run.json"),
        resume=True,
        progress=progress,
        make_executor=make_executor,
        client_options=client_options,
    )


def _drive(
    run: RunDir,
    settings: dict,
    resume: bool,
    progress,
    on=None,
    make_executor=None,
    client_options: dict | None = None,
) -> dict:
    from robot_bridge.client import BridgeError, RobotClient, RobotUnavailableError

    with ExitStack() as stack:
        sim_robot = None
        address = settings["robot"]
        if on is not None:
            sim_robot, address = on.robot, on.address
        elif address is None:
            from worldmodel.checkpoint import shipped_image_size

            # Runs saved before perception was noisy reported exact positions.
            noise = settings.get("position_noise", 0.0)
            sim_robot, server, address = _start_embedded(
                settings["seed"], shipped_image_size(), noise
            )
            stack.callback(sim_robot.close)
            stack.callback(server.stop)
        client = stack.enter_context(RobotClient(address, **(client_options or {})))
        if sim_robot is not None and resume:  # the embedded robot died with its process:
            for earlier in settings.get("after_runs", []):  # a chain's chores before this one
                done = RunDir(run.path.parent / earlier)
                sim_robot.call(
                    lambda sim, d=done: [sim.step(a) for a in sum(d.applied_actions(), [])]
                )
                done.close()
            before, after = run.applied_actions()  # replay what it did, and the skill-start mark
            sim_robot.call(lambda sim: [sim.step(a) for a in before])
            client.sim.mark_skill_start()
            sim_robot.call(lambda sim: [sim.step(a) for a in after])
            run.log_replayed()
        info = client.info()
        _check_robot_fits(info, settings)
        planner = _make_planner(settings.get("planner", "local"))
        config = {"configurable": {"thread_id": run.run_id}}
        conn = sqlite3.connect(run.path.parent / "agent.sqlite", check_same_thread=False)
        stack.callback(conn.close)
        from langgraph.checkpoint.sqlite import SqliteSaver

        graph = build_graph(SqliteSaver(conn))
        if resume:
            state = graph.get_state(config).values
            if not state:
                raise ValueError(f"run {run.run_id} has no saved state to resume")
            if state.get("status") in ("done", "failed"):
                return _summarize(run, state, client, info.simulated)
            initial = None
            progress(f"resuming {run.run_id} at subtask {state['cursor'] + 1}/{len(state['plan'])}")
        else:
            scene = PerceivedScene.from_observation(client.observe())
            plan = planner.plan(settings["chore"], scene)  # PlanningError: a clear refusal
            run.log.info(
                "plan", chore=settings["chore"], steps=[s.model_dump() for s in plan.steps]
            )
            progress(
                "plan: " + "; ".join(s.instruction for s in plan.steps)
                if plan.steps
                else "nothing to do"
            )
            state = initial = {
                "chore": settings["chore"],
                "plan": [s.model_dump() for s in plan.steps],
                "cursor": 0,
                "attempt": 1,
                "chunks": 0,
                "steps": 0,
                "chunk_serial": 0,
                "executor_done": False,
                "judge_score": 0.0,
                "replans": 0,
                "results": [],
                "status": "running",
                "subtask_start": None,
            }
            if not plan.steps:
                state = {**state, "status": "done"}
                return _summarize(run, state, client, info.simulated)
        # Models load after planning, so a refused chore is refused at once.
        if make_executor is not None:
            executor = make_executor(info)
        else:
            executor = build_executor(
                settings["executor"], sim_robot, settings["rollouts"], info, settings["seed"]
            )
        judge = _make_judge(settings["judge"])
        try:
            control = stack.enter_context(client.control("reverie-agent"))

            def reacquire():
                return stack.enter_context(client.control("reverie-agent"))

            ctx = RunContext(
                robot=client,
                control=control,
                reacquire=reacquire,
                executor=executor,
                judge=judge,
                planner=planner,
                run=run,
                ground_truth=client.sim if info.simulated else None,
                judge_every=1000 if settings["executor"] == "scripted" else 1,
                max_replans=settings.get("max_replans", 1),
                progress=progress,
            )
            state = graph.invoke(initial, config, context=ctx)
        except (RobotUnavailableError, ChoreInterrupted, BridgeError) as exc:
            run.log.error("robot_lost", error=str(exc))
            raise RobotLostError(
                f"{exc}\nthe chore is saved; when the robot is back, continue it with: "
                f"reverie resume {run.run_id}"
            ) from exc
        return _summarize(run, state, client, info.simulated)


def _summarize(run: RunDir, state: dict, client, simulated: bool) -> dict:
    results = state.get("results", [])
    summary = {
        "run_id": run.run_id,
        "run_dir": str(run.path),
        "chore": state["chore"],
        "plan": state["plan"],
        "subtasks": [
            {
                k: r[k]
                for k in (
                    "skill",
                    "args",
                    "instruction",
                    "success_claimed",
                    "attempts",
                    "judge_score",
                )
            }
            for r in results
        ],
        "replans": state.get("replans", 0),
        "success_claimed": state.get("status") == "done",
        "status": state.get("status"),
    }
    if state.get("failure"):
        summary["failure"] = state["failure"]
    if simulated:
        per_subtask = [bool(r["ground_truth"]) for r in results]
        final_ok = [
            any(r["ground_truth"] for r in results if r["instruction"] == p["instruction"])
            for p in state["plan"]
        ]
        summary["ground_truth"] = {"success": all(final_ok), "per_subtask": per_subtask}
        summary["final_scene"] = json.loads(client.sim.scene().model_dump_json())
    summary["video"] = _write_video(run)
    run.write_json("summary.json", summary)
    run.log.info("summary", success_claimed=summary["success_claimed"])
    return summary


def _write_video(run: RunDir) -> str | None:
    """What the robot saw (left) beside the rollout it chose to follow (right)."""
    from worldmodel.data.lerobot_v3 import encode_mp4

    frames = []
    for path in sorted((run.path / "frames").glob("chunk_*.npz")):
        data = np.load(path)
        real = data["real"][-1]
        imagined = data["imagined"] if "imagined" in data.files else None
        if imagined is None:
            frames.append(np.concatenate([real, np.full_like(real, 40)], axis=1))
            continue
        for frame in imagined:
            frames.append(np.concatenate([real, fit_frame(frame, real.shape[0])], axis=1))
    if not frames:
        return None
    video = run.path / "video.mp4"
    encode_mp4(video, np.stack(frames))
    return str(video)
