"""Audio in: decode any WAV/FLAC/MP3/OGG (any rate, any channel count) to 16 kHz mono float32.

Every failure is an `AudioError` naming the file and saying what was wrong: missing, empty, not
audio, truncated or corrupt, or longer than the configured limit (checked before decoding when the
container declares its length, and while decoding otherwise, so a long file is never fully read).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000  # what Whisper models expect
DEFAULT_MAX_SECONDS = 30.0
FORMATS = "WAV, FLAC, MP3 or OGG"
# A decode that falls this far short of the length the header declares means a cut-off file.
_TRUNCATION_TOLERANCE_S = 0.1
_TRUNCATION_TOLERANCE_FRACTION = 0.05
# Peak amplitude under which a recording is digital silence (about -66 dBFS).
_SILENCE_PEAK = 5e-4


class AudioError(ValueError):
    """Audio that cannot be used; the message names the source and what is valid."""


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at `SAMPLE_RATE`, and where they came from."""

    samples: np.ndarray
    source: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def is_silent(self) -> bool:
        """True for digital silence; quiet or noisy audio is left to voice activity detection."""
        return self.samples.size == 0 or float(np.max(np.abs(self.samples))) < _SILENCE_PEAK


def load_audio(path: str | Path, max_seconds: float = DEFAULT_MAX_SECONDS) -> Audio:
    """Decode `path` to 16 kHz mono float32; raises AudioError for anything unusable."""
    import av

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if not path.is_file():
        raise AudioError(f"{path}: not a file; give an audio file ({FORMATS})")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); give an audio file ({FORMATS})")
    _check_wav_length(path)
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        raise AudioError(
            f"{path}: cannot be decoded as audio ({_reason(exc)}): it is not audio, or it is "
            f"corrupt or truncated; give a {FORMATS} file"
        ) from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with container:
        if not container.streams.audio:
            raise AudioError(f"{path}: holds no audio stream; give a {FORMATS} file")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds + _TRUNCATION_TOLERANCE_S:
            raise _too_long(path, declared, max_seconds)
        samples = _decode(container, stream, path, max_seconds)
    if samples.size == 0:
        raise AudioError(f"{path}: holds no audio samples (empty or truncated); record again")
    decoded = samples.size / SAMPLE_RATE
    if declared is not None:
        missing = declared - decoded
        if missing > max(_TRUNCATION_TOLERANCE_S, _TRUNCATION_TOLERANCE_FRACTION * declared):
            raise AudioError(
                f"{path}: truncated: the header declares {declared:.2f} s of audio but only "
                f"{decoded:.2f} s could be decoded; record or copy the file again"
            )
    return Audio(samples, str(path))


def audio_from_samples(
    samples: np.ndarray,
    sample_rate: int,
    source: str = "microphone",
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Audio:
    """Recorded samples ((n,) or (n, channels), any rate) as `Audio`, with the same checks."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.ndim != 1:
        raise AudioError(f"{source}: expected (samples,) or (samples, channels); got {data.shape}")
    if data.size == 0:
        raise AudioError(f"{source}: no audio was recorded")
    if data.size / sample_rate > max_seconds + _TRUNCATION_TOLERANCE_S:
        raise _too_long(source, data.size / sample_rate, max_seconds)
    if sample_rate != SAMPLE_RATE:
        data = _resample(data, sample_rate)
    return Audio(np.clip(data, -1.0, 1.0), source)


def _decode(container, stream, path: Path, max_seconds: float) -> np.ndarray:
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    limit = int((max_seconds + _TRUNCATION_TOLERANCE_S) * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # let the resampler count samples; broken timestamps must not matter
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1)
                chunks.append(chunk)
                total += chunk.size
            if total > limit:
                raise _too_long(path, None, max_seconds)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise AudioError(
            f"{path}: corrupt or truncated audio ({_reason(exc)}); record or copy the file again"
        ) from None
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(chunks).astype(np.float32, copy=False), -1.0, 1.0)


def _check_wav_length(path: Path) -> None:
    """A WAV whose data chunk is shorter than its header says was cut off (FFmpeg hides this)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    offset = 12
    while offset + 8 <= len(head):
        chunk, size = (
            head[offset : offset + 4],
            int.from_bytes(head[offset + 4 : offset + 8], "little"),
        )
        if chunk == b"data":
            available = path.stat().st_size - (offset + 8)
            if size not in (0, 0xFFFFFFFF) and available < size:  # 0 / -1: written as a stream
                raise AudioError(
                    f"{path}: truncated: the WAV header declares {size} bytes of audio but the "
                    f"file holds {max(available, 0)}; record or copy the file again"
                )
            return
        offset += 8 + size + (size & 1)


def _declared_seconds(container, stream) -> float | None:
    """The length the file's header declares, if it declares one."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def _resample(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Band-limited resampling through FFmpeg's resampler (the same path files take)."""
    import av

    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = sample_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    outs = [*resampler.resample(frame), *resampler.resample(None)]
    return np.concatenate([o.to_ndarray().reshape(-1) for o in outs]).astype(np.float32)


def _too_long(source: str | Path, seconds: float | None, max_seconds: float) -> AudioError:
    length = f"{seconds:.1f} s long" if seconds is not None else f"longer than {max_seconds:g} s"
    return AudioError(
        f"{source}: the audio is {length}; voice commands are limited to {max_seconds:g} s. "
        "Speak one chore at a time, trim the file, or raise the limit (--max-seconds, "
        "REVERIE_VOICE_MAX_SECONDS)"
    )


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)
