"""The answer benchmark's speakers: Kokoro voices (the project's own engine) and espeak-ng voices
(another engine, so the questions are not all in the voice the replies are in).

    speakers = Speakers(kokoro_engine, cache_dir)
    path = speakers.wav("espeak:en-us+m3", "What is the capital of France?")

A spoken question is kept as a WAV in `cache_dir` (outside the repository), named by a hash of the
engine, voice and text, so later runs skip the synthesis.
"""
from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.audio import write_wav

LEAD_S, TAIL_S = 0.3, 0.8  # silence around the words, as a microphone hears before and after them
ESPEAK_WPM = 150           # a little slower than espeak's 175: its default rate was hard to follow
AUDIO_OUTPUT_SYNCHRONOUS, POS_CHARACTER, CHARS_UTF8, RATE_PARAMETER = 2, 1, 1, 1  # speak_lib.h


class Espeak:
    """espeak-ng through the library `espeakng-loader` ships (it has no binary), else the
    `espeak-ng` program (apt-get install espeak-ng); `available` is False when there is neither."""

    def __init__(self) -> None:
        self._lib = self._rate = None
        self._program = shutil.which("espeak-ng")
        try:
            import espeakng_loader

            # g2p's espeak (phonemizer's binding) runs on its own copy of this library, so
            # initialising this one for audio leaves its phonemes alone.
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            lib.espeak_Initialize.restype = ctypes.c_int
            rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
            if rate > 0:
                self._lib, self._rate = lib, rate
        except (ImportError, OSError):
            pass
        self._parts: list[np.ndarray] = []
        # ctypes calls this from inside espeak_Synth with each block of samples; kept on self so
        # the callback object outlives every call into the library.
        self._callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                          ctypes.c_void_p)(self._collect)
        if self._lib is not None:
            self._lib.espeak_SetSynthCallback(self._callback)
            self._lib.espeak_SetParameter(RATE_PARAMETER, ESPEAK_WPM, 0)
            self._lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                               ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]

    @property
    def available(self) -> bool:
        return self._lib is not None or self._program is not None

    def _collect(self, samples, n: int, _events) -> int:
        if n > 0:
            self._parts.append(np.ctypeslib.as_array(samples, shape=(n,)).astype(np.float32) / 32768)
        return 0

    def speak(self, voice: str, text: str, scratch: Path) -> tuple[np.ndarray, int]:
        """`text` in espeak's `voice`: mono float32 samples and their rate (`scratch`: the program's WAV)."""
        if self._lib is None:
            subprocess.run([self._program, "-v", voice, "-s", str(ESPEAK_WPM), "-w", str(scratch), text],
                           check=True, capture_output=True)
            import soundfile

            audio, rate = soundfile.read(str(scratch), dtype="float32", always_2d=True)
            scratch.unlink()
            return audio.mean(axis=1), rate
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        self._parts = []
        data = text.encode()
        self._lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        self._lib.espeak_Synchronize()
        return (np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)), self._rate


class Speakers:
    """Voices named "af_heart" (Kokoro) or "espeak:en-us+m3" (espeak-ng)."""

    def __init__(self, kokoro, cache_dir: Path) -> None:
        self.kokoro = kokoro
        self.cache_dir = Path(cache_dir)
        self.espeak = Espeak()

    @classmethod
    def for_bench(cls, cfg, store, cache_dir: Path) -> "Speakers":
        """Speakers with the config's Kokoro model (the benches' voices)."""
        from assistant.pipeline import tts_model_path
        from tts import KokoroEngine

        return cls(KokoroEngine(tts_model_path(cfg, store), store.path(cfg.models.vocab),
                                store.dir(cfg.models.voices)), cache_dir)

    def audio(self, voice: str, text: str, rate: int = 16000) -> np.ndarray:
        """`text` in `voice` as samples at `rate` (spoken once, then read from the cache)."""
        from assistant.audio import read_wav

        return read_wav(self.wav(voice, text), rate)

    def usable(self, voices: list[str]) -> list[str]:
        """`voices` less the espeak ones when espeak-ng is missing (said once, on stderr)."""
        if self.espeak.available or not any(v.startswith("espeak:") for v in voices):
            return voices
        print("espeak-ng is missing (no espeakng-loader library, no `espeak-ng` program: "
              "apt-get install -y espeak-ng): its voices are skipped, only Kokoro voices speak",
              file=sys.stderr)
        return [v for v in voices if not v.startswith("espeak:")]

    def wav(self, voice: str, text: str) -> Path:
        key = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:16]
        path = self.cache_dir / f"{voice.replace(':', '-').replace('+', '_')}-{key}.wav"
        if path.is_file():
            return path
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        if voice.startswith("espeak:"):
            audio, rate = self.espeak.speak(voice.split(":", 1)[1], text, self.cache_dir / f".{path.name}")
        else:
            audio, rate = self.kokoro.synthesize(text, voice), 24000
        write_wav(path, np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), audio,
                                        np.zeros(int(TAIL_S * rate), np.float32)]), rate)
        return path
