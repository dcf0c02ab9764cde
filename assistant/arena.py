"""What Kokoro's activations cost on this machine, measured rather than assumed.

onnxruntime keeps the largest arena a run has needed, so the longest chunk the budget allows is
what the TTS will hold. How large that is depends on the CPU (kernels and their scratch space
differ with the ISA: 1.7 MB per token here, more on an AVX-512 host whose peak passed the budget),
so the first start on a machine synthesises one chunk of that length and reads the peak RSS it
added. The figure is kept beside the models, keyed by what it depends on, so later starts reuse it
instead of spending the seconds that run takes.
"""
from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

from assistant.budget import PeakSampler, rss_mb

# Real speech phonemes (a pangram), repeated to the length being measured: activations follow the
# audio's length, and made-up symbol runs get durations unlike a sentence's.
_SPEECH = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, wˈIl ðə ˈOld ɡɹˈA kˈæt wˈɑʧᵻz ɪt. "


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("model name", "Model", "CPU part")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _key(model_path: Path, tokens: int, threads: int, speed: float) -> str:
    import onnxruntime

    st = Path(model_path).stat()
    parts = [Path(model_path).name, str(st.st_size), _cpu(), platform.machine(), onnxruntime.__version__,
             str(tokens), str(threads), f"{speed:.2f}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def speech_phonemes(tokens: int) -> str:
    text = _SPEECH * (tokens // len(_SPEECH) + 1)
    return text[:tokens].rstrip() + "."


def activation_mb(engine, model_path: Path, tokens: int, threads: int, speed: float, cache_dir: Path) -> tuple[float, bool]:
    """Peak RSS (MB) one run of `tokens` phoneme tokens adds, and whether it was measured just now.
    A measurement leaves that arena allocated, as the first long sentence would."""
    cache = Path(cache_dir) / f"tts-activations-{_key(model_path, tokens, threads, speed)}.json"
    try:
        return float(json.loads(cache.read_text())["mb"]), False
    except (OSError, ValueError, KeyError):
        pass
    before = rss_mb()
    with PeakSampler(interval_s=0.01) as peak:
        engine.synth_phonemes(speech_phonemes(tokens), speed=speed)
    mb = max(0.0, peak.peak_mb - before)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"mb": round(mb, 1), "tokens": tokens, "cpu": _cpu()}))
    except OSError:
        pass  # a read-only cache only costs the measurement again next time
    return mb, True
