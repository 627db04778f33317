"""Speech recognition on real synthesised speech (espeak-ng, several voices and speeds) with the
bundled faster-whisper tiny.en: transcripts, the plans they lead to, silence and noise, formats,
absent objects, and the OpenAI backend against a local stand-in."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
import pytest

from agent.planners.base import PlanningError
from agent.planning import plan_chore
from agent.voice.audio import SAMPLE_RATE, Audio, load_audio
from agent.voice.hearing import correct_transcript
from agent.voice.transcriber import (
    HeardNothingError,
    VoiceConfig,
    WhisperTranscriber,
    load_transcriber,
    transcribe_file,
)
from agent.voice.vocabulary import build_biasing
from evals.spoken_chores import CHORES, SPEEDS, VOICES, synthesize, word_error_rate, words
from tests.agent.voice_helpers import TranscriptionStandIn, write_audio

# Every chore once, the speakers taking turns: all voices and speeds appear, in seconds not minutes.
SPEAKERS = list(itertools.product(VOICES, SPEEDS))
ROTATION = [(chore, *SPEAKERS[i % len(SPEAKERS)]) for i, chore in enumerate(CHORES)]


@pytest.fixture(scope="session")
def transcriber() -> WhisperTranscriber:
    return load_transcriber(VoiceConfig())


@pytest.fixture(scope="session")
def scene_objects():
    from robot_bridge.sim.tabletop import TabletopSim

    sim = TabletopSim(image_size=16)
    objects = {seed: list(sim.reset(seed).objects) for seed in {1} | {c.seed for c in CHORES}}
    sim.close()
    return objects


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


def _speak(speech_dir: Path, text: str, voice: str, speed: int) -> Path:
    path = speech_dir / f"{'_'.join(words(text))}-{voice.replace('+', '_')}-{speed}.wav"
    return path if path.exists() else synthesize(text, path, voice, speed)


def test_spoken_chores_are_heard_and_planned_like_typed_ones(
    transcriber, scene_objects, speech_dir
):
    pairs, wrong_plans = [], []
    for chore, voice, speed in ROTATION:
        wav = _speak(speech_dir, chore.text, voice, speed)
        heard = transcribe_file(wav, transcriber, build_biasing(scene_objects[chore.seed])).text
        pairs.append((chore.text, heard))
        understood = correct_transcript(heard, scene_objects[chore.seed]).text  # as `listen` does
        plan = plan_chore(understood, chore.seed)["plan"]
        if plan != plan_chore(chore.text, chore.seed)["plan"]:
            wrong_plans.append(f"{voice}@{speed}: {chore.text!r} heard as {heard!r}")
        assert tuple(s["skill"] for s in plan_chore(chore.text, chore.seed)["plan"]) == chore.skills
    assert len(pairs) >= 15 and {v for _, v, _ in ROTATION} == set(VOICES)
    assert {s for _, _, s in ROTATION} == set(SPEEDS)
    assert not wrong_plans, wrong_plans
    assert word_error_rate(pairs) <= 0.05, [p for p in pairs if words(p[0]) != words(p[1])]


@pytest.mark.parametrize(
    "name, rate, channels",
    [("8k.wav", 8_000, 1), ("44k.flac", 44_100, 2), ("48k.mp3", 48_000, 2), ("48k.ogg", 48_000, 2)],
)
def test_every_format_is_heard(transcriber, speech_dir, tmp_path, name, rate, channels):
    chore = "stack the blue block on the green block"
    voice = load_audio(_speak(speech_dir, chore, "en-gb", 150))
    path = write_audio(voice.samples, SAMPLE_RATE, tmp_path / name, rate, channels)
    heard = transcribe_file(path, transcriber, build_biasing()).text
    assert words(heard) == words(chore)


def _tone(seconds: float, hz: float, level: float) -> np.ndarray:
    return (
        level * np.sin(2 * np.pi * hz * np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE)
    ).astype(np.float32)


@pytest.mark.parametrize(
    "kind",
    ["silence", "white noise", "mains hum", "beep", "clicks"],
)
def test_silence_and_noise_are_heard_as_nothing(transcriber, kind):
    rng = np.random.default_rng(0)
    n = 3 * SAMPLE_RATE
    samples = {
        "silence": np.zeros(n, np.float32),
        "white noise": rng.normal(0, 0.2, n).clip(-1, 1).astype(np.float32),
        "mains hum": _tone(3, 50, 0.3) + rng.normal(0, 0.01, n).astype(np.float32),
        "beep": _tone(3, 1000, 0.5),
        "clicks": np.where(np.arange(n) % 4000 == 0, 0.9, 0).astype(np.float32),
    }[kind]
    with pytest.raises(HeardNothingError, match="heard nothing in test"):
        transcriber.transcribe(Audio(samples, "test"), build_biasing())


def test_an_object_missing_from_the_scene_is_heard_and_refused(
    transcriber, scene_objects, speech_dir
):
    assert "red_block" not in scene_objects[1]
    wav = _speak(speech_dir, "put the red block in the bowl", "en-us", 150)
    heard = transcribe_file(wav, transcriber, build_biasing(scene_objects[1])).text
    assert "red block" in heard.lower()
    with pytest.raises(PlanningError, match="no red block"):
        plan_chore(heard, 1)


def test_openai_backend_sends_biased_wav_and_never_sends_silence(speech_dir, monkeypatch, tmp_path):
    server = TranscriptionStandIn("Press the button.")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    try:
        openai = load_transcriber(
            VoiceConfig(backend="openai", openai_base_url=server.base_url, openai_model="whisper-1")
        )
        wav = _speak(speech_dir, "press the button", "en-us", 150)
        transcript = transcribe_file(wav, openai, build_biasing(["button", "drawer"]))
        assert transcript.text == "Press the button." and transcript.backend == "openai"
        [request] = server.requests
        fields = request["fields"]
        assert request["path"] == "/v1/audio/transcriptions"
        assert fields["model"] == b"whisper-1" and fields["language"] == b"en"
        assert fields["prompt"].startswith(b"drawer, button. ") and b"Stack the" in fields["prompt"]
        sent = tmp_path / "sent.wav"
        sent.write_bytes(fields["file"])
        with wave.open(str(sent)) as w:
            assert w.getframerate() == SAMPLE_RATE and w.getnchannels() == 1
        with pytest.raises(HeardNothingError):
            openai.transcribe(Audio(np.zeros(SAMPLE_RATE * 2, np.float32), "silence"))
        assert len(server.requests) == 1
    finally:
        server.close()


@pytest.mark.slow
def test_full_grid_biasing_beats_no_biasing(transcriber, scene_objects, speech_dir):
    """Every chore in every voice and speed, with and without biasing (benchmarks/voice.py)."""
    biased, plain = [], []
    for chore, (voice, speed) in itertools.product(CHORES, SPEAKERS):
        audio = load_audio(_speak(speech_dir, chore.text, voice, speed))
        biasing = build_biasing(scene_objects[chore.seed])
        biased.append((chore.text, transcriber.transcribe(audio, biasing).text))
        plain.append((chore.text, transcriber.transcribe(audio, None).text))
    assert word_error_rate(biased) <= 0.05
    assert word_error_rate(biased) < word_error_rate(plain)
