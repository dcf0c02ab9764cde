#!/usr/bin/env python3
"""The wake word in rooms: how often it is heard when said, and how often it is "heard" when not.

usage: python scripts/bench_wake.py [--words hey_jarvis,alexa,...] [--conditions room,white-20,...]
                                    [--threshold 0.3,0.5] [--patience 1,2] [--json OUT] [--short]
       (or: assistant bench wake ...)

True accepts: each wake word said alone ("Hey Jarvis.") and in one breath with a question ("Hey
Jarvis, what time is it?") by espeak-ng and Kokoro voices, through the ASR dev set's rooms and
noises (scripts/asr_dev.py). False accepts: the whole ASR dev set (questions with no wake word in
every room and noise, ~19 min) plus ten minutes of babble and fan hum alone, per wake word, reported
per hour. The detector runs on 30 ms frames as the live loop feeds it (assistant.wake.WakeWord);
its cost is CPU time per second of audio. Each recording is scored once; every threshold x patience
(scores in a row that must reach it) is then replayed on the scores, so a sweep costs one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import asr_dev  # noqa: E402

PHRASES = {"hey_jarvis": "Hey Jarvis", "okay_nabu": "Okay Nabu", "alexa": "Alexa",
           "hey_mycroft": "Hey Mycroft", "hey_rhasspy": "Hey Rhasspy"}
AFTER = ["what time is it?", "set a timer for ten minutes.", "how far away is the moon?"]
TRUE_CONDITIONS = "clean,room,white-20,babble-20,hum-10"
NOISE_ONLY_S = 300  # of each: babble, hum
FRAME = 480


def scores(wake, audio: np.ndarray) -> np.ndarray:
    """The detector's scores over `audio`, fed in 30 ms frames from a fresh state, as the live loop feeds it."""
    wake.reset()
    return np.array([x for k in range(0, len(audio) - FRAME + 1, FRAME) for x in wake.scores(audio[k:k + FRAME])])


def fires(trigger, trace: np.ndarray) -> int:
    """How many times `trigger` fires over a score trace."""
    trigger.reset()
    return sum(trigger.step(x) for x in trace)


def bench(words: list[str], rules: list[tuple[float, int]], said: dict[str, list], unsaid: list,
          progress=lambda it, _d: it) -> dict:
    """said: {word: [(label, audio)]} with the word in it; unsaid: [(label, audio)] without any.
    Each audio is scored once; every (threshold, patience) rule is then replayed on the scores."""
    from assistant.wake import Trigger, WakeWord

    out = {}
    hours = sum(len(a) for _, a in unsaid) / 16000 / 3600
    for word in words:
        wake = WakeWord(word)
        said_traces = [(label, scores(wake, audio)) for label, audio in progress(said[word], f"{word} said")]
        unsaid_traces, cost = [], []
        for label, audio in progress(unsaid, f"{word} unsaid"):
            t0 = time.process_time()
            unsaid_traces.append((label, scores(wake, audio)))
            cost.append((len(audio) / 16000, time.process_time() - t0))
        wake.close()
        longest = max(cost)  # the steady state: a fresh detector first digests 8 s of silence
        out[word] = {"cpu_ms_per_audio_s": round(1000 * longest[1] / longest[0], 1), "hours_unsaid": round(hours, 3),
                     "rules": {}}
        for threshold, patience in rules:
            trigger = Trigger(threshold, patience)
            missed = [label for label, trace in said_traces if not fires(trigger, trace)]
            false = [(label, n) for label, trace in unsaid_traces if (n := fires(trigger, trace))]
            out[word]["rules"][f"{threshold:g}/{patience}"] = {
                "threshold": threshold, "patience": patience,
                "said": len(said_traces), "accepted": len(said_traces) - len(missed),
                "accepted_pct": round(100 * (1 - len(missed) / max(1, len(said_traces))), 1), "missed": missed,
                "false_accepts": sum(n for _, n in false),
                "false_per_hour": round(sum(n for _, n in false) / hours, 2) if hours else None, "false_in": false}
    return out


def scores_list(text: str) -> list[float]:
    """"0.3,0.5" -> [0.3, 0.5]: detector scores, each in (0, 1)."""
    out = [float(x) for x in text.split(",") if x.strip()]
    if not out or not all(0.0 < x < 1.0 for x in out):
        raise ValueError(text)
    return out


def hops_list(text: str) -> list[int]:
    """"1,2" -> [1, 2]: hops in a row, each at least 1."""
    out = [int(x) for x in text.split(",") if x.strip()]
    if not out or min(out) < 1:
        raise ValueError(text)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", default=",".join(PHRASES))
    ap.add_argument("--conditions", default=TRUE_CONDITIONS, help="where the wake words are said")
    ap.add_argument("--threshold", type=scores_list, default=None,
                    help="detector scores that fire, e.g. 0.3,0.5 (default: config)")
    ap.add_argument("--patience", type=hops_list, default=[1],
                    help="hops in a row at the threshold, e.g. 1,2 (the assistant uses 1)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--short", action="store_true", help="hey_jarvis only, clean and room, a little unsaid speech")
    ap.add_argument("--cache", type=Path, help="where the spoken phrases are kept")
    args = ap.parse_args()
    try:
        import pyopen_wakeword  # noqa: F401
        import pyroomacoustics  # noqa: F401
    except (ImportError, OSError) as e:
        print(f"bench wake needs {getattr(e, 'name', e)} (pip install -e '.[test]' pyopen-wakeword)", file=sys.stderr)
        return 2
    words = [w.strip() for w in args.words.split(",") if w.strip()]
    if args.short:
        words, args.conditions = ["hey_jarvis"], "clean,room"
    unknown = [w for w in words if w not in PHRASES]
    if unknown:
        print(f"bench wake: no wake word {unknown[0]!r}; words: {', '.join(PHRASES)}", file=sys.stderr)
        return 2
    conditions = [asr_dev.condition_named(c.strip()) for c in args.conditions.split(",") if c.strip()]

    from answer_voices import Speakers
    from bench_answers import tqdm_bar

    from assistant.config import load
    from models.store import default_root, default_store

    t0 = time.perf_counter()
    cfg = load()
    store = default_store()
    speakers = Speakers.for_bench(cfg, store, args.cache or default_root().parent / "bench-asr")
    spoken = speakers.audio
    voices = speakers.usable(asr_dev.VOICES)
    babble_voices = speakers.usable(asr_dev.BABBLE_VOICES)
    talkers = [spoken(v, line) for v, line in zip(babble_voices, asr_dev.BABBLE_LINES)]

    said: dict[str, list] = {}
    for w in words:
        texts = [f"{PHRASES[w]}."] + [f"{PHRASES[w]}, {a}" for a in AFTER]
        said[w] = []
        for ci, cond in enumerate(conditions):
            for i, voice in enumerate(voices):
                text = texts[(i + ci) % len(texts)]
                room = asr_dev.rooms.ROOMS[(i + ci) % len(asr_dev.rooms.ROOMS)]
                audio = asr_dev.scene(cond, spoken(voice, text), room, talkers, seed=7000 + 100 * ci + i)
                said[w].append((f"{cond.name}/{room.name if cond.room else '-'}/{voice}: {text}", audio))
    questions = asr_dev.QUESTIONS[:6] if args.short else asr_dev.QUESTIONS
    unsaid = [(f"{s.condition}/{s.room}/{s.voice}: {s.text}", s.audio)
              for s in asr_dev.dev_set(spoken, voices, babble_voices,
                                       conditions if args.short else asr_dev.CONDITIONS, questions)]
    if not args.short:
        n = NOISE_ONLY_S * 16000
        unsaid += [("babble alone (a TV)", asr_dev.rooms.scaled_to(asr_dev.babble(n, talkers, 1), -30.0)),
                   ("hum alone (a fan)", asr_dev.rooms.scaled_to(asr_dev.hum(n, 2), -35.0))]
    print(f"{sum(map(len, said.values()))} wake words said; {sum(len(a) for _, a in unsaid) / 16000 / 60:.1f} min "
          f"without one; ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    rules = [(t, p) for t in args.threshold or [cfg.audio.wake_threshold] for p in args.patience]
    report = {"simulation": "rooms simulated with pyroomacoustics; speakers are TTS (espeak-ng and Kokoro)",
              "conditions": [c.name for c in conditions], "words": bench(words, rules, said, unsaid, tqdm_bar)}
    report["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"{'wake word':<14}{'threshold':>10}{'patience':>9}{'accepted':>12}{'false':>8}{'per hour':>10}"
          f"{'CPU ms/s':>10}")
    for w, by_word in report["words"].items():
        for r in by_word["rules"].values():
            print(f"{w:<14}{r['threshold']:>10g}{r['patience']:>9}{r['accepted']:>6}/{r['said']:<5}"
                  f"{r['false_accepts']:>8}{r['false_per_hour']:>10}{by_word['cpu_ms_per_audio_s']:>10}")
            for m in r["missed"]:
                print(f"    missed: {m}")
            for label, k in r["false_in"]:
                print(f"    false x{k}: {label}")
    print(f"{report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
