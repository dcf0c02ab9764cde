"""`assistant profile` and the budget on the real models."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.audio import write_wav
from assistant.profile import starvation
from conftest import run_cli

MS = 1_000_000  # ns


def test_a_chunk_ready_after_the_previous_one_ended_is_a_gap_of_the_difference():
    # 1 s of audio from t=0; the second chunk is ready at 1.25 s, the third while the second plays
    assert starvation([0, 1250 * MS, 1400 * MS], [1.0, 0.5, 1.0]) == (250.0, 250.0)
    assert starvation([0, 900 * MS], [1.0, 1.0]) == (0.0, 0.0)
    assert starvation([5 * MS], [2.0]) == (0.0, 0.0)


def test_decode_speed_leaves_out_the_time_the_llm_was_held_back():
    from assistant.events import EventLog
    from assistant.profile import turn_metrics

    events = EventLog()
    events.stamp(1, "llm_first_token", 0)
    events.stamp(1, "llm_done", 2000 * MS, tokens=21, held_s=1.0)  # 2 s, of which 1 s paused or blocked
    row = turn_metrics(events, 1)
    assert row["llm_tokens_per_s"] == 10.5        # what the listener's reply got
    assert row["llm_decode_tokens_per_s"] == 20.0  # 20 tokens after the first in the 1 s it decoded


@given(st.lists(st.tuples(st.integers(0, 3000), st.floats(0.05, 5.0)), min_size=1, max_size=12),
       st.integers(0, 11), st.integers(1, 2000))
def test_waiting_longer_for_a_chunk_never_shortens_the_silence(chunks, which, delay_ms):
    ready = list(np.cumsum([d for d, _ in chunks]) * MS)
    lengths = [n for _, n in chunks]
    longest, total = starvation(ready, lengths)
    assert 0.0 <= longest <= total + 0.1
    later = ready[:]
    for i in range(which % len(later), len(later)):
        later[i] += delay_ms * MS  # that chunk and every one after it are ready later
    assert starvation(later, lengths)[1] >= total - 0.1


def test_profile_reports_each_turn_and_draws_the_timeline(tmp_path, engine):
    wavs = []
    for i, q in enumerate(["What is the capital of France?", "How many legs does a spider have?"]):
        wavs.append(tmp_path / f"q{i}.wav")
        write_wav(wavs[-1], engine.synthesize(q, "am_michael"), 24000)
    out, png = tmp_path / "p.json", tmp_path / "p.png"
    r = run_cli("profile", "--input", *map(str, wavs), "--json", str(out), "--chart", str(png))
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    turns = report["turns"]
    assert [t["turn"] for t in turns] == [1, 2]
    assert "capital" in turns[0]["heard"].lower() and "spider" in turns[1]["heard"].lower()
    for t in turns:
        for key in ("ttfa_ms", "asr_ms", "llm_ttft_ms", "tts_first_ms", "tts_rtf", "llm_tokens_per_s"):
            assert t[key] is not None and t[key] > 0, (key, t)
        # the parts of the critical path fit inside the whole: the reply is prepared speculatively
        # from the first pause (so its stages may overlap the endpoint's hangover) but held until
        # the endpoint, and its first audio needs recognition, the LLM's first chunk and its synthesis
        assert t["ttfa_ms"] >= t["endpoint_ms"] - 1
        assert t["ttfa_ms"] >= t["asr_ms"] + t["tts_first_ms"] - 1
        assert t["chunks"] >= 1 and 0 <= t["max_gap_ms"] <= t["starved_ms"] + 0.1
        times = t["chunk_times"]
        assert len(times) == t["chunks"] and times[0]["ready_ms"] == 0.0
        assert all(c["synth_start_ms"] <= c["ready_ms"] for c in times) and " ".join(c["text"] for c in times)
        assert sum(c["audio_s"] for c in times) == pytest.approx(t["reply_audio_s"], abs=0.05)
    assert report["budget_mb"] == 1024 and 200 < report["peak_rss_mb"] < 1024
    assert {"asr", "tts", "llm"} <= set(report["parts_mb"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert "median TTFA" in r.stdout


def test_a_budget_too_small_is_refused_with_the_parts(tmp_path, engine):
    q = tmp_path / "q.wav"
    write_wav(q, np.concatenate([engine.synthesize("Hello there.", "af_heart"), np.zeros(24000, np.float32)]), 24000)
    r = run_cli("run", "--input", str(q), "--output", str(tmp_path / "r.wav"), "--memory-budget", "300")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    first = r.stderr.strip().splitlines()[0]
    assert first.startswith("error: memory budget 300 MB is too small"), r.stderr
    assert "asr" in first and "tts" in first
    assert not (tmp_path / "r.wav").exists()


def test_a_tight_budget_is_a_ceiling_for_the_peak(tmp_path, engine):
    """The budget holds what this machine measured (TTS arena of the longest chunk, Whisper's for the
    longest utterance, the LLM's whole KV cache): shrunk to fit, the parts still answer, and the
    peak stays under it."""
    wavs = []
    for i, q in enumerate(["Tell me a long story about a brave little fox.", "Why is the sky blue?"]):
        wavs.append(tmp_path / f"q{i}.wav")
        write_wav(wavs[-1], engine.synthesize(q, "am_michael"), 24000)
    out = tmp_path / "p.json"
    r = run_cli("profile", "--input", *map(str, wavs), "--json", str(out), "--memory-budget", "860")
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report["budget_mb"] == 860
    assert report["peak_rss_mb"] <= 860, report
    assert report["headroom_mb"] == round(860 - report["peak_rss_mb"], 1)
    assert "fox" in report["turns"][0]["heard"].lower() and "sky" in report["turns"][1]["heard"].lower()
    assert all(t["ttfa_ms"] for t in report["turns"])
    assert {"tts activations", "asr activations"} <= set(report["parts_mb"]) | set(report["reserved_mb"])
