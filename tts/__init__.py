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

__all__ = ["KokoroEngine", "TTSError", "SAMPLE_RATE", "synthesize", "default_engine"]


@lru_cache(maxsize=1)
def default_engine() -> KokoroEngine:
    from assistant.config import load
    from assistant.store import default_store

    cfg, store = load(), default_store()
    return KokoroEngine(store.path(cfg.models.tts), store.path(cfg.models.vocab),
                        store.dir(cfg.models.voices), threads=cfg.tts.threads)


def synthesize(text: str, voice: str = "af_heart", speed: float = 1.0) -> tuple[np.ndarray, int]:
    """Speak `text`: returns (float32 mono audio, 24000)."""
    return default_engine().synthesize(text, voice, speed), SAMPLE_RATE
