#!/usr/bin/env python3
"""Soak: many turns in file mode in one process; memory must not creep, threads must not leak.

usage: python scripts/soak.py [--turns 200] [--config default] [--warm-up 20]

Questions are spoken by our own TTS once, then each turn goes through the whole chain
(VAD -> ASR -> LLM -> sentences -> G2P -> TTS -> writer). Exits 1 when RSS after the
warm-up grows by more than 5%, a thread is left behind, or a turn goes unanswered.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time

import numpy as np

from assistant.audio import resample
from assistant.budget import MemoryBudget, rss_mb
from assistant.config import load
from assistant.events import EventLog
from assistant.pipeline import Pipeline, WavSink, load_models
from models.store import default_store
from assistant.vad import split_utterances

QUESTIONS = [
    "What is the capital of France?", "How many legs does a spider have?", "What color is the sky?",
    "Tell me a fun fact about the moon.", "What is two plus two?", "Why do cats purr?",
    "How far away is the sun?", "What is the tallest mountain in the world?",
    "Can you suggest a name for a dog?", "What should I cook for dinner tonight?",
]


class CountingSink(WavSink):
    """Keeps only the length of what would have been written, so the soak measures us, not a buffer."""

    async def play(self, chunk) -> None:
        self.samples = getattr(self, "samples", 0) + len(chunk.audio)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--warm-up", type=int, default=20)
    ap.add_argument("--config", default=None)
    a = ap.parse_args()

    cfg = load(a.config)
    events = EventLog()
    models = load_models(cfg, default_store(), events, MemoryBudget(cfg.runtime.memory_budget_mb))
    spoken = []
    for q in QUESTIONS:
        audio = resample(models.tts.synthesize(q, "am_michael"), 24000, 16000)
        (utt,) = split_utterances(np.concatenate([audio, np.zeros(16000, np.float32)]), cfg.vad)
        spoken.append(utt)
    threads_before = {t.ident for t in threading.enumerate()}

    async def soak() -> tuple[list[float], int]:
        pipeline = Pipeline(models, events)
        rss, unanswered = [], 0
        t0 = time.perf_counter()
        for turn in range(1, a.turns + 1):
            sink = CountingSink(events, 0)
            heard = await pipeline.hear(turn, spoken[turn % len(spoken)].audio)
            reply = await pipeline.respond(turn, heard, sink) if heard else ""
            if not reply or getattr(sink, "samples", 0) < 24000 * 0.3:
                unanswered += 1
                print(f"turn {turn}: NO ANSWER to {heard!r}", file=sys.stderr)
            rss.append(rss_mb())
            if turn % 20 == 0:
                print(f"turn {turn:4d}  rss {rss[-1]:6.1f} MB  {time.perf_counter() - t0:6.1f} s", flush=True)
        return rss, unanswered

    rss, unanswered = asyncio.run(soak())
    # asyncio.to_thread workers belong to the loop's executor, which asyncio.run shuts down.
    time.sleep(0.5)
    leaked = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    base = rss[min(a.warm_up, len(rss)) - 1]
    growth = (max(rss[a.warm_up:] or rss) - base) / base * 100
    print(f"\n{a.turns} turns: RSS after warm-up {base:.1f} MB, max after {max(rss[a.warm_up:] or rss):.1f} MB "
          f"(growth {growth:+.2f}%), final {rss[-1]:.1f} MB; unanswered {unanswered}; leaked threads {leaked or 'none'}")
    ok = growth <= 5.0 and not leaked and unanswered == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
