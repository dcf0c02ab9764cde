"""Kokoro voice packs: float32 [510, 1, 256] style vectors, one row per phoneme-count."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from tts.errors import TTSError

PACK_ROWS = 510
STYLE_DIM = 256


def available(voices_dir: Path) -> list[str]:
    return sorted(p.stem for p in Path(voices_dir).glob("*.bin"))


def load_pack(voices_dir: Path, name: str) -> np.ndarray:
    path = Path(voices_dir) / f"{name}.bin"
    if not path.is_file():
        names = available(voices_dir)
        english = [n for n in names if n[:2] in ("af", "am", "bf", "bm")]
        raise TTSError(f"unknown voice {name!r}; English voices: {', '.join(english) or 'none found'}")
    data = np.fromfile(path, dtype="<f4")
    if data.size != PACK_ROWS * STYLE_DIM:
        raise TTSError(f"voice pack {path} has {data.size} values, expected {PACK_ROWS * STYLE_DIM}")
    return data.reshape(PACK_ROWS, STYLE_DIM)


def parse_blend(spec: str) -> list[tuple[str, float]]:
    """'af_heart:0.7,bf_emma:0.3' -> [('af_heart', 0.7), ('bf_emma', 0.3)]; weights are normalised."""
    parts = []
    for item in spec.split(","):
        name, _, weight = item.strip().partition(":")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            raise TTSError(f"voice weight {weight!r} in {spec!r} is not a number") from None
        if not name or w <= 0:
            raise TTSError(f"bad voice spec {spec!r}: use NAME or NAME:WEIGHT,NAME:WEIGHT with weights > 0")
        parts.append((name, w))
    total = sum(w for _, w in parts)
    return [(n, w / total) for n, w in parts]


def load_voice(voices_dir: Path, spec: str) -> np.ndarray:
    """A single pack, or the weighted mix of several."""
    return sum(w * load_pack(voices_dir, n) for n, w in parse_blend(spec)).astype(np.float32)


class VoiceBank:
    """The voice packs in one folder, each spec (name or blend) loaded once."""

    def __init__(self, voices_dir: Path) -> None:
        self.dir = Path(voices_dir)
        self._loaded: dict[str, np.ndarray] = {}

    def get(self, spec: str) -> np.ndarray:
        if spec not in self._loaded:
            self._loaded[spec] = load_voice(self.dir, spec)
        return self._loaded[spec]

    def names(self) -> list[str]:
        return available(self.dir)
