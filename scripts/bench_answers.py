#!/usr/bin/env python3
"""Does it answer right, out loud? Spoken questions through the whole pipeline, replies heard back.

usage: python scripts/bench_answers.py [--limit N] [--voices V,V] [--per-question K] [--json OUT]
                                      [--set llm.KEY=VALUE ...] [--typed] [--category C]
       (or: assistant bench answers ...)

Each question of scripts/answers_dev.toml is spoken by a Kokoro voice or an espeak-ng voice (a
different engine from the replies'), cached as a WAV outside the repository, and answered as
`assistant run --input q.wav --output r.wav` answers it: the VAD splits the file, Whisper hears it,
a skill or the LLM answers, the cutter and Kokoro speak (modes.answer_utterances, in process, the
models loaded once). Whisper then hears the reply's audio, and the question passes when that holds
an accepted answer (scripts/answer_score.py). The conversation and the timers start afresh for
every question, so no answer depends on the order. Voices take turns: question i is spoken by
`--per-question` voices, starting at voice i of the list, so every voice meets every category.
TTFA is file mode's: from the end of the question to the first reply audio handed to the writer.

`--set` lays config keys over the default (a prompt setting under test); `--typed` asks each
question as typed text and scores the reply's text (no speech either way: a quick sweep of LLM
settings, whose answers do not depend on the voices).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

from answer_score import accepted, score  # noqa: E402

DEV_SET = SCRIPTS / "answers_dev.toml"
VOICES = "af_heart,am_michael,bf_emma,bm_george,espeak:en-us+m3,espeak:en+f3"
CATEGORIES = ("skill", "fact", "chat")


def _setting(text: str) -> tuple[str, object]:
    """"llm.temperature=0" -> ("llm.temperature", 0.0): the value read as TOML, else as a string."""
    key, sep, value = text.partition("=")
    if not sep or "." not in key:
        raise SystemExit(f"bench answers: --set {text!r}: write SECTION.KEY=VALUE, e.g. llm.temperature=0")
    try:
        return key.strip(), tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key.strip(), value


def load_questions(path: Path = DEV_SET) -> list[dict]:
    with open(path, "rb") as f:
        return tomllib.load(f)["question"]


def plan(questions: list[dict], voices: list[str], per_question: int) -> list[tuple[dict, str]]:
    k = min(per_question, len(voices))
    return [(q, voices[(i + j) % len(voices)]) for i, q in enumerate(questions) for j in range(k)]


class Bench:
    """The models, loaded once, and one fresh conversation per question."""

    def __init__(self, settings: list[str] = ()) -> None:
        from assistant.budget import MemoryBudget
        from assistant.config import load, override
        from assistant.events import EventLog
        from assistant.pipeline import load_models
        from models.store import default_store

        self.cfg = load()
        for setting in settings:
            key, value = _setting(setting)
            self.cfg = override(self.cfg, key, value)
        self.events = EventLog()
        self.models = load_models(self.cfg, default_store(), self.events, MemoryBudget(self.cfg.runtime.memory_budget_mb))
        self.turn = 0

    async def _conversation(self, question: dict, models) -> "Pipeline":
        """A new conversation, no timers running, after the typed turns the question needs."""
        from assistant.pipeline import NullSink, Pipeline

        pipeline = Pipeline(models, self.events)
        if models.skills is not None:
            models.skills.timers.cancel_all()
        for typed in question.get("setup", []):  # e.g. the timer a question asks about
            self.turn += 1
            await pipeline.respond(self.turn, typed, NullSink())
        # A user asks after hearing the last reply; by then the LLM has read the history (prefill,
        # ~0.7 s on two cores), which would otherwise run beside this question's ASR and TTS.
        models.llm.idle()
        return pipeline

    async def ask_typed(self, question: dict) -> dict:
        """The question as typed text; the reply's text is what gets scored."""
        from dataclasses import replace

        from assistant.pipeline import NullSink
        from assistant.profile import turn_metrics

        pipeline = await self._conversation(question, replace(self.models, tts=None))  # words only, as `chat --mute`
        self.turn += 1
        reply = await pipeline.respond(self.turn, question["text"], NullSink())
        return {"heard_question": question["text"], "reply": reply, "heard_reply": reply, "ttfa_ms": None,
                "skill": turn_metrics(self.events, self.turn)["skill"], "utterances": 1}

    async def ask(self, question: dict, wav: Path) -> dict:
        from assistant.audio import ASR_RATE, read_wav, resample
        from assistant.modes import answer_utterances
        from assistant.pipeline import WavSink
        from assistant.profile import turn_metrics
        from assistant.vad import split_utterances

        pipeline = await self._conversation(question, self.models)
        sink = WavSink(self.events, self.cfg.audio.reply_gap_ms)
        utterances = split_utterances(read_wav(wav, ASR_RATE), self.cfg.vad)
        turns = await answer_utterances(pipeline, sink, self.events, utterances, self.turn + 1, say=lambda m: None)
        first = self.turn + 1
        self.turn += max(len(utterances), 1)
        reply_audio = sink.audio()
        heard_reply = self.models.asr.transcribe(resample(reply_audio, sink.rate, ASR_RATE)) if len(reply_audio) else ""
        row = turn_metrics(self.events, first) if turns else {}
        return {"heard_question": " ".join(t["user"] for t in turns), "reply": " ".join(t["reply"] for t in turns),
                "heard_reply": heard_reply, "ttfa_ms": row.get("ttfa_ms"), "asr_ms": row.get("asr_ms"),
                "tts_first_ms": row.get("tts_first_ms"), "first_chunk": row.get("first_chunk"), "skill": row.get("skill"),
                "utterances": len(utterances)}


def summarise(results: list[dict]) -> dict:
    out = {}
    for cat in CATEGORIES + ("all",):
        rows = [r for r in results if cat in ("all", r["category"])]
        out[cat] = {"n": len(rows), "passed": sum(r["score"] for r in rows),
                    "accuracy": round(sum(r["score"] for r in rows) / len(rows), 3) if rows else None,
                    **{f"median_{k}": _median(rows, k) for k in ("ttfa_ms", "asr_ms", "tts_first_ms")}}
    return out


def _median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def by_voice(results: list[dict]) -> dict:
    """Accuracy per speaking voice: shows whether misheard questions, not answers, cost the points."""
    out = {}
    for r in results:
        v = out.setdefault(r["voice"], {"n": 0, "passed": 0})
        v["n"] += 1
        v["passed"] += r["score"]
    return out


def table(summary: dict, voices: dict) -> str:
    # TTFA is ASR, then the skill or the LLM's first chunk, then that chunk's synthesis: medians of each
    lines = [f"{'category':<9} {'n':>4} {'passed':>7} {'accuracy':>9} {'TTFA ms':>8} {'ASR ms':>7} {'1st TTS ms':>11}",
             "-" * 60]
    for cat, s in summary.items():
        acc = "-" if s["accuracy"] is None else f"{100 * s['accuracy']:.1f}%"
        ms = ["-" if s[k] is None else f"{s[k]:.0f}" for k in ("median_ttfa_ms", "median_asr_ms", "median_tts_first_ms")]
        lines.append(f"{cat:<9} {s['n']:>4} {s['passed']:>7} {acc:>9} {ms[0]:>8} {ms[1]:>7} {ms[2]:>11}")
    lines.append("by voice: " + ", ".join(f"{v} {s['passed']}/{s['n']}" for v, s in voices.items()))
    return "\n".join(lines)


def failures(results: list[dict]) -> str:
    lines = []
    for r in results:
        if not r["score"]:
            lines += [f"[{r['category']}] {r['question']!r} ({r['voice']})",
                      f"    heard question: {r['heard_question']!r}", f"    reply:          {r['reply']!r}",
                      f"    heard reply:    {r['heard_reply']!r}", f"    accepted:       {r['accepted']}"]
    return "\n".join(lines) or "no failures"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, help="only the first N questions")
    ap.add_argument("--voices", default=VOICES, help=f"comma-separated; espeak ones as espeak:NAME (default {VOICES})")
    ap.add_argument("--per-question", type=int, default=2, help="how many of the voices speak each question")
    ap.add_argument("--json", type=Path, help="write every result and the summary here")
    ap.add_argument("--cache", type=Path, help="where spoken questions are kept (default: beside the model store)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="a config key for this run, e.g. llm.temperature=0 (repeatable)")
    ap.add_argument("--typed", action="store_true", help="typed questions, replies scored as text: no speech")
    ap.add_argument("--category", choices=CATEGORIES, help="only the questions of this category")
    args = ap.parse_args(argv)

    from answer_voices import Speakers
    from models.store import default_root

    questions = [q for q in load_questions() if args.category in (None, q["category"])][: args.limit]
    t0 = time.perf_counter()
    bench = Bench(args.set)
    if args.set:
        print("settings: " + ", ".join(args.set))
    if args.typed:
        results = [_scored(q, "typed", asyncio.run(bench.ask_typed(q)))
                   for q in tqdm_bar(questions, "asking")]
        return report(results, len(questions), t0, args.json)
    speakers = Speakers(bench.models.tts, args.cache or default_root().parent / "bench-answers")
    voices = speakers.usable([v.strip() for v in args.voices.split(",") if v.strip()])
    if not voices:
        print("no voice left to speak the questions", file=sys.stderr)
        return 1
    runs = plan(questions, voices, args.per_question)
    from tts import TTSError

    try:  # all synthesis before any timing
        spoken = [speakers.wav(voice, q["text"]) for q, voice in tqdm_bar(runs, "speaking the questions")]
    except (ValueError, TTSError) as e:  # a voice name neither engine knows
        print(f"bench answers: {e}", file=sys.stderr)
        return 2
    results = [_scored(q, voice, asyncio.run(bench.ask(q, wav)))
               for (q, voice), wav in tqdm_bar(list(zip(runs, spoken)), "asking")]
    return report(results, len(questions), t0, args.json)


def tqdm_bar(items: list, desc: str):
    from tqdm import tqdm  # bars on a terminal only

    return tqdm(items, desc=desc, disable=None, leave=False)


def _scored(q: dict, voice: str, got: dict) -> dict:
    now = datetime.now().astimezone()
    return {"category": q["category"], "question": q["text"], "voice": voice,
            "accepted": q.get("expect") if q.get("expect") == "sentence" else accepted(q, now),
            "score": score(q, got["heard_reply"], now), **got}


def report(results: list[dict], questions: int, t0: float, json_path: Path | None) -> int:
    summary, voice_summary = summarise(results), by_voice(results)
    print(table(summary, voice_summary))
    print(f"{len(results)} runs of {questions} questions in {time.perf_counter() - t0:.0f} s")
    print("\nfailures:\n" + failures(results))
    if json_path:
        json_path.write_text(json.dumps({"summary": summary, "by_voice": voice_summary, "results": results},
                                        indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
