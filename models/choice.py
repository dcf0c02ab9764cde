"""Which Kokoro model to speak with: one rule for the engine, `models list` and `doctor`."""
from __future__ import annotations

SHIPPED_KOKORO = "kokoro-v1.0-int8"
FAST_KOKORO = "kokoro-fast"
ENGINES = ("auto", "fast", "shipped")


def kokoro_model(engine: str, fast_built: bool, shipped: str = SHIPPED_KOKORO, fast: str = FAST_KOKORO) -> str:
    """The store name `engine` selects: "fast" is ours (built by `assistant models build`, 1.3x the
    shipped model's speed on AVX2, 2.1x with AVX-512 VNNI), "shipped" the upstream int8 export, "auto" the fast one once built."""
    if engine not in ENGINES:
        raise ValueError(f"unknown Kokoro engine {engine!r}: use one of {', '.join(ENGINES)}")
    return fast if engine == "fast" or (engine == "auto" and fast_built) else shipped
