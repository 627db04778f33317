"""`reverie transcribe` and `reverie listen`: a chore heard from a recording or the microphone.

Exit codes: 0 done; 1 the chore was attempted but not done; 2 bad input (audio, settings, a
chore the planner refuses); 3 the robot was lost; 4 heard nothing (silence or noise only); 5 the
heard chore was not confirmed (--mic), so the robot did not move.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.chores import print_plan, print_summary
from cli.common import (
    ExecutorOption,
    JsonFlag,
    JudgeOption,
    PlannerOption,
    RobotOption,
    RolloutsOption,
    SimSeedOption,
    check_rollouts,
    check_seed,
    fail,
    quiet_logs,
)

HEARD_NOTHING_EXIT = 4

ModelOption = Annotated[
    str | None,
    typer.Option(
        help="Speech model: 'bundled' (tiny.en), a CTranslate2 Whisper directory, or a size "
        "name [REVERIE_VOICE_MODEL, else bundled].",
        show_default=False,
    ),
]
BackendOption = Annotated[
    str | None,
    typer.Option(
        help="local (faster-whisper) or openai (transcription endpoint) "
        "[REVERIE_VOICE_BACKEND, else local].",
        show_default=False,
    ),
]
MaxSecondsOption = Annotated[
    float | None,
    typer.Option(
        help="Refuse audio longer than this [REVERIE_VOICE_MAX_SECONDS, else 30].",
        show_default=False,
    ),
]
NoBiasFlag = Annotated[
    bool,
    typer.Option("--no-bias", help="Do not bias recognition toward the skill vocabulary."),
]


def _voice_errors() -> tuple[type[Exception], ...]:
    from agent.voice.audio import AudioError
    from agent.voice.mic import MicrophoneError
    from agent.voice.transcriber import TranscriptionError, VoiceConfigError

    return (AudioError, MicrophoneError, TranscriptionError, VoiceConfigError)


def _load(model, backend, max_seconds, no_bias):
    from agent.voice.transcriber import VoiceConfig, load_transcriber

    config = VoiceConfig.from_env(
        model=model, backend=backend, max_seconds=max_seconds, bias=False if no_bias else None
    )
    return load_transcriber(config)


def transcribe(
    audio: Annotated[
        Path, typer.Argument(help="Recording: WAV, FLAC, MP3 or OGG, any rate and channels.")
    ],
    seed: Annotated[
        int | None,
        typer.Option(help="Favour the objects of this scene seed [every known object]."),
    ] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
    max_seconds: MaxSecondsOption = None,
    no_bias: NoBiasFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Print what a recording says (offline speech recognition, biased to the robot's words)."""
    from agent.voice.transcriber import HeardNothingError, transcribe_file
    from agent.voice.vocabulary import build_biasing

    quiet_logs()
    if seed is not None:
        check_seed(seed)
    try:
        transcriber = _load(model, backend, max_seconds, no_bias)
        objects = None if seed is None else _scene_objects(seed, None)
        transcript = transcribe_file(audio, transcriber, build_biasing(objects))
    except HeardNothingError as exc:
        fail(str(exc), HEARD_NOTHING_EXIT)
    except _voice_errors() as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(transcript.to_json()))
    else:
        typer.echo(transcript.text)


def listen(
    audio: Annotated[
        Path | None, typer.Option("--audio", help="Take the command from a recording.")
    ] = None,
    mic: Annotated[
        bool, typer.Option("--mic", help="Record from the microphone until Enter.")
    ] = False,
    seed: SimSeedOption = 0,
    robot: RobotOption = None,
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Plan the heard chore; do not move the robot.")
    ] = False,
    executor: ExecutorOption = "worldmodel",
    rollouts: RolloutsOption = 4,
    planner: PlannerOption = "local",
    judge: JudgeOption = "local",
    model: ModelOption = None,
    backend: BackendOption = None,
    max_seconds: MaxSecondsOption = None,
    no_bias: NoBiasFlag = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="With --mic, move the robot without asking first."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Hear a chore (recording or microphone), say what was heard, then plan it or do it.

    A word outside the robot's vocabulary is read as the known word that sounds most like it
    ("ramp" -> "lamp"), and the correction is echoed. With --mic the robot moves only after you
    confirm the chore (--yes skips the question)."""
    from agent.planners.base import PlanningError
    from agent.voice.hearing import correct_transcript
    from agent.voice.transcriber import HeardNothingError
    from robot_bridge.client import BridgeError

    if (audio is None) == (not mic):
        fail("give exactly one source: --audio FILE (a recording) or --mic (push-to-talk)")
    check_seed(seed)
    check_rollouts(rollouts)
    quiet_logs()
    say = (lambda m: typer.echo(m, err=True)) if as_json else typer.echo
    try:
        transcriber = _load(model, backend, max_seconds, no_bias)
        observation = _observe_robot(robot) if robot else None
        objects = _scene_objects(seed, observation)
        transcript = _hear(transcriber, audio, objects, say)
    except HeardNothingError as exc:
        fail(str(exc) + "; nothing was sent to the robot", HEARD_NOTHING_EXIT)
    except BridgeError as exc:
        fail(f"cannot reach the robot at {robot}: {exc}")
    except _voice_errors() as exc:
        fail(str(exc))
    heard_at = time.perf_counter()
    heard = correct_transcript(transcript.text, objects)
    say(f'heard: "{transcript.text}"')
    if heard.corrections:
        say(f'understood: "{heard.text}" ({heard.echo()})')
    heard_json = {
        **transcript.to_json(),
        "understood": heard.text,
        "corrections": [c.to_json() for c in heard.corrections],
    }
    try:
        if plan_only:
            result = _plan(heard.text, seed, observation)
            result["transcript"] = heard_json
            result["latency_to_plan_s"] = round(
                transcript.latency_s + time.perf_counter() - heard_at, 3
            )
        else:
            if mic and not yes:
                _confirm(heard.text, say)
            progress = (lambda m: None) if as_json else (lambda m: typer.echo(m, err=True))
            result = _do(heard.text, robot, executor, rollouts, seed, planner, judge, progress)
            result["transcript"] = heard_json
    except PlanningError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(result))
    elif plan_only:
        print_plan(result)
    else:
        print_summary(result)
    if not plan_only and not result["success_claimed"]:
        raise typer.Exit(1)


def _confirm(chore: str, say) -> None:
    """Ask before the robot moves; only 'y' or 'yes' goes on."""
    say(f'do "{chore}"? [y/N] ')
    answer = sys.stdin.readline()
    if not answer:
        fail(
            "--mic asks before the robot moves, but there is no one to answer (standard input "
            "is closed); answer y at the prompt, or pass --yes to skip the question"
        )
    if answer.strip().lower() not in ("y", "yes"):
        fail("not confirmed: the robot did not move (answer y or yes to go ahead)", code=5)


def _hear(transcriber, audio: Path | None, objects, say):
    from agent.voice.transcriber import transcribe_file
    from agent.voice.vocabulary import build_biasing

    biasing = build_biasing(objects)
    if audio is not None:
        return transcribe_file(audio, transcriber, biasing)
    from agent.voice.mic import record_push_to_talk

    recording = record_push_to_talk(transcriber.config.max_seconds, say=lambda m: say(m))
    return transcriber.transcribe(recording, biasing)  # latency: from the Enter key


def _observe_robot(address: str):
    from robot_bridge.client import RobotClient

    with RobotClient(address, timeout=5.0) as client:
        return client.observe(encoding="raw")


def _scene_objects(seed: int, observation) -> list[str]:
    """The perceived object ids: from the robot when one is given, else the simulated seed."""
    if observation is not None:
        return list(observation.objects)
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(camera=False)
    try:
        return list(sim.reset(seed).objects)
    finally:
        sim.close()


def _plan(chore: str, seed: int, observation) -> dict:
    """`reverie plan` for the heard chore; against the robot's own view when there is one."""
    if observation is None:
        from agent.planning import plan_chore

        return plan_chore(chore, seed)
    from agent.perception import PerceivedScene
    from agent.planners.local import LocalPlanner
    from agent.planning import plan_to_json

    return plan_to_json(
        LocalPlanner().plan(chore, PerceivedScene.from_observation(observation)), None
    )


def _do(chore, robot, executor, rollouts, seed, planner, judge, progress) -> dict:
    """`reverie do` for the heard chore."""
    from agent.run import RobotLostError, do_chore

    try:
        return do_chore(
            chore,
            robot=robot,
            executor=executor,
            rollouts=rollouts,
            seed=seed,
            planner=planner,
            judge=judge,
            progress=progress,
        )
    except RobotLostError as exc:
        fail(str(exc), code=3)
    except (ValueError, FileNotFoundError) as exc:  # PlanningError is handled by the caller
        from agent.planners.base import PlanningError

        if isinstance(exc, PlanningError):
            raise
        fail(str(exc))
