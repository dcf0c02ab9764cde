#!/usr/bin/env python3
"""Benchmark g2p against plain espeak-ng (phonemizer) on the Misaki dev set.

usage: python scripts/bench_g2p.py [--dev PATH] [--rounds N] [--hyp OUT.jsonl]

Prints load time, added RSS, sentences/s for g2p and for espeak-ng (same sentences,
same process, one call per sentence), their ratio, and g2p's PER via score.py.
Needs G2P_GOLD/G2P_SILVER or the project's model store for the lexicons.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DEV = ROOT.parent / 'shared' / 'g2p-bench' / 'misaki_dev.jsonl'


def rss_mb() -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--dev', default=str(DEFAULT_DEV))
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--hyp', default=None, help='also keep the hypothesis JSONL here')
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.dev, encoding='utf-8') if l.strip()]
    texts = [r['text'] for r in rows]

    rss0 = rss_mb()
    t0 = time.perf_counter()
    import g2p
    g = g2p.default()
    g('Warm up, 1 2 3.')
    load = time.perf_counter() - t0
    rss1 = rss_mb()
    g('Qwzxvbrk')  # waits for the background espeak-ng load; not a dev-set word

    # cold pass (empty espeak cache) then warm passes
    t = time.perf_counter()
    hyps = [g(x) for x in texts]
    cold = len(texts) / (time.perf_counter() - t)
    from tqdm import tqdm  # a bar on a terminal only

    t = time.perf_counter()
    for _ in tqdm(range(a.rounds), desc='g2p warm passes', disable=None, leave=False):
        for x in texts:
            g(x)
    warm = a.rounds * len(texts) / (time.perf_counter() - t)
    rss2 = rss_mb()

    import espeakng_loader
    from phonemizer.backend import EspeakBackend
    from phonemizer.backend.espeak.wrapper import EspeakWrapper
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    be = EspeakBackend(language='en-us', preserve_punctuation=True, with_stress=True)
    be.phonemize(['warm up'])
    t = time.perf_counter()
    for _ in tqdm(range(a.rounds), desc='espeak-ng passes', disable=None, leave=False):
        for x in texts:
            be.phonemize([x])
    esp = a.rounds * len(texts) / (time.perf_counter() - t)

    print(f'import+load      {load:.3f} s')
    print(f'added RSS        {rss2 - rss0:.1f} MB (after load {rss1 - rss0:.1f} MB)')
    print(f'g2p cold         {cold:,.0f} sentences/s (first pass, espeak cache empty)')
    print(f'g2p warm         {warm:,.0f} sentences/s ({a.rounds} passes)')
    print(f'espeak-ng        {esp:,.0f} sentences/s (phonemizer, one call per sentence)')
    print(f'ratio g2p/espeak {warm / esp:.2f}x warm, {cold / esp:.2f}x cold')

    out = a.hyp or tempfile.mkstemp(suffix='.jsonl')[1]
    with open(out, 'w', encoding='utf-8') as f:
        for r, h in zip(rows, hyps):
            f.write(json.dumps({'id': r['id'], 'category': r.get('category'), 'text': r['text'],
                                'phonemes': h}, ensure_ascii=False) + '\n')
    score = Path(a.dev).with_name('score.py')
    if score.exists():
        sys.stdout.flush()
        subprocess.run([sys.executable, str(score), a.dev, out])
    if not a.hyp:
        os.unlink(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
