"""How many waiting sentences the TTS worker synthesises in one call, on this machine.

A padded batch through the batched Kokoro computes each item no faster than a solo run on some
CPUs (two cores: every op is already threaded, docs/benchmarks.md) and faster on others (more cores
than one sentence's ops can use). So `tts.batch = "auto"` measures once per machine and models:
the same few sentences solo through the streaming engine, then in batches of 2 and 4 through the
batched model, and takes the fastest, never a batch that measured no faster than solo. The timing
runs in a child process so that the batched session's memory never adds to this one's peak; the
figures are kept beside the other measurements (assistant/arena.py), keyed by CPU and models.

    python -m assistant.batching SOLO.onnx BATCHED.onnx VOCAB.json VOICES_DIR THREADS   # prints JSON
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from assistant.arena import cpu_name

SIZES = (2, 4)
ROUNDS = 2
MARGIN = 1.05  # a batch must beat solo by this much: run-to-run noise is ~±5 % here
# Assistant-like replies of similar length (2-3 s of audio each), as Kokoro phonemes.
SENTENCES = [
    "ʃˈʊɹ, hˈɪɹ ɪt ɪz.",
    "aɪ sˈɛt ə tˈIməɹ fɔɹ tˈɛn mˈɪnəts.",
    "ðə lˈIts ɪn ðə kˈɪʧən ɑɹ ˈɔf nˈW.",
    "ɪts θɜɹti tˈu dəɡɹˈiz ˈWtsId.",
    "jˈɛs, ðə dˈɔɹ ɪz lˈɑkt.",
    "jʊɹ nˈɛkst mˈitɪŋ ɪz æt θɹˈi.",
    "aɪ ˈædᵻd mˈɪlk tə ðə lˈɪst.",
    "ðə mjˈuzɪk ɪz pˈɔzd.",
]


def choose(setting: str, speeds: dict[int, float] | None) -> int:
    """The batch size for `tts.batch` ("auto" or a number) given measured throughputs
    (audio s per wall s, keyed by batch size, 1 = solo engine)."""
    if setting != "auto":
        return int(setting)
    if not speeds or 1 not in speeds:
        return 1
    best = max(speeds, key=lambda b: (speeds[b], -b))
    return best if best > 1 and speeds[best] >= MARGIN * speeds[1] else 1


def speeds(solo: Path, batched: Path, vocab: Path, voices: Path, threads: int,
           cache_dir: Path) -> dict[int, float]:
    """Throughput per batch size on this machine: read back, or measured now (~20 s) and kept."""
    import onnxruntime

    depends = [cpu_name(), platform.machine(), onnxruntime.__version__, str(threads)]
    depends += [f"{p.name}:{p.stat().st_size}" for p in (Path(solo), Path(batched))]
    key = hashlib.sha256("\n".join(depends).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"tts-batch-{key}.json"
    try:
        return {int(b): float(v) for b, v in json.loads(cache.read_text())["speeds"].items()}
    except (OSError, ValueError, KeyError):
        pass
    out = subprocess.run([sys.executable, "-m", "assistant.batching", str(solo), str(batched), str(vocab),
                          str(voices), str(threads)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return {}  # unmeasurable here: "auto" then stays solo
    measured = {int(b): v for b, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"speeds": measured, "depends_on": depends}))
    except OSError:
        pass
    return measured


def _measure(solo: Path, batched: Path, vocab: Path, voices: Path, threads: int) -> dict[int, float]:
    from tts.batched_engine import BatchedKokoro
    from tts.kokoro import SAMPLE_RATE, KokoroEngine, trim_silence

    engine = KokoroEngine(solo, vocab, voices, threads=threads)
    batch = BatchedKokoro(batched, vocab, voices, threads=threads, max_batch=max(SIZES))
    texts = SENTENCES[:max(SIZES)]
    engine.synth_phonemes(texts[0])
    batch.synthesize_batch(texts[:2])  # warm-ups: first runs allocate

    def solo_run() -> float:
        return sum(len(engine.synth_phonemes(t)) for t in texts)

    def batch_run(b: int):
        batch.max_batch = b
        # trimmed as the solo engine's audio is, so that both count the same samples
        return lambda: sum(len(trim_silence(a)) for a in batch.synthesize_batch(texts))

    runs = {1: solo_run, **{b: batch_run(b) for b in SIZES}}
    best: dict[int, float] = {}
    for _ in range(ROUNDS):  # alternated, so that the machine's drift hits every size alike
        for b, run in runs.items():
            t0 = time.perf_counter()
            samples = run()
            rate = samples / SAMPLE_RATE / (time.perf_counter() - t0)
            best[b] = max(best.get(b, 0.0), rate)
    return {b: round(v, 3) for b, v in best.items()}


if __name__ == "__main__":
    solo_path, batched_path, vocab_path, voices_dir, n = sys.argv[1:6]
    print(json.dumps(_measure(Path(solo_path), Path(batched_path), Path(vocab_path), Path(voices_dir), int(n))))
