#!/usr/bin/env python3
"""How far a Kokoro graph's audio moves when its input moves by almost nothing: the floor under any
"same audio" comparison (the quality guard's log-mel distance, a batched model's parity).

    python scripts/quant_floor.py                    # the shipped model and the fast one
    python scripts/quant_floor.py --model other.onnx

The decoder's half of the style vector (style[:128]: the text side never reads it, so durations
and lengths stay put) is scaled by 1 + eps; the audio is compared with the unscaled run over the
same samples (the unscaled run's speech, as trim_silence finds it), log-mel distance in dB as
tts.batched.metrics computes it. In an int8 graph whose activations are quantised per call
(DynamicQuantizeLinear), an eps that moves no scale changes nothing, and one that moves a scale
re-rounds every layer after it: the distance is then that of a whole new rounding, however small eps.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_tts import SENTENCES  # noqa: E402  (scripts/ is this file's folder)

EPSILONS = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3)
VOICES = ("af_heart", "am_michael")
DECODER_STYLE = 128  # Kokoro: style[:128] conditions the decoder, style[128:] the prosody predictor


def distances(engine, phonemes: list[str]) -> dict[float, list[float]]:
    from tts.batched.metrics import logmel_distance
    from tts.kokoro import speech_bounds

    out: dict[float, list[float]] = {eps: [] for eps in EPSILONS}
    for voice in VOICES:
        pack = engine.voice(voice)
        for ph in phonemes:
            ids = engine.tokens(ph)
            feed = {"tokens": np.array([[0, *ids, 0]], np.int64), "speed": np.array([1.0], np.float32),
                    "style": pack[len(ids) - 1][None, :].astype(np.float32)}
            (ref,) = engine.session.run(None, feed)
            start, end = speech_bounds(ref)
            for eps in EPSILONS:
                style = feed["style"].copy()
                style[:, :DECODER_STYLE] *= np.float32(1 + eps)
                (moved,) = engine.session.run(None, {**feed, "style": style})
                if len(moved) != len(ref):
                    raise ValueError("the perturbation changed the length: the text side read it")
                out[eps].append(logmel_distance(moved[start:end], ref[start:end]))
    return out


def main() -> int:
    from assistant.config import load
    from models.store import default_store
    from tts import KokoroEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, action="append", help="a Kokoro ONNX file with the shipped inputs (repeat)")
    args = ap.parse_args()
    cfg, store = load(), default_store()
    models = args.model or [store.path(cfg.models.tts), store.path(cfg.models.tts_fast)]
    import g2p

    phonemes = [g2p.phonemize(s) for s in SENTENCES]
    print(f"{'model':28s}" + "".join(f"{f'eps {e:g}':>18s}" for e in EPSILONS))
    for model in models:
        engine = KokoroEngine(Path(model), store.path(cfg.models.vocab), store.dir(cfg.models.voices))
        got = distances(engine, phonemes)
        cells = []
        for eps in EPSILONS:
            d = got[eps]
            same = sum(x == 0.0 for x in d)
            cells.append(f"{statistics.median(d):5.2f} dB ({same:2d}/{len(d)} =)")
        print(f"{Path(model).name:28s}" + "".join(f"{c:>18s}" for c in cells))
    print("median log-mel distance to the unmoved run; (k/n =): runs whose audio did not change at all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
