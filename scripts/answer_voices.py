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
    `espeak-ng` program (apt-get install espeak-ng); `available` is False when there is neither.

    Each utterance is said by a fresh process: espeak-ng carries state from one utterance to the
    next (its noise generator, seeded from the clock, and more: even the sample count drifts), so
    in one process an utterance changed with what was said before it, and a test's scene with the
    tests that ran before it. A fresh library, its generator seeded, says it alike every time
    (the program's generator is still seeded from the clock)."""

    def __init__(self) -> None:
        self._program = shutil.which("espeak-ng")
        try:
            import espeakng_loader

            self._library = Path(espeakng_loader.get_library_path()).is_file()
        except ImportError:
            self._library = False

    @property
    def available(self) -> bool:
        return self._library or self._program is not None

    def speak(self, voice: str, text: str, scratch: Path) -> tuple[np.ndarray, int]:
        """`text` in espeak's `voice`: mono float32 samples and their rate (`scratch`: the WAV between)."""
        import soundfile

        if self._library:
            cmd = [sys.executable, str(Path(__file__).resolve()), voice, text, str(scratch)]
        else:
            cmd = [self._program, "-v", voice, "-s", str(ESPEAK_WPM), "-w", str(scratch), text]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not scratch.is_file():
            raise ValueError(f"espeak-ng could not say {text!r} in {voice!r}: {done.stderr.strip()[-300:]}")
        audio, rate = soundfile.read(str(scratch), dtype="float32", always_2d=True)
        scratch.unlink()
        return audio.mean(axis=1), rate


def speak_with_library(voice: str, text: str) -> tuple[np.ndarray, int]:
    """`text` in `voice` by the espeak-ng library in this process (once: see Espeak)."""
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
    if rate <= 0:
        raise RuntimeError(f"espeak-ng did not start (espeak_Initialize gave {rate})")
    parts: list[np.ndarray] = []

    def collect(samples, n: int, _events) -> int:
        if n > 0:
            parts.append(np.ctypeslib.as_array(samples, shape=(n,)).astype(np.float32) / 32768)
        return 0

    # kept in a name: the callback object must outlive every call into the library
    callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)(collect)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetParameter(RATE_PARAMETER, ESPEAK_WPM, 0)
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}")
    lib.espeak_ng_SetRandSeed(ctypes.c_long(1))
    data = text.encode()
    lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)), rate


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


if __name__ == "__main__":   # python answer_voices.py VOICE TEXT OUT.wav: one utterance (Espeak.speak)
    try:
        said, said_rate = speak_with_library(sys.argv[1], sys.argv[2])
    except (ValueError, RuntimeError) as e:
        sys.exit(str(e))
    write_wav(Path(sys.argv[3]), said, said_rate)
