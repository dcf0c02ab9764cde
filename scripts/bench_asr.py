#!/usr/bin/env python3
"""Hearing in a room: word error rate by condition, for the whole-file path and the live path.

usage: python scripts/bench_asr.py [--conditions clean,room,...] [--questions N]
                                   [--variants "name:key=value,...;..."] [--json OUT] [--short]
       (or: assistant bench asr ...)

The dev set (scripts/asr_dev.py): questions in espeak-ng and Kokoro voices, through simulated rooms
(pyroomacoustics), over white noise, babble and a fan's hum at 5-20 dB SNR, too quiet, clipped.

* whole file: what `assistant transcribe` does (Whisper's own 30 s window over the recording);
* live: what `assistant run` does: 30 ms frames through the VoiceLoop itself (Endpointer, the
  speculative transcript started in a pause, the fitted window), with a pipeline that only hears.
  Frames go in as fast as Whisper allows rather than at real-time pace: each speculation's audio is
  fixed when it starts, so the words are the same; ASR time is measured per call, alone. Live, a
  speculation dropped before its first decode ends skips the prompt's second decode; here that
  decode still runs (the bench cannot see the drop coming) and its time is not counted.

Each `--variants` entry is the live path with config keys changed (vad.*, asr.*), side by side on
the same scenes: the levers. WER is corpus WER (errors over reference words, number words and
digits alike); "split" counts questions the live path heard as more than one utterance (each part
would be answered on its own), "missed" those it heard nothing of, "unended" those whose utterance
was still open when the recording ended (live, a steady noise keeps it open until max_utterance_s).
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import asr_dev  # noqa: E402

DEFAULT_VARIANTS = ("default:;no-speculation:vad.speculate_ms=600;vad-1:vad.aggressiveness=1;"
                    "vad-3:vad.aggressiveness=3;preroll-500:vad.preroll_ms=500;hangover-900:vad.hangover_ms=900;"
                    "beam-1:asr.beam_size=1;30s-window:asr.fit_window=false")
SHORT_CONDITIONS = "clean,white-10,babble-10"
TAIL_FRAMES = 200   # after the recording: quiet frames while a turn is still open (6 s)


# ---- the two paths --------------------------------------------------------------------------------
@dataclass
class Call:
    """One ASR call of the live path, on the frame clock."""
    launched_ns: int
    ms: float                # both decodes
    first_ms: float          # until Whisper asked whether it was still wanted (all of it if it never asked)
    skipped: bool = False    # dropped before that: live, the second decode would not have run

    @property
    def live_ms(self) -> float:
        return self.first_ms if self.skipped else self.ms


class Hearing:
    """The pipeline's hearing alone, for the VoiceLoop: ASR timed per call; every reply is empty."""

    skills = None

    def __init__(self, asr) -> None:
        self.asr = asr
        self.calls: list[Call] = []
        self.now_ns = 0  # the frame the loop is at

    async def hear(self, turn: int, audio: np.ndarray, wanted=lambda: True) -> str:
        t0, asked = time.perf_counter(), []

        def noted() -> bool:  # the loop's answer lies in frames not fed yet: yes, and when it was asked
            asked.append(time.perf_counter())
            return True

        # in the loop's own thread: each speculation hears its snapshot at once
        text = self.asr.transcribe(audio, noted)
        end = time.perf_counter()
        self.calls.append(Call(self.now_ns, 1000 * (end - t0), 1000 * ((asked[0] if asked else end) - t0)))
        return text

    async def respond(self, turn: int, text: str, sink) -> str:
        return ""

    def cancel(self) -> None:
        """The speculation (the latest call) was dropped at this frame; live, frames come in real time,
        so its second decode would have been skipped if this came before its first decode ended."""
        last = self.calls[-1] if self.calls else None
        if last is not None and last.first_ms < last.ms and self.now_ns - last.launched_ns < last.first_ms * 1e6:
            last.skipped = True


def live_heard(asr, cfg, audio: np.ndarray) -> tuple[list[str], list[Call], bool]:
    """What the live loop says it heard ("you: ...") in a recording, its ASR calls, and
    whether an utterance was still open when the recording ended (its noise never let it end)."""
    from assistant.events import EventLog
    from assistant.pipeline import NullSink
    from assistant.vad import frames_of
    from assistant.voice_loop import MicFrame, VoiceLoop

    hearing, said, unended = Hearing(asr), [], []
    loop = VoiceLoop(hearing, NullSink(), EventLog(), cfg.vad, cfg.audio,
                     say=lambda m: said.append(m[len("you: "):]) if m.startswith("you: ") else None)
    frame_len = 16000 * cfg.vad.frame_ms // 1000
    quiet = np.zeros(frame_len, np.float32)

    async def frames():
        t = 0
        recorded = frames_of(audio, frame_len)
        for k, f in enumerate([*recorded, *[quiet] * TAIL_FRAMES]):
            if k == len(recorded):
                unended.append(loop.endpointer.in_speech)
            t += cfg.vad.frame_ms * 1_000_000
            hearing.now_ns = t
            yield MicFrame(f, t)
            await asyncio.sleep(0)  # let a turn started on this frame hear its audio now
            if t > len(audio) * 62_500 and not loop.busy:  # 62 500 ns per sample at 16 kHz
                return

    asyncio.run(loop.run(frames()))
    return [s for s in said if s], hearing.calls, bool(unended and unended[0])


# ---- scoring ----------------------------------------------------------------------------------------
@dataclass
class Tally:
    errors: int = 0
    words: int = 0
    split: int = 0
    missed: int = 0
    unended: int = 0
    asr_ms: list[float] = field(default_factory=list)
    calls: int = 0
    scenes: int = 0
    retries_skipped: int = 0     # second decodes a dropped speculation would have skipped live
    skipped_ms: float = 0.0      # and their time, not in asr_ms

    def add(self, reference: str, parts: list[str], asr_ms: list[float], unended: bool = False,
            retries_skipped: int = 0, skipped_ms: float = 0.0) -> None:
        from answer_score import word_errors

        errors, words = word_errors(reference, " ".join(parts))
        self.errors += errors
        self.words += words
        self.split += len(parts) > 1
        self.missed += not parts
        self.unended += unended
        self.asr_ms += asr_ms
        self.calls += len(asr_ms)
        self.scenes += 1
        self.retries_skipped += retries_skipped
        self.skipped_ms += skipped_ms

    def add_live(self, reference: str, parts: list[str], calls: list[Call], unended: bool) -> None:
        self.add(reference, parts, [c.live_ms for c in calls], unended, sum(c.skipped for c in calls),
                 sum(c.ms - c.live_ms for c in calls))

    def merge(self, other: "Tally") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def report(self) -> dict:
        return {"wer_pct": round(100 * self.errors / max(1, self.words), 1), "split": self.split,
                "missed": self.missed, "unended": self.unended, "scenes": self.scenes,
                "asr_ms_median": round(statistics.median(self.asr_ms), 1) if self.asr_ms else None,
                "asr_calls_per_scene": round(self.calls / max(1, self.scenes), 2),
                # the "ASR time per utterance": all of a question's calls (speculation included)
                "asr_ms_per_scene": round(sum(self.asr_ms) / max(1, self.scenes), 1),
                "retries_skipped": self.retries_skipped,
                # as if a dropped speculation's second decode ran on (as it did before `wanted`)
                "asr_ms_per_scene_every_retry": round((sum(self.asr_ms) + self.skipped_ms) / max(1, self.scenes), 1)}


def variant_cfgs(base, spec: str) -> dict:
    """"name:key=value,key=value;name2:..." -> {name: config}; values parsed as TOML scalars."""
    import tomllib

    from assistant.config import override

    out = {}
    for entry in filter(None, (e.strip() for e in spec.split(";"))):
        name, _, changes = entry.partition(":")
        cfg = base
        for change in filter(None, (c.strip() for c in changes.split(","))):
            key, _, raw = change.partition("=")
            cfg = override(cfg, key.strip(), tomllib.loads(f"v = {raw.strip()}")["v"])
        out[name.strip()] = cfg
    return out


def transcriber_for(asr, cfg):
    """The loaded Whisper under another [asr] section: shared when only decoding settings differ."""
    from assistant.asr import Transcriber

    if (cfg.asr.compute_type, cfg.asr.threads) != (asr.cfg.compute_type, asr.cfg.threads):
        return Transcriber(asr.model_dir, cfg.asr)
    other = copy.copy(asr)
    other.cfg = cfg.asr
    return other


def bench(scenes: list, asr, variants: dict, progress=lambda it, _d: it) -> dict:
    """{"whole_file": {condition: tally}, "live": {variant: {condition: tally}}, "heard": [...]}."""
    whole: dict[str, Tally] = {}
    live: dict[str, dict[str, Tally]] = {v: {} for v in variants}
    heard = []
    hearers = {v: transcriber_for(asr, cfg) for v, cfg in variants.items()}
    for sc in progress(scenes, "scenes"):
        t0 = time.perf_counter()
        text = asr.file_text(sc.audio)
        whole.setdefault(sc.condition, Tally()).add(sc.text, [text] if text else [], [1000 * (time.perf_counter() - t0)])
        row = {"condition": sc.condition, "room": sc.room, "voice": sc.voice, "text": sc.text, "whole_file": text}
        for v, cfg in variants.items():
            parts, calls, unended = live_heard(hearers[v], cfg, sc.audio)
            live[v].setdefault(sc.condition, Tally()).add_live(sc.text, parts, calls, unended)
            row[v] = parts
        heard.append(row)

    def table(tallies: dict[str, Tally]) -> dict:
        total = Tally()
        for t in tallies.values():
            total.merge(t)
        return {**{c: t.report() for c, t in tallies.items()}, "all": total.report()}

    return {"whole_file": table(whole), "live": {v: table(t) for v, t in live.items()}, "heard": heard}


def print_table(report: dict) -> None:
    conds = [c for c in report["whole_file"]]
    print("WER % by condition (live: questions split/missed/unended in brackets); ASR ms: median per call, "
          "calls per question, ms per question; second decodes skipped, and ms per question had they run")
    print(f"{'path':<18}" + "".join(f"{c:>14}" for c in conds)
          + f"{'ASR ms':>8}{'calls':>6}{'per q':>7}{'skipped':>8}{'had run':>8}")

    def line(name: str, tab: dict, marks: bool) -> str:
        cells = []
        for c in conds:
            r = tab[c]
            counts = (r["split"], r["missed"], r["unended"])
            mark = "({}/{}/{})".format(*counts) if marks and any(counts) else ""
            cells.append(f"{r['wer_pct']:>6.1f}{mark:>8}")
        a = tab["all"]
        return (f"{name:<18}" + "".join(cells)
                + f"{a['asr_ms_median']:>8.0f}{a['asr_calls_per_scene']:>6.2f}{a['asr_ms_per_scene']:>7.0f}"
                + f"{a['retries_skipped']:>8}{a['asr_ms_per_scene_every_retry']:>8.0f}")

    print(line("whole file", report["whole_file"], False))
    for v, tab in report["live"].items():
        print(line(f"live {v}", tab, True))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conditions", default=",".join(c.name for c in asr_dev.CONDITIONS))
    ap.add_argument("--questions", type=int, default=len(asr_dev.QUESTIONS), help="the first N questions")
    ap.add_argument("--variants", default=DEFAULT_VARIANTS, help="live-path variants: name:key=value,...;...")
    ap.add_argument("--json", type=Path, help="write the report (and every transcript) here")
    ap.add_argument("--short", action="store_true", help=f"{SHORT_CONDITIONS}, 8 questions, the default live path")
    ap.add_argument("--cache", type=Path, help="where the spoken questions are kept")
    args = ap.parse_args()
    if args.short:
        args.conditions, args.questions, args.variants = SHORT_CONDITIONS, 8, "default:"
    try:
        import jiwer  # noqa: F401
        import pyroomacoustics  # noqa: F401
    except ImportError as e:
        print(f"bench asr needs {e.name} (the test extra: pip install -e '.[test]'; pyroomacoustics has no "
              "wheel for Linux on ARM, where pip builds it from source with a C++ compiler)", file=sys.stderr)
        return 2
    try:
        conditions = [asr_dev.condition_named(n.strip()) for n in args.conditions.split(",") if n.strip()]
    except ValueError as e:
        print(f"bench asr: {e}", file=sys.stderr)
        return 2

    from answer_voices import Speakers
    from bench_answers import tqdm_bar

    from assistant.asr import Transcriber
    from assistant.config import load
    from assistant.errors import ConfigError
    from models.store import default_root, default_store

    t0 = time.perf_counter()
    cfg = load()
    try:
        variants = variant_cfgs(cfg, args.variants)
    except (ConfigError, ValueError) as e:
        print(f"bench asr: bad --variants: {e}", file=sys.stderr)
        return 2
    store = default_store()
    speakers = Speakers.for_bench(cfg, store, args.cache or default_root().parent / "bench-asr")
    spoken = speakers.audio
    scenes = asr_dev.dev_set(spoken, speakers.usable(asr_dev.VOICES), speakers.usable(asr_dev.BABBLE_VOICES),
                             conditions, asr_dev.QUESTIONS[: args.questions])
    asr = Transcriber(store.dir(cfg.models.asr), cfg.asr)
    asr.warm_up()
    print(f"{len(scenes)} scenes ({len(conditions)} conditions x {args.questions} questions), "
          f"{len(variants)} live variants; ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    report = {"simulation": "rooms simulated with pyroomacoustics (scripts/rooms.py); speakers are TTS "
                            "(espeak-ng and Kokoro)",
              "conditions": [c.__dict__ for c in conditions], "variants": args.variants,
              **bench(scenes, asr, variants, tqdm_bar)}
    report["seconds"] = round(time.perf_counter() - t0, 1)
    print_table(report)
    print(f"{report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
