"""What the models' working memory costs on this machine, measured rather than assumed.

onnxruntime and CTranslate2 keep the largest buffers a run has needed, so the longest TTS chunk
and the longest utterance the config allows are what Kokoro and Whisper will hold. How large
that is depends on the CPU (kernels and their scratch space differ with the ISA: Kokoro took
1.7 MB per phoneme token on an AVX2 host, more on an AVX-512 one whose peak passed the budget),
so the first start on a machine runs each once at that length and reads the peak RSS it added.
The figure is kept beside the models, keyed by everything it depends on, so later starts reuse it
instead of spending the second or two those runs take.
"""
from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.budget import PeakSampler, rss_mb

# Real speech phonemes (a pangram), repeated to the length being measured: activations follow the
# audio's length, and made-up symbol runs get durations unlike a sentence's.
_SPEECH = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, wˈIl ðə ˈOld ɡɹˈA kˈæt wˈɑʧᵻz ɪt. "


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("model name", "Model", "CPU part")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def speech_phonemes(tokens: int) -> str:
    text = _SPEECH * (tokens // len(_SPEECH) + 1)
    return text[:tokens].rstrip() + "."


def measured_mb(what: str, depends_on: list[str], run: Callable[[], object], cache_dir: Path) -> tuple[float, bool]:
    """Peak RSS (MB) that `run()` adds, and whether it was measured just now (its buffers are then
    resident) or read back from an earlier start on the same machine, models and settings."""
    key = hashlib.sha256("\n".join([what, cpu_name(), platform.machine(), *depends_on]).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"{what}-{key}.json"
    try:
        return float(json.loads(cache.read_text())["mb"]), False
    except (OSError, ValueError, KeyError):
        pass
    before = rss_mb()
    with PeakSampler(interval_s=0.01) as peak:
        run()
    mb = max(0.0, peak.peak_mb - before)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"mb": round(mb, 1), "cpu": cpu_name(), "depends_on": depends_on}))
    except OSError:
        pass  # a read-only cache only costs the measurement again next time
    return mb, True


def tts_activations_mb(engine, model_path: Path, tokens: int, threads: int, speed: float,
                       cache_dir: Path) -> tuple[float, bool]:
    """One Kokoro run of `tokens` phoneme tokens: the longest chunk the budget allows."""
    import onnxruntime

    st = Path(model_path).stat()
    return measured_mb("tts-activations", [Path(model_path).name, str(st.st_size), onnxruntime.__version__,
                                           str(tokens), str(threads), f"{speed:.2f}"],
                       lambda: engine.synth_phonemes(speech_phonemes(tokens), speed=speed), cache_dir)


def batched_activations_mb(batched, model_path: Path, tokens: int, threads: int, cache_dir: Path) -> tuple[float, bool]:
    """One full batch of the batched Kokoro: max_batch items whose padded size is `tokens`."""
    import onnxruntime

    st = Path(model_path).stat()
    each = speech_phonemes(max(8, tokens // batched.max_batch - 2))
    return measured_mb("tts-batched-activations", [Path(model_path).name, str(st.st_size), onnxruntime.__version__,
                                                   str(tokens), str(batched.max_batch), str(threads)],
                       lambda: batched.synthesize_batch([each] * batched.max_batch), cache_dir)


def asr_activations_mb(transcriber, model_dir: Path, seconds: float, cache_dir: Path) -> tuple[float, bool]:
    """Whisper on the longest utterance the VAD lets through: silence, so both the fitted window
    and, when that hears nothing, Whisper's own 30 s path run, as they may for a real one."""
    import ctranslate2

    cfg = transcriber.cfg
    return measured_mb("asr-activations", [Path(model_dir).name, ctranslate2.__version__, f"{seconds:.1f}",
                                           str(cfg.threads), cfg.compute_type, str(cfg.fit_window)],
                       lambda: transcriber.transcribe(np.zeros(int(seconds * 16000), np.float32)), cache_dir)
