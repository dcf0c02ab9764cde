"""The two-note chime before a timer's alert, made here so no sound file has to ship."""
from __future__ import annotations

import numpy as np

RATE = 24000  # the TTS rate: the chime goes to the same sink as the words after it


def chime(rate: int = RATE, notes_hz: tuple[float, ...] = (880.0, 1320.0), note_ms: int = 120,
          fade_ms: int = 10, level: float = 0.3) -> np.ndarray:
    """Rising sine notes; each fades in and out so its edges do not click."""
    n = rate * note_ms // 1000
    fade = np.ones(n, np.float32)
    ramp = np.linspace(0.0, 1.0, rate * fade_ms // 1000, dtype=np.float32)
    fade[:len(ramp)], fade[n - len(ramp):] = ramp, ramp[::-1]
    t = np.arange(n, dtype=np.float32) / rate
    return np.concatenate([level * fade * np.sin(2 * np.pi * hz * t, dtype=np.float32) for hz in notes_hz])
