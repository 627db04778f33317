"""Spoken chores for the console: audio recorded in the browser, transcribed by Reverie's own
speech recognition (faster-whisper, offline), corrected towards the robot's words, and echoed
back for the operator to confirm. Nothing is queued here: the page puts what was understood in
the chore box, and the operator sends it (or fixes it) as a typed chore.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

# what MediaRecorder and recording tools send; the decoder (PyAV) reads each of them
AUDIO_TYPES = {
    "audio/webm": ".webm",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
}
MAX_AUDIO_BYTES = 4 * 1024 * 1024  # 30 s of browser audio is ~0.1-1 MB


class SpeechError(ValueError):
    """Audio that cannot be heard; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SpeechDesk:
    """One transcriber for the whole console, loaded on the first spoken chore."""

    def __init__(self, transcriber=None) -> None:
        self._transcriber = transcriber
        self._lock = threading.Lock()  # one transcription at a time: the CPU is shared

    def hear(self, audio: bytes, content_type: str, objects: Iterable[str] | None) -> dict:
        """What the recording says, and what the planner will be given after correction."""
        from agent.voice.audio import AudioError
        from agent.voice.hearing import correct_transcript
        from agent.voice.transcriber import (
            HeardNothingError,
            TranscriptionError,
            transcribe_file,
        )
        from agent.voice.vocabulary import build_biasing

        kind = content_type.split(";")[0].strip().lower()
        if kind not in AUDIO_TYPES:
            raise SpeechError(
                f"unsupported audio type {content_type!r}; send one of "
                f"{', '.join(sorted(AUDIO_TYPES))}",
                415,
            )
        if not audio:
            raise SpeechError("empty recording: hold the microphone button while you speak")
        objects = None if objects is None else list(objects)
        with tempfile.TemporaryDirectory(prefix="reverie-speech-") as tmp:
            path = Path(tmp) / f"chore{AUDIO_TYPES[kind]}"
            path.write_bytes(audio)
            with self._lock:
                if self._transcriber is None:
                    from agent.voice.transcriber import load_transcriber

                    self._transcriber = load_transcriber()
                try:
                    transcript = transcribe_file(path, self._transcriber, build_biasing(objects))
                except HeardNothingError as exc:
                    raise SpeechError(f"{exc}; nothing was queued", 422) from None
                except (AudioError, TranscriptionError) as exc:
                    raise SpeechError(str(exc)) from None
        heard = correct_transcript(transcript.text, objects)
        return {
            "heard": transcript.text,
            "understood": heard.text,
            "corrections": [c.to_json() for c in heard.corrections],
            "echo": heard.echo(),
            "duration_s": round(transcript.duration_s, 2),
            "latency_s": round(transcript.latency_s, 3),
        }
