#!/usr/bin/env python3
"""Kokoro engine variants side by side: RTF, time to first audio of a 4-word chunk, peak RSS.

usage: python scripts/bench_tts.py [--rounds 3] [--model LABEL=PATH ...] [--json OUT]   (or: assistant bench tts ...)

Every variant is loaded in this one process and the variants are alternated sentence by
sentence after a warm-up, so a machine whose speed drifts (it does, ~2.5x within an hour
here) affects all of them alike. Each runs through tts.KokoroEngine with 2 threads, so all
are timed on the same work and their RTF is over the same trimmed audio the engine yields.
Peak RSS is measured per variant in a child process of its own. Variants: the shipped int8
model, and those of ours that have been built (`assistant models build`): the rebuilt model
with dynamic int8 convolutions (kokoro-batched) and the fast engine's model (kokoro-fast).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

SENTENCES = [
    "Sure, here it is.",
    "The capital of France is Paris, a city known for its art and food.",
    "A spider has eight legs.",
    "Tonight the temperature will drop to minus seven degrees, so bring a coat.",
    "I set a timer for ten minutes.",
    "The meeting moved to Thursday at three in the afternoon.",
]
FIRST_CHUNK = "Sure, the capital is"  # four words: what a reply's first chunk looks like


VARIANTS = {  # label -> (model-store name, file)
    "shipped int8": ("kokoro-v1.0-int8", None),
    "rebuilt int8 (dynamic)": ("kokoro-batched", "kokoro-batched.int8.onnx"),
    "fast (QLinearConv)": ("kokoro-fast", None),
}


def make_variants(files: list[str] = ()) -> dict:
    """label -> loader() -> callable(phonemes) -> audio, for the variants present in the store, and
    `files` ("LABEL=PATH": any Kokoro ONNX file, e.g. an older recipe's build)."""
    from models.store import default_store
    from tts import KokoroEngine

    store = default_store()
    vocab, voices = store.path("kokoro-vocab"), store.dir("kokoro-voices")

    def loader(path):
        def load():
            e = KokoroEngine(path(), vocab, voices, threads=2)
            return lambda ph: e.synth_phonemes(ph, "af_heart")
        return load

    variants = {label: loader(lambda n=name, f=file: store.path(n, f)) for label, (name, file) in VARIANTS.items()
                if store.status(name) == "cached"}
    for spec in files:
        label, _, path = spec.partition("=")
        variants[label] = loader(lambda p=path: Path(p))
    return variants


def peak_rss(name: str, files: list[str]) -> float:
    """Peak RSS of a fresh process that loads one variant and speaks every sentence once."""
    cmd = [sys.executable, __file__, "--child", name, *[a for f in files for a in ("--model", f)]]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return float(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else float("nan")


def child(name: str, files: list[str]) -> int:
    import g2p

    speak = make_variants(files)[name]()
    for s in SENTENCES:
        speak(g2p.phonemize(s))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent.
    with open("/proc/self/status") as f:
        print(next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--model", action="append", default=[], metavar="LABEL=PATH",
                    help="also time this Kokoro ONNX file (repeatable)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.model)

    import g2p
    from tqdm import tqdm  # a bar on a terminal only

    loaders = make_variants(a.model)
    variants = {k: load() for k, load in loaders.items()}
    phonemes = [g2p.phonemize(s) for s in SENTENCES]
    first = g2p.phonemize(FIRST_CHUNK)
    for v in variants.values():  # warm-up: first runs allocate arenas and are slow
        v(phonemes[0])
        v(first)
    synth = {k: 0.0 for k in variants}
    audio = {k: 0.0 for k in variants}
    ttfa = {k: [] for k in variants}
    for _ in tqdm(range(a.rounds), desc="rounds", disable=None, leave=False):
        for ph in phonemes:
            for k, v in variants.items():
                t = time.perf_counter()
                out = v(ph)
                synth[k] += time.perf_counter() - t
                audio[k] += len(out) / 24000
        for k, v in variants.items():
            t = time.perf_counter()
            v(first)
            ttfa[k].append((time.perf_counter() - t) * 1000)
    base = synth["shipped int8"] / audio["shipped int8"]
    rows = []
    print(f"{'variant':24s} {'RTF':>6s} {'speed vs shipped':>17s} {'4-word chunk ms':>16s} {'peak RSS MiB':>13s}")
    for k in variants:
        rtf = synth[k] / audio[k]
        rss = peak_rss(k, a.model)
        rows.append({"variant": k, "rtf": round(rtf, 3), "speedup": round(base / rtf, 2),
                     "first_chunk_ms": round(statistics.median(ttfa[k])), "peak_rss_mib": round(rss)})
        print(f"{k:24s} {rtf:6.3f} {base / rtf:16.2f}x {statistics.median(ttfa[k]):16.0f} {rss:13.0f}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
