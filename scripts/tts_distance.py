#!/usr/bin/env python3
"""How far Kokoro variants sound from the shipped model: log-mel distance (dB, as the quality guard
measures it) per sentence and voice, median and max per variant; for choosing a build's settings.

    python scripts/tts_distance.py --model "v4=PATH" [--model ...] [--voices af_bella,am_echo] [--every 2]

Variants share the shipped text side, so their audio is as long as the shipped model's; each is
compared with it sample for sample.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_tts import SENTENCES  # noqa: E402  (scripts/ is this file's folder)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", default=[], help="LABEL=PATH of a Kokoro ONNX file (repeat); "
                    "default: the fast model the store holds")
    ap.add_argument("--voices", default="af_heart,am_michael,bf_emma")
    ap.add_argument("--every", type=int, default=1, help="every Nth of bench_tts's sentences")
    args = ap.parse_args()

    import g2p
    from assistant.config import load
    from models.store import default_store
    from tts import KokoroEngine
    from tts.batched.metrics import logmel_distance

    cfg, store = load(), default_store()
    engine = lambda path: KokoroEngine(path, store.path(cfg.models.vocab), store.dir(cfg.models.voices))
    variants = dict(m.split("=", 1) for m in args.model) or {"fast": str(store.path(cfg.models.tts_fast))}
    shipped = engine(store.path(cfg.models.tts))
    engines = {label: engine(Path(path)) for label, path in variants.items()}
    phonemes = [g2p.phonemize(s) for s in SENTENCES[:: args.every]]
    dist: dict[str, list[float]] = {label: [] for label in engines}
    for voice in args.voices.split(","):
        for ph in phonemes:
            ref = shipped.synth_phonemes(ph, voice)
            for label, e in engines.items():
                audio = e.synth_phonemes(ph, voice)
                n = min(len(audio), len(ref))
                dist[label].append(logmel_distance(audio[:n], ref[:n]))
    for label, d in dist.items():
        print(f"{label:24s} log-mel to shipped: median {statistics.median(d):.2f} dB, max {max(d):.2f} dB "
              f"({len(d)} renderings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
