"""Helpers for the voice tests: write audio in other formats, rates and channel counts (PyAV),
and an OpenAI-compatible /audio/transcriptions stand-in with recorded answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import numpy as np

CODECS = {".wav": "pcm_s16le", ".flac": "flac", ".mp3": "libmp3lame", ".ogg": "libopus"}


def write_audio(
    samples: np.ndarray, source_rate: int, path: Path, rate: int, channels: int
) -> Path:
    """Encode mono float32 `samples` to `path` (format from its suffix) at `rate` Hz."""
    layout = "stereo" if channels == 2 else "mono"
    if path.suffix == ".ogg":
        rate = 48_000 if rate not in (8_000, 12_000, 16_000, 24_000, 48_000) else rate  # opus rates
    with av.open(str(path), "w") as container:
        stream = container.add_stream(CODECS[path.suffix], rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = source_rate
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name,
            layout=layout,
            rate=rate,
            frame_size=stream.codec_context.frame_size or None,
        )
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


class TranscriptionStandIn:
    """Answers POST /v1/audio/transcriptions with `text`; keeps each request's form fields."""

    def __init__(self, text: str) -> None:
        self.requests: list[dict] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                standin.requests.append(
                    {"path": self.path, "fields": _form_fields(self.headers, body)}
                )
                data = json.dumps({"text": text}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _form_fields(headers, body: bytes) -> dict[str, bytes]:
    """multipart/form-data fields by name (file fields keep their raw bytes)."""
    boundary = headers["Content-Type"].split("boundary=")[1].strip('"').encode()
    fields = {}
    for part in body.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, value = part.split(b"\r\n\r\n", 1)
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        fields[name] = value.removesuffix(b"\r\n")
    return fields


class FakeSoundDevice:
    """Stands in for the `sounddevice` module: an input device that plays `samples` in blocks.

    `devices=False` behaves like a machine without a microphone.
    """

    class PortAudioError(Exception):
        pass

    class CallbackStop(Exception):
        pass

    def __init__(self, samples: np.ndarray, rate: int, devices: bool = True) -> None:
        self.samples, self.rate, self.devices = samples.astype(np.float32), rate, devices
        self.opened_at: int | None = None
        self.finished = threading.Event()  # set when every sample was delivered

    def query_devices(self, kind: str | None = None) -> dict:
        if not self.devices:
            raise self.PortAudioError("Error querying device -1")
        return {"name": "fake mic", "default_samplerate": float(self.rate)}

    def check_input_settings(self, samplerate: int, channels: int, dtype: str) -> None:
        if samplerate != self.rate:
            raise self.PortAudioError("Invalid sample rate")

    def InputStream(self, samplerate: int, channels: int, dtype: str, callback):  # noqa: N802
        fake = self
        fake.opened_at = samplerate

        class Stream:
            def __enter__(self):
                self.done = threading.Event()
                self.thread = threading.Thread(target=self.play, daemon=True)
                self.thread.start()
                return self

            def play(self) -> None:
                for i in range(0, len(fake.samples), 1024):
                    if self.done.is_set():
                        return
                    block = fake.samples[i : i + 1024].reshape(-1, 1)
                    try:
                        callback(block, len(block), None, None)
                    except fake.CallbackStop:
                        break
                fake.finished.set()

            def __exit__(self, *exc) -> None:
                self.done.set()
                self.thread.join()

        return Stream()
