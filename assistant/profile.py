"""The latency profile: an observer that turns stage events into per-turn numbers and a chart.

Stages only stamp events (assistant.events); every number here is derived from them.
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from assistant.events import EventLog

# Lanes of the timeline chart: (label, start event, end event).
LANES = [
    ("user speech", "speech_start", "speech_end"),
    ("endpointing", "speech_end", "endpoint"),
    ("ASR", "asr_start", "asr_done"),
    ("LLM", "llm_start", "llm_done"),
    ("first chunk TTS", "first_sentence_ready", "tts_first_audio"),
    ("playback", "playback_start", "turn_end"),
]


def _ms(a: int | None, b: int | None) -> float | None:
    return None if a is None or b is None else round((b - a) / 1e6, 1)


def starvation(ready_ns: list[int], lengths_s: list[float]) -> tuple[float, float]:
    """(longest, total) ms the speaker waited for audio between chunks, beyond their own pauses.

    Chunk i is ready at `ready_ns[i]` and plays for `lengths_s[i]` (its audio and the pause after
    it); playback starts with the first and goes back to back, so chunk i starts when it is ready or
    when chunk i-1 ends, whichever is later, and the difference is a silence the listener hears."""
    longest = total = 0.0
    end = None
    for ready, length in zip(ready_ns, lengths_s):
        start = ready if end is None else max(ready, end)
        if end is not None:
            longest, total = max(longest, (start - end) / 1e6), total + (start - end) / 1e6
        end = start + length * 1e9
    return round(longest, 1), round(total, 1)


def _chunk_time(chunk, zero_ns: int) -> dict:
    ready_ms = (chunk.t_ns - zero_ns) / 1e6
    return {"text": chunk.data["text"], "synth_start_ms": round(ready_ms - 1000 * chunk.data["synth_s"], 1),
            "ready_ms": round(ready_ms, 1), "audio_s": chunk.data["audio_s"]}


def call_sizes(batches: list[int]) -> list[int]:
    """Sentences per TTS call, from each chunk's `batch` (the size of the call it came from; the
    chunks of one call are consecutive)."""
    sizes, i = [], 0
    while i < len(batches):
        sizes.append(max(1, batches[i]))
        i += sizes[-1]
    return sizes


def _rate(tokens: int, gen_ms: float | None, held_s: float | None) -> float | None:
    if tokens < 2 or not gen_ms or held_s is None or gen_ms / 1000 - held_s <= 0:
        return None
    return round((tokens - 1) / (gen_ms / 1000 - held_s), 1)  # the first token's time is not in gen_ms


def turn_metrics(events: EventLog, turn: int) -> dict:
    t = {e.name: e for e in reversed(events.events) if e.turn == turn}  # first occurrence wins
    ns = {k: v.t_ns for k, v in t.items()}
    chunk_events = [e for e in events.events if e.turn == turn and e.name == "tts_chunk"]
    chunks = [e.data for e in chunk_events]
    played = [e for e in chunk_events if e.data["audio_s"]]  # what was heard: a chunk without audio is skipped
    max_gap_ms, starved_ms = starvation([e.t_ns for e in played],
                                        [e.data["audio_s"] + e.data.get("pause_s", 0.0) for e in played])
    synth = sum(c["synth_s"] for c in chunks)
    audio = sum(c["audio_s"] for c in chunks)
    tokens = t["llm_done"].data.get("tokens", 0) if "llm_done" in t else 0
    gen_s = _ms(ns.get("llm_first_token"), ns.get("llm_done"))
    return {
        "turn": turn,
        "heard": t["asr_done"].data.get("text", "") if "asr_done" in t else "",
        "ttfa_ms": _ms(ns.get("speech_end"), ns.get("playback_start")),
        "endpoint_ms": _ms(ns.get("speech_end"), ns.get("endpoint")),
        "asr_ms": _ms(ns.get("asr_start"), ns.get("asr_done")),
        "llm_ttft_ms": _ms(ns.get("llm_start"), ns.get("llm_first_token")),
        "first_chunk_ms": _ms(ns.get("llm_start"), ns.get("first_sentence_ready")),
        "tts_first_ms": _ms(ns.get("first_sentence_ready"), ns.get("tts_first_audio")),
        "tts_rtf": round(synth / audio, 3) if audio else None,
        "llm_tokens_per_s": round(tokens / (gen_s / 1000), 1) if tokens > 1 and gen_s else None,
        # the decoding speed itself while the reply plays: without the time the LLM was held back
        # (paused for the TTS, or blocked by a full queue: speech is slower than it)
        "llm_decode_tokens_per_s": _rate(tokens, gen_s, t["llm_done"].data.get("held_s") if "llm_done" in t else None),
        "reply_audio_s": round(audio, 2),
        "chunks": len(played),
        "tts_calls": call_sizes([c.get("batch", 1) for c in chunks]),  # sentences per call: 1 solo, more batched
        "max_gap_ms": max_gap_ms if played else None,   # the longest silence between chunks beyond their pauses
        "starved_ms": starved_ms if played else None,   # all such silences in the turn
        # each chunk's synthesis from start to end, ms after the first was ready (playback's start):
        # a start later than the chunk before's end means it waited for the LLM, not for the TTS
        "chunk_times": [_chunk_time(e, played[0].t_ns) for e in played],
        "first_chunk": t["first_sentence_ready"].data.get("text", "") if "first_sentence_ready" in t else "",
        "skill": t["skill_answer"].data["skill"] if "skill_answer" in t else None,  # None: the LLM answered
    }


def summary(rows: list[dict], peak_rss_mb: float, budget: dict, batch: dict | None = None,
            llm: dict | None = None) -> dict:
    ttfa = [r["ttfa_ms"] for r in rows if r["ttfa_ms"] is not None]
    gaps = [r["max_gap_ms"] for r in rows if r.get("max_gap_ms") is not None]
    return {"turns": rows, "median_ttfa_ms": statistics.median(ttfa) if ttfa else None,
            "max_gap_ms": max(gaps) if gaps else None,
            "peak_rss_mb": round(peak_rss_mb, 1), "budget_mb": budget["budget_mb"],
            "headroom_mb": round(budget["budget_mb"] - peak_rss_mb, 1),
            "parts_mb": budget["parts_mb"], "reserved_mb": budget.get("reserved_mb", {}), "tts_batch": batch,
            "llm": (llm or {}).get("model"), "llm_why": (llm or {}).get("why")}


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):  # sentences per TTS call: "1+1+3"
        return "+".join(map(str, value)) or "-"
    return str(value)


def tts_batch(events: EventLog) -> dict | None:
    """What the TTS worker chose at start (assistant.batching): size, measured speeds, budget fit."""
    return _first(events, "tts_batch")


def llm_choice(events: EventLog) -> dict | None:
    """Which LLM ran and why (pipeline.pick_llm)."""
    return _first(events, "llm_choice")


def _first(events: EventLog, name: str) -> dict | None:
    return next((e.data for e in events.events if e.name == name), None)


def table(report: dict) -> str:
    cols = [("turn", "turn", 4), ("ttfa_ms", "TTFA ms", 8), ("endpoint_ms", "endpt", 6), ("asr_ms", "ASR", 6),
            ("llm_ttft_ms", "LLM 1st", 8), ("first_chunk_ms", "chunk", 6), ("tts_first_ms", "TTS 1st", 8),
            ("tts_rtf", "TTS RTF", 8), ("max_gap_ms", "gap ms", 7), ("tts_calls", "TTS calls", 10),
            ("llm_tokens_per_s", "tok/s", 6), ("llm_decode_tokens_per_s", "decode", 7), ("skill", "skill", 10)]
    head = " ".join(f"{label:>{w}}" for _, label, w in cols) + "  heard"
    lines = [head, "-" * len(head)]
    for r in report["turns"]:
        cells = " ".join(f"{_cell(r.get(k)):>{w}}" for k, _, w in cols)
        lines.append(f"{cells}  {r['heard'][:40]}")
    parts = ", ".join([f"{k} {v:.0f}" for k, v in report["parts_mb"].items()]
                      + [f"{k} {v:.0f} reserved" for k, v in report.get("reserved_mb", {}).items()])
    if report.get("tts_batch"):
        b = report["tts_batch"]
        lines.append(f"TTS batch {b['size']} (measured audio s per s by batch size: {b.get('speeds')}; "
                     f"fits the budget: {b.get('fits_budget')})")
    if report.get("llm"):
        lines.append(f"LLM {report['llm']} ({report.get('llm_why')})")
    lines.append(f"median TTFA {report['median_ttfa_ms']} ms; longest gap {report.get('max_gap_ms')} ms; peak RSS {report['peak_rss_mb']:.0f} MB of "
                 f"{report['budget_mb']} MB budget, {report['headroom_mb']:.0f} MB headroom ({parts})")
    return "\n".join(lines)


def write_json(path: Path, report: dict) -> None:
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")


def chart(path: Path, events: EventLog, turns: list[int]) -> None:
    """One row of lanes per turn, time relative to the end of the user's speech."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(turns), 1, figsize=(11, 1.0 + 1.6 * len(turns)), squeeze=False)
    colors = ["#9ecae1", "#bdbdbd", "#fdae6b", "#a1d99b", "#bcbddc", "#fc9272"]
    for ax, turn in zip(axes[:, 0], turns):
        t = {e.name: e.t_ns for e in reversed(events.events) if e.turn == turn}
        zero = t.get("speech_end")
        if zero is None:
            continue
        for i, (label, a, b) in enumerate(LANES):
            if a in t and b in t:
                start, width = (t[a] - zero) / 1e6, (t[b] - t[a]) / 1e6
                ax.barh(i, width, left=start, color=colors[i], edgecolor="black", linewidth=0.4)
                ax.text(start + width + 15, i, f"{width:.0f} ms", va="center", fontsize=7)
        if "playback_start" in t:
            ttfa = (t["playback_start"] - zero) / 1e6
            ax.axvline(ttfa, color="red", linestyle="--", linewidth=1)
            ax.text(ttfa, len(LANES) - 0.4, f" TTFA {ttfa:.0f} ms", color="red", fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(LANES)), [lane[0] for lane in LANES], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"turn {turn}", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel("ms from the end of the user's speech")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
