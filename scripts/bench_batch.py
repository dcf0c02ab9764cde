#!/usr/bin/env python
"""Throughput of batched Kokoro: batch 1/2/4/8 vs sequential single runs vs two concurrent runs.

    python scripts/bench_batch.py MODEL_DIR_OR_ONNX [--sizes 1,2,4,8] [--rounds 2] [--threads 2]

For every batch size b the same b sentences are synthesised three ways, alternated per round so
that machine drift hits all of them alike:
  batched     one session.run on the padded batch (intra-op threads = --threads)
  sequential  b runs of one sentence each, same session
  concurrent  two Python threads sharing one session with intra-op threads = 1, b/2 sentences each
  shipped     (baseline) b single-sentence runs of the shipped int8 model, if present
Throughput is audio seconds per wall second (median over rounds). Peak RSS is measured in a fresh
process per batch size (load + one batched run). Batched items are checked against their solo
runs: equal length in samples and mean log-mel distance.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.store import default_root  # noqa: E402

MODELS = default_root()
VOCAB = MODELS / "kokoro-vocab/vocab.json"
VOICES = MODELS / "kokoro-voices"
SHIPPED = MODELS / "kokoro-v1.0-int8/kokoro-v1.0.int8.onnx"

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


def _engine(model: Path, threads: int):
    from tts.batched_engine import BatchedKokoro

    return BatchedKokoro(model, VOCAB, VOICES, threads=threads, max_batch=64)


def _rss_child(model: str, b: int, threads: int) -> None:
    e = _engine(Path(model), threads)
    e.synthesize_batch(SENTENCES[:b])
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak across fork+exec
    hwm = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
    kib = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mib": kib / 1024}))


def peak_rss(model: Path, b: int, threads: int) -> float:
    out = subprocess.run([sys.executable, __file__, str(model), "--rss-child", str(b), "--threads", str(threads)],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mib"]


class _Shipped:
    """The shipped single-sentence model, run the way tts.kokoro.KokoroEngine runs it."""

    def __init__(self, threads: int) -> None:
        import numpy as np
        import onnxruntime as ort

        from tts.kokoro import load_vocab
        from tts.voices import load_voice

        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
        self.np = np
        self.sess = ort.InferenceSession(str(SHIPPED), opts, providers=["CPUExecutionProvider"])
        self.vocab, self.pack = load_vocab(VOCAB), load_voice(VOICES, "af_heart")

    def __call__(self, p: str):
        np = self.np
        ids = [self.vocab[c] for c in p if c in self.vocab]
        return self.sess.run(None, {"tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                                    "style": self.pack[len(ids) - 1][None],
                                    "speed": np.array([1.0], dtype=np.float32)})[0]


def bench(model: Path, sizes: list[int], rounds: int, threads: int, rss: bool) -> list[dict]:
    from tts.batched.metrics import logmel_distance

    shipped = _Shipped(threads) if SHIPPED.is_file() else None
    if shipped:
        shipped(SENTENCES[0])
    main = _engine(model, threads)
    conc = _engine(model, 1)
    main.warm_up()
    conc.warm_up()
    from tqdm import tqdm  # a bar on a terminal only

    solo = [main.synthesize_batch([p])[0] for p in SENTENCES[: max(sizes)]]
    rows = []
    for b in sizes:
        items = SENTENCES[:b]
        audio_s = sum(len(a) for a in solo[:b]) / 24000

        def batched():
            return main.synthesize_batch(items, sort=False)

        def sequential():
            return [main.synthesize_batch([p])[0] for p in items]

        def concurrent():
            halves = [items[0::2], items[1::2]]
            threads_ = [threading.Thread(target=lambda h=h: [conc.synthesize_batch([p]) for p in h]) for h in halves]
            for t in threads_:
                t.start()
            for t in threads_:
                t.join()

        def shipped_seq():
            return [shipped(p) for p in items]

        modes = [("batched", batched), ("sequential", sequential), ("concurrent", concurrent)]
        if shipped:
            modes.append(("shipped", shipped_seq))
        times = {name: [] for name, _ in modes}
        out = None
        for _ in tqdm(range(rounds), desc=f"batch {b}", disable=None, leave=False):
            for name, fn in modes:
                t0 = time.perf_counter()
                r = fn()
                times[name].append(time.perf_counter() - t0)
                if name == "batched":
                    out = r
        d = [logmel_distance(a, s) for a, s in zip(out, solo[:b])]
        same_len = all(len(a) == len(s) for a, s in zip(out, solo[:b]))
        med = {k: statistics.median(v) for k, v in times.items()}
        row = {"batch": b, "audio_s": round(audio_s, 2),
               "batched_tput": round(audio_s / med["batched"], 2),
               "sequential_tput": round(audio_s / med["sequential"], 2),
               "concurrent_tput": round(audio_s / med["concurrent"], 2),
               "shipped_tput": round(audio_s / med["shipped"], 2) if "shipped" in med else None,
               "speedup_vs_seq": round(med["sequential"] / med["batched"], 2),
               "max_logmel_db": round(max(d), 3), "lengths_equal": same_len,
               "padding": round(max(len(a) for a in solo[:b]) * b / sum(len(a) for a in solo[:b]), 2)}
        if rss:
            row["peak_rss_mib"] = round(peak_rss(model, b, threads))
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(model: Path, rows: list[dict]) -> str:
    head = ("| batch | audio s | batched a-s/s | sequential a-s/s | 2 concurrent a-s/s | shipped int8 seq. a-s/s "
            "| batched / sequential | max log-mel vs solo (dB) | lengths equal | padded / real samples "
            "| peak RSS MiB |")
    lines = [f"model: `{model.name}` (a-s/s = audio seconds per wall second)", "", head, "|" + "---|" * 11]
    for r in rows:
        lines.append(f"| {r['batch']} | {r['audio_s']} | {r['batched_tput']} | {r['sequential_tput']} | "
                     f"{r['concurrent_tput']} | {r['shipped_tput'] or '-'} | {r['speedup_vs_seq']}× | {r['max_logmel_db']} | "
                     f"{'yes' if r['lengths_equal'] else 'NO'} | {r['padding']} | {r.get('peak_rss_mib', '-')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="a built model .onnx, or the build directory (benches fp32 and int8)")
    p.add_argument("--sizes", default="1,2,4,8")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-rss", action="store_true")
    p.add_argument("--rss-child", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.rss_child:
        _rss_child(str(a.model), a.rss_child, a.threads)
        return 0
    models = [a.model] if a.model.suffix == ".onnx" else \
        [m for m in (a.model / "kokoro-batched.fp32.onnx", a.model / "kokoro-batched.int8.onnx") if m.is_file()]
    if not models:
        print(f"no batched model at {a.model}; build one with: python -m tts.batched DIR", file=sys.stderr)
        return 2
    sizes = [int(s) for s in a.sizes.split(",")]
    reports = [table(m, bench(m, sizes, a.rounds, a.threads, not a.no_rss)) for m in models]
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
