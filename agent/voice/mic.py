"""Push-to-talk from the default microphone: record from now until Enter (or the length limit).

`sounddevice` (PortAudio) is optional and imported here only, so machines without audio hardware
or the package still run everything else; `--mic` then says what to install or to use instead.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import numpy as np

from agent.voice.audio import (
    DEFAULT_MAX_SECONDS,
    SAMPLE_RATE,
    Audio,
    AudioError,
    audio_from_samples,
)


class MicrophoneError(RuntimeError):
    """No usable microphone: the package, PortAudio or an input device is missing."""


INSTALL_HINT = (
    "install it with `pip install sounddevice` (and PortAudio: `apt-get install libportaudio2`), "
    "or pass a recording with --audio FILE"
)


def _sounddevice():
    try:
        import sounddevice
    except ImportError:
        raise MicrophoneError(f"--mic needs the sounddevice package; {INSTALL_HINT}") from None
    except OSError as exc:  # the package is there but the PortAudio library is not
        raise MicrophoneError(f"--mic cannot load PortAudio ({exc}); {INSTALL_HINT}") from None
    return sounddevice


def input_sample_rate(sd) -> int:
    """16 kHz when the default input device takes it, else the device's own rate."""
    try:
        device = sd.query_devices(kind="input")
    except (sd.PortAudioError, ValueError):
        raise MicrophoneError(
            "no microphone found (no audio input device); plug one in, or pass a recording "
            "with --audio FILE"
        ) from None
    try:
        sd.check_input_settings(samplerate=SAMPLE_RATE, channels=1, dtype="float32")
        return SAMPLE_RATE
    except (sd.PortAudioError, ValueError):
        return int(device["default_samplerate"])


def record_push_to_talk(
    max_seconds: float = DEFAULT_MAX_SECONDS,
    say: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    wait_for_enter: Callable[[], object] = sys.stdin.readline,
) -> Audio:
    """Record until Enter is pressed; past `max_seconds` the recording is refused."""
    sd = _sounddevice()
    rate = input_sample_rate(sd)
    chunks: list[np.ndarray] = []
    limit = int(max_seconds * rate)
    full = threading.Event()

    def keep(indata, frames, time, status) -> None:
        chunks.append(indata[:, 0].copy())
        if sum(len(c) for c in chunks) >= limit:
            full.set()
            raise sd.CallbackStop

    pressed = threading.Event()
    threading.Thread(target=lambda: (wait_for_enter(), pressed.set()), daemon=True).start()
    try:
        with sd.InputStream(samplerate=rate, channels=1, dtype="float32", callback=keep):
            say("listening: say the chore, then press Enter")
            while not pressed.wait(0.05) and not full.is_set():
                pass
    except sd.PortAudioError as exc:
        raise MicrophoneError(f"the microphone failed while recording ({exc})") from None
    if full.is_set():
        raise AudioError(
            f"microphone: the recording reached the {max_seconds:g} s limit before Enter was "
            "pressed; say one chore at a time and press Enter when done, or raise the limit "
            "(--max-seconds, REVERIE_VOICE_MAX_SECONDS)"
        )
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return audio_from_samples(samples, rate, "microphone", max_seconds)
