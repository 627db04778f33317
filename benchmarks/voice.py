"""Voice commands: word error rate with and without vocabulary biasing (the baseline, same run),
plan accuracy, and latency from the end of the audio to the transcript and to the planned subtasks.

Speech is synthesised with espeak-ng: every chore of evals/spoken_chores.py (22) in every voice
(3) and speed (2) = 132 clips, transcribed by the bundled faster-whisper tiny.en (int8, CPU); and
two held-out sets never used to design the biasing or the correction: 10 other phrasings x 3 other
voices x 2 other speeds = 60 clips, and 12 everyday phrasings (synonyms, polite forms) x 3 more
voices x 2 more speeds = 72 clips. A plan is right when the plan of what was understood (the
transcript after spoken-alike correction, as `reverie listen` plans it) equals the typed chore's.
Latency is measured on the 3-5 s commands of all sets, with the audio in memory (as at the end of
a microphone recording) and separately with file decoding. `--compare-model` transcribes the
held-out clips with a second model too, right after the first on each clip, so that both are
measured under the same load.

    .venv/bin/python benchmarks/voice.py [--model bundled] [--compare-model DIR] [--json]
Targets (issue 20): on held-out speech WER <= 3% and >= 95% of plans equal to the typed chore's;
transcript latency median <= 0.7 s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: E402

from agent.planning import plan_chore  # noqa: E402
from agent.voice.audio import load_audio  # noqa: E402
from agent.voice.hearing import correct_transcript  # noqa: E402
from agent.voice.transcriber import HeardNothingError, VoiceConfig, load_transcriber  # noqa: E402
from agent.voice.vocabulary import build_biasing  # noqa: E402
from evals.spoken_chores import (  # noqa: E402
    CHORES,
    HELD_OUT_CHORES,
    HELD_OUT_EVERYDAY_CHORES,
    HELD_OUT_EVERYDAY_SPEEDS,
    HELD_OUT_EVERYDAY_VOICES,
    HELD_OUT_SPEEDS,
    HELD_OUT_VOICES,
    SPEEDS,
    VOICES,
    synthesize,
    word_error_rate,
)
from robot_bridge.sim.tabletop import TabletopSim  # noqa: E402


def _quiet_logs() -> None:
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def _stats(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "median": round(statistics.median(values), 3),
        "p90": round(values[int(0.9 * (len(values) - 1))], 3),
        "max": round(values[-1], 3),
        "n": len(values),
    }


def _heard(transcriber, audio, biasing) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        text = transcriber.transcribe(audio, biasing).text
    except HeardNothingError:
        text = ""
    return text, time.perf_counter() - start


def _plan(text: str, seed: int) -> tuple[list[dict] | None, float]:
    start = time.perf_counter()
    try:
        plan = plan_chore(text, seed)["plan"]
    except ValueError:  # PlanningError: a refusal
        plan = None
    return plan, time.perf_counter() - start


def _clips(
    transcriber, scenes, chores, voices, speeds, tmp: Path, progress, label, compare=None
) -> list[dict]:
    """Every chore in every voice and speed, heard with and without biasing (and by the
    comparison model, biased), corrected, then planned."""
    typed_plans = {c.text: plan_chore(c.text, c.seed)["plan"] for c in chores}
    grid = list(itertools.product(chores, voices, speeds))
    task = progress.add_task(label, total=len(grid))
    rows = []
    for i, (chore, voice, speed) in enumerate(grid):
        wav = synthesize(chore.text, tmp / f"{label}-{i}.wav", voice, speed)
        decode_start = time.perf_counter()
        audio = load_audio(wav)
        decode_s = time.perf_counter() - decode_start
        row = {
            "chore": chore.text,
            "voice": voice,
            "speed_wpm": speed,
            "duration_s": round(audio.duration_s, 3),
            "decode_s": round(decode_s, 4),
        }
        biasing = build_biasing(scenes[chore.seed])
        runs = [("biased", transcriber, biasing), ("plain", transcriber, None)]
        if compare is not None:
            runs.append(("compare", compare, biasing))
        for name, model, bias in runs:
            text, latency = _heard(model, audio, bias)
            heard = correct_transcript(text, scenes[chore.seed])
            plan, plan_s = _plan(heard.text, chore.seed)
            raw_plan = plan if not heard.corrections else _plan(text, chore.seed)[0]
            row[name] = {
                "text": text,
                "understood": heard.text,
                "latency_s": round(latency, 3),
                "plan_s": round(plan_s, 3),
                "plan_correct": plan == typed_plans[chore.text],
                "plan_correct_uncorrected": raw_plan == typed_plans[chore.text],
            }
        rows.append(row)
        progress.advance(task)
    return rows


def _wer(rows: list[dict], name: str) -> float:
    return round(word_error_rate([(r["chore"], r[name]["text"]) for r in rows]), 4)


def _share(rows: list[dict], name: str, key: str = "plan_correct") -> float:
    return round(sum(r[name][key] for r in rows) / len(rows), 4)


def _understood_wer(rows: list[dict], name: str) -> float:
    return round(word_error_rate([(r["chore"], r[name]["understood"]) for r in rows]), 4)


def _summary(rows: list[dict], voices, speeds) -> dict:
    compared = "compare" in rows[0]
    return {
        "clips": len(rows),
        "chores": len({r["chore"] for r in rows}),
        "voices": list(voices),
        "speeds_wpm": list(speeds),
        "wer_biased": _wer(rows, "biased"),
        "wer_plain": _wer(rows, "plain"),
        "wer_understood_biased": _understood_wer(rows, "biased"),
        "wer_understood_plain": _understood_wer(rows, "plain"),
        "plan_accuracy_biased": _share(rows, "biased"),
        "plan_accuracy_plain": _share(rows, "plain"),
        "plan_accuracy_biased_without_correction": _share(
            rows, "biased", "plan_correct_uncorrected"
        ),
        "plan_accuracy_plain_without_correction": _share(rows, "plain", "plan_correct_uncorrected"),
        "corrections_biased": sum(r["biased"]["understood"] != r["biased"]["text"] for r in rows),
        "corrections_plain": sum(r["plain"]["understood"] != r["plain"]["text"] for r in rows),
        "compare": {
            "wer_biased": _wer(rows, "compare"),
            "plan_accuracy_biased": _share(rows, "compare"),
            "transcript_s": _stats([r["compare"]["latency_s"] for r in rows]),
            "tiny_transcript_s_same_clips": _stats([r["biased"]["latency_s"] for r in rows]),
        }
        if compared
        else None,
        "wer_by_speaker": {
            f"{v}@{s}": {
                name: _wer([r for r in rows if (r["voice"], r["speed_wpm"]) == (v, s)], name)
                for name in ("biased", "plain")
            }
            for v, s in itertools.product(voices, speeds)
        },
        "biased_errors": [
            {
                "chore": r["chore"],
                "voice": r["voice"],
                "speed_wpm": r["speed_wpm"],
                "heard": r["biased"]["text"],
                "understood": r["biased"]["understood"],
                "plan_correct": r["biased"]["plan_correct"],
            }
            for r in rows
            if word_error_rate([(r["chore"], r["biased"]["text"])]) > 0
        ],
    }


def _latency(rows: list[dict]) -> dict:
    """End of audio to transcript, and to the plan, for the 3-5 s commands the target names."""
    target = [r for r in rows if 3.0 <= r["duration_s"] <= 5.0]
    return {
        name: {
            "transcript_s": _stats([r[name]["latency_s"] for r in target]),
            "transcript_with_file_decoding_s": _stats(
                [r[name]["latency_s"] + r["decode_s"] for r in target]
            ),
            "first_planned_subtask_s": _stats(
                [r[name]["latency_s"] + r[name]["plan_s"] for r in target]
            ),
        }
        for name in ("biased", "plain")
    }


def run(args) -> dict:
    config = VoiceConfig.from_env(model=args.model, beam_size=args.beam_size)
    load_start = time.perf_counter()
    transcriber = load_transcriber(config)
    load_s = time.perf_counter() - load_start
    compare = None
    if args.compare_model:
        compare = load_transcriber(
            VoiceConfig.from_env(model=args.compare_model, beam_size=args.beam_size)
        )
    sim = TabletopSim(camera=False)
    all_chores = CHORES + HELD_OUT_CHORES + HELD_OUT_EVERYDAY_CHORES
    scenes = {c.seed: list(sim.reset(c.seed).objects) for c in all_chores}
    sim.close()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        disable=args.json,
    )
    held_out = {
        "held_out_set": (HELD_OUT_CHORES, HELD_OUT_VOICES, HELD_OUT_SPEEDS),
        "held_out_everyday_set": (
            HELD_OUT_EVERYDAY_CHORES,
            HELD_OUT_EVERYDAY_VOICES,
            HELD_OUT_EVERYDAY_SPEEDS,
        ),
    }
    with tempfile.TemporaryDirectory() as tmp, progress:
        # The first call after loading pays one-off costs (VAD model, allocations): kept apart.
        first = load_audio(synthesize(CHORES[0].text, Path(tmp) / "cold.wav"))
        _, cold_s = _heard(transcriber, first, build_biasing(scenes[CHORES[0].seed]))
        if compare is not None:
            _heard(compare, first, build_biasing(scenes[CHORES[0].seed]))
        test_rows = _clips(transcriber, scenes, CHORES, VOICES, SPEEDS, Path(tmp), progress, "test")
        held_rows = {}
        if not args.no_held_out:
            for key, (chores, voices, speeds) in held_out.items():
                held_rows[key] = _clips(
                    transcriber, scenes, chores, voices, speeds, Path(tmp), progress, key, compare
                )
    every_held = [r for rows in held_rows.values() for r in rows]
    latency = _latency(test_rows + every_held)
    result = {
        "benchmark": "voice",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "model": config.model,
        "compare_model": args.compare_model,
        "compute_type": config.compute_type,
        "beam_size": config.beam_size,
        "cpu_threads": config.cpu_threads,
        "model_load_s": round(load_s, 3),
        "cold_first_transcript_s": round(cold_s, 3),
        "test_set": _summary(test_rows, VOICES, SPEEDS),
        **{
            key: _summary(held_rows[key], *held_out[key][1:]) if key in held_rows else None
            for key in held_out
        },
        "latency_3_to_5_s_commands": latency,
        "latency_biased_vs_plain": round(
            latency["biased"]["transcript_s"]["median"]
            / latency["plain"]["transcript_s"]["median"],
            3,
        ),
        "targets": {
            "held_out_wer_biased_max": 0.03,
            "held_out_plan_accuracy_min": 0.95,
            "transcript_latency_median_s_max": 0.7,
        },
        "command": " ".join(["python", *sys.argv]),
    }
    if every_held:
        pairs = [(r["chore"], r["biased"]["text"]) for r in every_held]
        result["all_held_out"] = {
            "clips": len(every_held),
            "wer_biased": round(word_error_rate(pairs), 4),
            "plan_accuracy_biased": _share(every_held, "biased"),
        }
    result["meets_targets"] = bool(every_held) and (
        result["all_held_out"]["wer_biased"] <= 0.03
        and result["all_held_out"]["plan_accuracy_biased"] >= 0.95
        and latency["biased"]["transcript_s"]["median"] <= 0.7
    )
    if args.rows:
        result["rows"] = test_rows + every_held
    return result


def _print(result: dict, out: Path) -> None:
    for label, key in (
        ("test set", "test_set"),
        ("held-out set", "held_out_set"),
        ("held-out everyday set", "held_out_everyday_set"),
    ):
        r = result[key]
        if r is None:
            continue
        print(
            f"{label}: {r['clips']} clips ({r['chores']} chores x {len(r['voices'])} voices x "
            f"{len(r['speeds_wpm'])} speeds): WER biased {r['wer_biased']:.1%}, no biasing "
            f"{r['wer_plain']:.1%}; plans right: biased {r['plan_accuracy_biased']:.1%} "
            f"({r['plan_accuracy_biased_without_correction']:.1%} without correction), no "
            f"biasing {r['plan_accuracy_plain']:.1%} "
            f"({r['plan_accuracy_plain_without_correction']:.1%} without correction)"
        )
        if r["compare"]:
            c = r["compare"]
            print(
                f"  {result['compare_model']}: WER {c['wer_biased']:.1%}, plans right "
                f"{c['plan_accuracy_biased']:.1%}, transcript median {c['transcript_s']['median']:.2f} s "
                f"(first model on the same clips {c['tiny_transcript_s_same_clips']['median']:.2f} s)"
            )
    if result.get("all_held_out"):
        h = result["all_held_out"]
        print(
            f"all held-out ({h['clips']} clips): WER biased {h['wer_biased']:.1%}, plans right "
            f"{h['plan_accuracy_biased']:.1%}"
        )
    biased = result["latency_3_to_5_s_commands"]["biased"]
    plain = result["latency_3_to_5_s_commands"]["plain"]
    print(
        f"3-5 s commands, median latency: transcript {biased['transcript_s']['median']:.2f} s "
        f"(no biasing {plain['transcript_s']['median']:.2f} s), with file decoding "
        f"{biased['transcript_with_file_decoding_s']['median']:.2f} s, first planned subtask "
        f"{biased['first_planned_subtask_s']['median']:.2f} s"
    )
    print(
        f"model load {result['model_load_s']:.2f} s, cold first transcript "
        f"{result['cold_first_transcript_s']:.2f} s"
    )
    print(f"meets targets: {result['meets_targets']}; written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=None, help="voice model [bundled tiny.en]")
    parser.add_argument(
        "--compare-model",
        default=None,
        help="a second voice model transcribing the held-out clips in the same run",
    )
    parser.add_argument("--beam-size", type=int, default=None, help="beam width [5]")
    parser.add_argument("--no-held-out", action="store_true", help="skip the held-out set")
    parser.add_argument("--rows", action="store_true", help="keep every clip's result")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/voice.json"))
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    _quiet_logs()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    if args.json:
        print(json.dumps(result))
    else:
        _print(result, args.out)


if __name__ == "__main__":
    main()
