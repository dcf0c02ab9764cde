#!/usr/bin/env python
"""Throughput of batched Kokoro against the streaming engine, and NimbleEdge's threads sweep.

    python scripts/bench_batch.py [BATCHED.onnx ...] [--sizes 1,2,4] [--threads 1,2] [--rounds 2]
    (or: assistant bench batch ...; default models: the store's kokoro-batched-fast and
    kokoro-batched int8: `assistant models build kokoro-batched kokoro-batched-fast`, PyTorch for the first)

For every intra-op thread count t and batch size b the same b sentences are synthesised three
ways, alternated per round so that machine drift hits all of them alike:
  batched     one padded batch through the batched model (t threads)
  sequential  b runs of the fast solo engine (kokoro-fast, what the pipeline speaks with; t threads)
  concurrent  two Python threads sharing one fast solo session of 1 thread, b/2 sentences each
Throughput is audio seconds (trimmed, as the pipeline plays them) per wall second, best of the
rounds. Peak RSS: a fresh process per batch size (load + one batched run). Each batched item is
compared with the fast solo engine's audio of the same sentence (length, log-mel distance). The
4- and 8-core figures at the end are a projection from the measured 1 -> 2 thread scaling, not a
measurement.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.batching import SENTENCES  # noqa: E402
from models.store import default_root  # noqa: E402
from tts.fast_batched import FAST_BATCHED_NAME  # noqa: E402
from tts.fast_model import FAST_NAME  # noqa: E402

MODELS = default_root()
VOCAB = MODELS / "kokoro-vocab/vocab.json"
VOICES = MODELS / "kokoro-voices"
FAST = MODELS / "kokoro-fast" / FAST_NAME
BATCHED = [MODELS / "kokoro-batched-fast" / FAST_BATCHED_NAME, MODELS / "kokoro-batched/kokoro-batched.int8.onnx"]


def _batched(model: Path, threads: int):
    from tts.batched_engine import BatchedKokoro

    return BatchedKokoro(model, VOCAB, VOICES, threads=threads, max_batch=64)


def _rss_child(model: str, b: int, threads: int) -> None:
    _batched(Path(model), threads).synthesize_batch(SENTENCES[:b])
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak across fork+exec
    hwm = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
    kib = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mib": kib / 1024}))


def peak_rss(model: Path, b: int, threads: int) -> float:
    out = subprocess.run([sys.executable, __file__, str(model), "--rss-child", str(b), "--threads", str(threads)],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mib"]


def bench(model: Path, sizes: list[int], rounds: int, threads: int, rss: bool) -> list[dict]:
    from tqdm import tqdm  # a bar on a terminal only

    from tts.batched.metrics import logmel_distance
    from tts.kokoro import KokoroEngine, trim_silence

    batched = _batched(model, threads)
    solo = KokoroEngine(FAST, VOCAB, VOICES, threads=threads)
    shared = KokoroEngine(FAST, VOCAB, VOICES, threads=1)
    for engine in (solo, shared):
        engine.synth_phonemes(SENTENCES[0])
    batched.warm_up()
    reference = [solo.synth_phonemes(p) for p in SENTENCES[: max(sizes)]]
    rows = []
    for b in sizes:
        items = SENTENCES[:b]
        audio_s = sum(len(a) for a in reference[:b]) / 24000

        def run_batched():
            return [trim_silence(a) for a in batched.synthesize_batch(items, sort=False)]

        def sequential():
            return [solo.synth_phonemes(p) for p in items]

        def concurrent():
            halves = [items[0::2], items[1::2]]
            workers = [threading.Thread(target=lambda h=h: [shared.synth_phonemes(p) for p in h]) for h in halves]
            for w in workers:
                w.start()
            for w in workers:
                w.join()

        modes = {"batched": run_batched, "sequential": sequential, "concurrent": concurrent}
        best = {name: float("inf") for name in modes}
        out = None
        for _ in tqdm(range(rounds), desc=f"{threads} threads, batch {b}", disable=None, leave=False):
            for name, fn in modes.items():
                t0 = time.perf_counter()
                r = fn()
                best[name] = min(best[name], time.perf_counter() - t0)
                out = r if name == "batched" else out
        d = [logmel_distance(a, s) for a, s in zip(out, reference[:b])]
        row = {"threads": threads, "batch": b, "audio_s": round(audio_s, 2),
               **{f"{k}_tput": round(audio_s / v, 2) for k, v in best.items()},
               "batched_vs_sequential": round(best["sequential"] / best["batched"], 2),
               "max_logmel_db": round(max(d), 2),
               "max_len_diff_ms": round(max(abs(len(a) - len(s)) for a, s in zip(out, reference[:b])) / 24, 1)}
        if rss:
            row["peak_rss_mib"] = round(peak_rss(model, b, threads))
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(model: Path, rows: list[dict]) -> str:
    head = ("| threads | batch | audio s | batched a-s/s | fast solo sequential a-s/s | 2 concurrent fast solo a-s/s "
            "| batched / sequential | max log-mel vs fast solo (dB) | max length diff ms | peak RSS MiB |")
    lines = [f"model: `{model.name}` (a-s/s = audio seconds per wall second)", "", head, "|" + "---|" * 10]
    for r in rows:
        lines.append(f"| {r['threads']} | {r['batch']} | {r['audio_s']} | {r['batched_tput']} | {r['sequential_tput']} | "
                     f"{r['concurrent_tput']} | {r['batched_vs_sequential']}× | {r['max_logmel_db']} | "
                     f"{r['max_len_diff_ms']} | {r.get('peak_rss_mib', '-')} |")
    lines += ["", *projection(rows)]
    return "\n".join(lines)


def projection(rows: list[dict]) -> list[str]:
    """4 and 8 cores, PROJECTED: each further doubling of threads assumed to scale as 1 -> 2 did."""
    by = {(r["threads"], r["batch"]): r for r in rows}
    out = []
    for b in sorted({r["batch"] for r in rows}):
        if (1, b) not in by or (2, b) not in by:
            continue
        one, two = by[(1, b)], by[(2, b)]
        cells = []
        for mode in ("batched", "sequential"):
            scale = two[f"{mode}_tput"] / one[f"{mode}_tput"]
            cells.append(f"{mode} x{scale:.2f} per doubling -> 4 cores {two[f'{mode}_tput'] * scale:.2f}, "
                         f"8 cores {two[f'{mode}_tput'] * scale ** 2:.2f} a-s/s")
        out.append(f"projection (not measured), batch {b}: " + "; ".join(cells))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", type=Path, nargs="*", help="batched .onnx models (default: the store's kokoro-batched-fast and kokoro-batched int8)")
    p.add_argument("--sizes", default="1,2,4")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", default="1,2", help="intra-op thread counts to sweep")
    p.add_argument("--no-rss", action="store_true")
    p.add_argument("--rss-child", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.rss_child:
        _rss_child(str(a.models[0]), a.rss_child, int(a.threads))
        return 0
    models = a.models or [m for m in BATCHED if m.is_file()] or BATCHED[:1]
    missing = [m for m in [*models, FAST] if not m.is_file()]
    if missing:
        print(f"not built: {', '.join(map(str, missing))}; build with `assistant models build kokoro-fast` and "
              "`assistant models build kokoro-batched` (the batched model needs PyTorch)", file=sys.stderr)
        return 2
    sizes = [int(s) for s in a.sizes.split(",")]
    reports = []
    for m in models:
        rows = [r for t in a.threads.split(",") for r in bench(m, sizes, a.rounds, int(t), not a.no_rss)]
        reports.append(table(m, rows))
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
