"""The ASR bench's scoring: words against the question, and the time a question cost."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import bench_asr  # noqa: E402  (scripts/, put on the path above)


def test_a_question_costs_all_of_its_calls_speculation_included():
    t = bench_asr.Tally()
    t.add("What time is it?", ["what time is it"], [100.0, 40.0, 60.0])   # two speculations, then the final
    t.add("Who painted the Mona Lisa?", [], [80.0])                        # missed
    r = t.report()
    assert r["asr_ms_per_scene"] == 140.0 and r["asr_calls_per_scene"] == 2.0 and r["asr_ms_median"] == 70.0
    assert (r["missed"], r["wer_pct"]) == (1, 55.6)        # 5 of 9 words


def test_a_question_heard_in_two_parts_is_scored_as_one():
    t = bench_asr.Tally()
    t.add("Stop. Set a timer for five minutes.", ["Stop.", "Set a timer for 5 minutes."], [50.0, 50.0])
    assert (t.report()["split"], t.report()["wer_pct"]) == (1, 0.0)


def test_a_speculation_dropped_before_its_first_decode_ended_does_not_pay_for_the_second():
    """Live, frames come in real time: a drop 90 ms after the launch finds Whisper still in its first
    decode (100 ms), which then skips the prompt's second decode; at 130 ms the second one has begun."""
    calls = []
    for drop_ms in (90, 130):
        hearing = bench_asr.Hearing(asr=None)
        hearing.calls.append(bench_asr.Call(launched_ns=0, ms=160.0, first_ms=100.0))
        hearing.now_ns = drop_ms * 1_000_000
        hearing.cancel()
        calls += hearing.calls
    t = bench_asr.Tally()
    t.add_live("What time is it?", ["what time is it"], calls, False)
    r = t.report()
    assert [c.live_ms for c in calls] == [100.0, 160.0]
    assert (r["retries_skipped"], r["asr_ms_per_scene"], r["asr_ms_per_scene_every_retry"]) == (1, 260.0, 320.0)
