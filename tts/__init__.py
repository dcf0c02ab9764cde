"""Kokoro-82M text to speech, usable alone.

    >>> import tts
    >>> audio, sr = tts.synthesize("Hello there.", voice="af_heart")   # float32, 24000

The default engine takes its model files from the assistant's model store (fetched
on first use); build a `KokoroEngine` yourself to point at other files.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from tts.errors import TTSError
from tts.kokoro import SAMPLE_RATE, KokoroEngine

__all__ = ["KokoroEngine", "TTSError", "SAMPLE_RATE", "synthesize", "synthesize_batch", "default_engine"]


@lru_cache(maxsize=1)
def default_engine() -> KokoroEngine:
    from assistant.config import load
    from assistant.pipeline import tts_model_path
    from assistant.store import default_store

    cfg, store = load(), default_store()
    return KokoroEngine(tts_model_path(cfg, store), store.path(cfg.models.vocab),
                        store.dir(cfg.models.voices), threads=cfg.tts.threads)


def synthesize(text: str, voice: str = "af_heart", speed: float = 1.0) -> tuple[np.ndarray, int]:
    """Speak `text`: returns (float32 mono audio, 24000)."""
    return default_engine().synthesize(text, voice, speed), SAMPLE_RATE


@lru_cache(maxsize=1)
def _batched_engine():
    """The batched model when it has been built (`assistant models build`), else None."""
    from assistant.config import load
    from assistant.store import default_store

    store = default_store(auto_fetch=False)
    if store.status("kokoro-batched") != "cached":
        return None
    from tts.batched_engine import BatchedKokoro

    cfg = load()
    return BatchedKokoro(store.path("kokoro-batched", "kokoro-batched.int8.onnx"), store.path(cfg.models.vocab),
                         store.dir(cfg.models.voices), threads=cfg.tts.threads, max_batch=4)


def synthesize_batch(texts: list[str], voice: str = "af_heart", speed: float = 1.0) -> list[np.ndarray]:
    """Speak several texts at once: one padded batch through the batched model when it is built,
    otherwise one after another through the shipped model. One float32 array (24 kHz) per text."""
    from tts.kokoro import trim_silence

    engine = default_engine()
    batched = _batched_engine()
    if batched is None:
        return [engine.synthesize(t, voice, speed) for t in texts]
    phonemes = [engine.phonemize(t) if t.strip() else "" for t in texts]
    return [trim_silence(a) for a in batched.synthesize_batch(phonemes, voice, speed)]
