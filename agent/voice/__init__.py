"""Voice commands: audio in (files, microphone), offline speech recognition biased toward the
skill vocabulary and the scene's objects, and the `reverie transcribe` / `reverie listen` commands.

Heavy modules (faster-whisper, PyAV, sounddevice, openai) are imported where they are used.
"""
