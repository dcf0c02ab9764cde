"""Audio in and out: WAV files, the speaker (one long-lived output stream) and the microphone.

PortAudio is imported only when a device is needed, so file modes work on machines
without it. Audio callbacks run on PortAudio's thread and only move numpy blocks.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.errors import AudioError, InputError

ASR_RATE = 16000


# ---- files ------------------------------------------------------------------------------
def resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return audio.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(audio.astype(np.float32), src, dst).astype(np.float32)


def read_wav(path: str | Path, rate: int = ASR_RATE) -> np.ndarray:
    """Any WAV/FLAC/OGG file as mono float32 at `rate`."""
    import soundfile as sf

    p = Path(path)
    if not p.is_file():
        raise InputError(f"input file {p} does not exist", "give the path of a WAV file")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as e:
        raise InputError(f"cannot read {p} as audio: {e}", "give a WAV file (any rate, mono or stereo)") from None
    return resample(data.mean(axis=1), sr, rate)


def write_wav(path: str | Path, audio: np.ndarray, rate: int) -> None:
    """16-bit PCM WAV, written to a temporary name and renamed so no half file is left behind."""
    import soundfile as sf

    p = Path(path)
    if p.parent and not p.parent.exists():
        raise InputError(f"cannot write {p}: folder {p.parent} does not exist")
    tmp = p.with_name(f".{p.name}.part")
    sf.write(str(tmp), np.clip(audio, -1.0, 1.0), rate, subtype="PCM_16", format="WAV")
    tmp.replace(p)


# ---- devices ------------------------------------------------------------------------------
def sounddevice():
    """Import sounddevice, turning a missing PortAudio into a message that says what to do."""
    try:
        import sounddevice as sd
    except OSError as e:
        raise AudioError(f"cannot use audio devices: {e}",
                         "install PortAudio (Debian/Ubuntu: apt-get install libportaudio2), "
                         "or use --input/--output WAV files") from None
    return sd


def _device(spec: str) -> int | str | None:
    if spec == "":
        return None
    return int(spec) if spec.isdigit() else spec


def _open(kind: str, factory: Callable, device: str):
    sd = sounddevice()
    try:
        return factory(sd)
    except (sd.PortAudioError, ValueError) as e:
        raise AudioError(f"cannot open the {kind} ({device or 'default device'}): {e}",
                         f"check `assistant doctor` for the {kind}s found; pick one with "
                         f"--{'input' if kind == 'microphone' else 'output'}-device, "
                         "or use --input/--output WAV files") from None


class Player:
    """Plays queued chunks gaplessly, in order, through one output stream kept open.

    `on_start(tag)` runs when a chunk's first sample is handed to the device; `on_block(block, rate)`
    sees every block handed over, silence included (the echo canceller's reference).
    """

    def __init__(self, rate: int = 24000, device: str = "",
                 on_start: Callable[[object], None] | None = None,
                 on_block: Callable[[np.ndarray, int], None] | None = None) -> None:
        self.rate = rate
        self._q: queue.Queue[tuple[object, np.ndarray]] = queue.Queue()
        self._cur: np.ndarray | None = None
        self._pos = 0
        self._flush = False
        self._idle = threading.Event()
        self._idle.set()
        self._on_start = on_start or (lambda tag: None)
        self._on_block = on_block
        sd = sounddevice()
        dev = _device(device)
        self.device_rate = rate
        try:
            sd.check_output_settings(device=dev, samplerate=rate, channels=1, dtype="float32")
        except (sd.PortAudioError, ValueError):
            # The device cannot take 24 kHz: open it at its own rate and resample each chunk.
            try:
                self.device_rate = int(sd.query_devices(dev, "output")["default_samplerate"])
            except (sd.PortAudioError, ValueError):
                pass  # _open below says what is wrong
        self.stream = _open("speaker", lambda sd: sd.OutputStream(
            samplerate=self.device_rate, channels=1, dtype="float32", device=dev, callback=self._fill),
            device)
        self.stream.start()

    def _fill(self, out, frames, _time, _status) -> None:
        if self._flush:  # stop() asked: the chunk being played goes too
            self._flush = False
            self._cur = None
        filled = 0
        while filled < frames:
            if self._cur is None or self._pos >= len(self._cur):
                try:
                    tag, self._cur = self._q.get_nowait()
                except queue.Empty:
                    self._cur = None
                    break
                self._pos = 0
                self._on_start(tag)
            n = min(frames - filled, len(self._cur) - self._pos)
            out[filled:filled + n, 0] = self._cur[self._pos:self._pos + n]
            filled += n
            self._pos += n
        out[filled:] = 0
        if self._on_block is not None:
            self._on_block(out[:, 0], self.device_rate)
        if self._cur is None and self._q.empty():
            self._idle.set()

    def play(self, audio: np.ndarray, tag: object = 0) -> None:
        self._idle.clear()
        self._q.put((tag, resample(audio, self.rate, self.device_rate)))

    def stop(self) -> None:
        """Barge-in: drop everything queued; the device goes quiet within one callback block."""
        while True:
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._flush = True
        self._idle.set()

    def drain(self, timeout: float | None = None) -> None:
        """Wait until everything queued has been handed to the device, plus its latency."""
        self._idle.wait(timeout)
        threading.Event().wait(self.stream.latency)

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()


def input_rate(device: str) -> int:
    """The microphone's own sample rate; a clear error when there is none."""
    sd = sounddevice()
    try:
        return int(sd.query_devices(_device(device), "input")["default_samplerate"])
    except (sd.PortAudioError, ValueError) as e:
        raise AudioError(f"no microphone found ({e})",
                         "plug one in or start the sound server; `assistant doctor` lists devices; "
                         "or use `assistant run --input question.wav --output reply.wav`") from None


class Microphone:
    """Captures mono blocks at the device's rate and hands 16 kHz frames of `frame_len` to `on_frame`.

    With an echo canceller, each frame is cleaned of what the Player is playing before it is handed
    over, on the capture thread, so mic and reference stay on the same audio clock.
    """

    def __init__(self, frame_len: int, on_frame: Callable[[np.ndarray, np.ndarray], None], device: str = "",
                 echo=None) -> None:
        dev = _device(device)
        rate = input_rate(device)
        self.frame_len = frame_len
        self._on_frame = on_frame
        self._echo = echo
        self._pending = np.zeros(0, dtype=np.float32)
        self._resampler = None
        if rate != ASR_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(rate, ASR_RATE, 1, dtype="float32")
        self.stream = _open("microphone", lambda sd: sd.InputStream(
            samplerate=rate, channels=1, dtype="float32", device=dev, callback=self._capture), device)
        self.stream.start()

    def _capture(self, indata, _frames, _time, status) -> None:
        if status.input_overflow:
            # samples were lost before this block: the part-frame before them is no neighbour of
            # what follows, and the echo now comes earlier against the reference than it did
            self._pending = self._pending[:0]
            if self._echo is not None:
                self._echo.resync()
        block = indata[:, 0].copy()
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block)
        self._pending = np.concatenate([self._pending, block])
        while len(self._pending) >= self.frame_len:
            frame, self._pending = self._pending[:self.frame_len], self._pending[self.frame_len:]
            clean = self._echo.process(frame) if self._echo is not None else frame
            self._on_frame(frame, clean)

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()
