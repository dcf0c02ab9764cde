"""Audio comparison helpers (numpy only): log-mel spectra and their mean distance in dB."""
from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4)
def _mel_bank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel = lambda hz: 2595.0 * np.log10(1.0 + hz / 700.0)  # noqa: E731
    imel = lambda m: 700.0 * (10 ** (m / 2595.0) - 1.0)  # noqa: E731
    pts = imel(np.linspace(mel(0.0), mel(sr / 2), n_mels + 2))
    bank = np.zeros((n_mels, len(freqs)))
    for i in range(n_mels):
        lo, c, hi = pts[i], pts[i + 1], pts[i + 2]
        bank[i] = np.clip(np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)), 0, None)
    return bank


def logmel(x: np.ndarray, sr: int = 24000, n_fft: int = 1024, hop: int = 256, n_mels: int = 80) -> np.ndarray:
    """[frames, n_mels] log-mel power in dB."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(n_fft + 1)[:-1]
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return 10.0 * np.log10(power @ _mel_bank(sr, n_fft, n_mels).T + 1e-10)


def logmel_distance(a: np.ndarray, b: np.ndarray, floor_db: float = 80.0) -> float:
    """Mean absolute log-mel difference in dB (b is the reference; both floored at peak - floor_db)."""
    A, B = logmel(a), logmel(b)
    n = min(len(A), len(B))
    A, B = A[:n], B[:n]
    floor = B.max() - floor_db
    return float(np.abs(np.maximum(A, floor) - np.maximum(B, floor)).mean())


def logmel_distance_dtw(a: np.ndarray, b: np.ndarray, floor_db: float = 80.0) -> float:
    """Like logmel_distance, after aligning frames by dynamic time warping (for unequal lengths)."""
    A, B = logmel(a), logmel(b)
    floor = B.max() - floor_db
    A, B = np.maximum(A, floor), np.maximum(B, floor)
    cost = np.abs(A[:, None, :] - B[None, :, :]).mean(axis=2)  # [na, nb]
    na, nb = cost.shape
    acc = np.full((na + 1, nb + 1), np.inf)
    steps = np.zeros((na + 1, nb + 1), dtype=np.int64)
    acc[0, 0] = 0.0
    for i in range(1, na + 1):
        for j in range(max(1, i - 50), min(nb, i + 50) + 1):  # band: lengths differ by little
            choices = (acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
            k = int(np.argmin(choices))
            prev = ((i - 1, j - 1), (i - 1, j), (i, j - 1))[k]
            acc[i, j] = choices[k] + cost[i - 1, j - 1]
            steps[i, j] = steps[prev] + 1
    return float(acc[na, nb] / max(steps[na, nb], 1))
