"""`reverie scene`, `plan`, `do`, `resume` and `demo`: chores on a robot, and the scene and plan
they start from.

Exit codes of the chore commands: 0 done; 1 the chore was attempted but not done; 2 bad input
(settings, a chore the planner refuses); 3 the robot was lost (`reverie resume` continues).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    ExecutorOption,
    JsonFlag,
    JudgeOption,
    PlannerOption,
    PositionNoiseOption,
    RobotOption,
    RolloutsOption,
    RunsOption,
    SimSeedOption,
    check_position_noise,
    check_rollouts,
    check_seed,
    fail,
    quiet_logs,
    user_errors,
)

ChoreArgument = Annotated[
    str, typer.Argument(help='The chore, e.g. "put the red block in the drawer".')
]


def scene(
    seed: Annotated[int, typer.Option(help="Scene seed.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Print the ground-truth scene of a seed (objects, drawer, light, relations)."""
    from robot_bridge.sim.tabletop import TabletopSim

    check_seed(seed)
    sim = TabletopSim(camera=False)
    sim.reset(seed)
    s = sim.scene()
    if as_json:
        print(s.model_dump_json())
        return
    typer.echo(
        f"scene {seed}: drawer {'open' if s.drawer_open else 'closed'}, light {'on' if s.light_on else 'off'}"
    )
    for o in s.objects:
        typer.echo(
            f"  {o.id:<13} at ({o.position[0]:+.3f}, {o.position[1]:+.3f}, {o.position[2]:+.3f})"
        )
    for rel, a, b in s.relations:
        typer.echo(f"  {a} {rel} {b}")


def plan(
    chore: ChoreArgument,
    seed: Annotated[int, typer.Option(help="Scene seed of the simulated robot.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Plan a chore against the perceived scene of a seed (no robot moves)."""
    from agent.planners.base import PlanningError
    from agent.planning import plan_chore

    check_seed(seed)
    try:
        result = plan_chore(chore, seed)
    except PlanningError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(result))
        return
    print_plan(result)


def print_plan(result: dict) -> None:
    """The plan's steps, numbered; or that there is nothing to do."""
    if not result["plan"]:
        typer.echo("Nothing to do: the scene already looks like that.")
    for i, step in enumerate(result["plan"], start=1):
        typer.echo(f"{i}. {step['instruction']}")


def do(
    chore: ChoreArgument,
    robot: RobotOption = None,
    executor: ExecutorOption = "worldmodel",
    rollouts: RolloutsOption = 4,
    seed: SimSeedOption = 0,
    planner: PlannerOption = "local",
    judge: JudgeOption = "local",
    position_noise: PositionNoiseOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Plan a chore and do it on a robot; writes a run directory with a video and summary.json."""
    check_rollouts(rollouts)
    check_seed(seed)
    noise = check_position_noise(position_noise)
    from agent.run import do_chore

    _run_chore(
        lambda say: do_chore(
            chore,
            robot=robot,
            executor=executor,
            rollouts=rollouts,
            seed=seed,
            planner=planner,
            judge=judge,
            position_noise=noise,
            progress=say,
        ),
        as_json,
    )


def resume(
    run_id: Annotated[
        str, typer.Argument(help="The run to continue (its directory name in runs/).")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Continue a chore that stopped (crash, lost robot) from its last saved step."""
    from agent.run import resume_chore

    _run_chore(lambda say: resume_chore(run_id, progress=say), as_json)


def demo(
    runs: RunsOption = Path("runs"),
    seed: Annotated[
        int | None, typer.Option(help="Scene seed [first with a red block and a closed drawer].")
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help="worldmodel or scripted [worldmodel when shipped].")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Do a three-subtask chore on the embedded simulated robot; writes a video of it."""
    from agent.demo import run_demo

    _run_chore(lambda say: run_demo(runs, seed, executor, progress=say), as_json)


def _run_chore(start, as_json: bool) -> None:
    """Run `start(progress)` (a chore), report it, and exit 1 when it was not done."""
    from agent.run import RobotLostError

    quiet_logs()
    say = (lambda m: None) if as_json else (lambda m: typer.echo(m, err=True))
    try:
        summary = start(say)
    except RobotLostError as exc:
        fail(str(exc), code=3)
    except user_errors() as exc:  # PlanningError is a ValueError: refusals land here
        fail(str(exc))
    if as_json:
        print(json.dumps(summary))
    else:
        print_summary(summary)
    if not summary["success_claimed"]:
        raise typer.Exit(1)


def print_summary(summary: dict) -> None:
    """A chore's report: each subtask, the verdict, the simulator's ground truth, where it went."""
    for r in summary["subtasks"]:
        mark = "done" if r["success_claimed"] else "FAILED"
        typer.echo(
            f"  {r['instruction']:<42} {mark:>6}  (attempts {r['attempts']}, judge {r['judge_score']:.2f})"
        )
    verdict = "done" if summary["success_claimed"] else f"not done: {summary.get('failure', '')}"
    typer.echo(f"chore {verdict}")
    if "ground_truth" in summary:
        typer.echo(
            f"ground truth (simulator): {'success' if summary['ground_truth']['success'] else 'failure'}"
        )
    typer.echo(f"run directory: {summary['run_dir']}")
    if summary.get("video"):
        typer.echo(f"video: {summary['video']}")
