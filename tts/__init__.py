"""Kokoro-82M text to speech, usable alone.

    >>> import tts
    >>> audio, sr = tts.synthesize("Hello there.", voice="af_heart")   # float32, 24000

The default engine takes its model files from the model store (`models`, fetched on first
use): the fast model once it is built, else the shipped one. Build a `KokoroEngine` yourself
to point at other files.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from tts.errors import TTSError
from tts.fast_batched import FAST_BATCHED_NAME
from tts.kokoro import SAMPLE_RATE, KokoroEngine

__all__ = ["KokoroEngine", "TTSError", "SAMPLE_RATE", "synthesize", "synthesize_batch", "default_engine"]


VOCAB, VOICES = "kokoro-vocab", "kokoro-voices"
# the batched models, fastest first: (artifact, file)
BATCHED = (("kokoro-batched-fast", FAST_BATCHED_NAME), ("kokoro-batched", "kokoro-batched.int8.onnx"))


@lru_cache(maxsize=1)
def default_engine() -> KokoroEngine:
    import models

    store = models.default_store()
    name = models.kokoro_model("auto", store.status(models.FAST_KOKORO) == "cached")
    return KokoroEngine(store.path(name), store.path(VOCAB), store.dir(VOICES))


def synthesize(text: str, voice: str = "af_heart", speed: float = 1.0) -> tuple[np.ndarray, int]:
    """Speak `text`: returns (float32 mono audio, 24000)."""
    return default_engine().synthesize(text, voice, speed), SAMPLE_RATE


@lru_cache(maxsize=1)
def _batched_engine():
    """The batched model when it has been built (`assistant models build`), else None."""
    import models

    store = models.default_store(auto_fetch=False)
    built = [(name, file) for name, file in BATCHED if store.status(name) == "cached"]
    if not built:
        return None
    from tts.batched_engine import BatchedKokoro

    return BatchedKokoro(store.path(*built[0]), store.path(VOCAB),
                         store.dir(VOICES), max_batch=4)


def synthesize_batch(texts: list[str], voice: str = "af_heart", speed: float = 1.0) -> list[np.ndarray]:
    """Speak several texts at once: one padded batch through the batched model when it is built,
    otherwise one after another through the shipped model. One float32 array (24 kHz) per text."""
    from tts.kokoro import trim_silence

    engine = default_engine()
    batched = _batched_engine()
    if batched is None:
        return [engine.synthesize(t, voice, speed) if t.strip() else np.zeros(0, np.float32) for t in texts]
    phonemes = [engine.phonemize(t) if t.strip() else "" for t in texts]
    return [trim_silence(a) for a in batched.synthesize_batch(phonemes, voice, speed)]
