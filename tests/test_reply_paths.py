"""Pipeline.respond with a fake LLM and a fake TTS: how a reply ends when the LLM reaches its token
cap, what the LLM reads, and a skill's answer taking the LLM's path (cutter, TTS, sink, history)
without an LLM call. No models are loaded."""
from __future__ import annotations

import asyncio
from datetime import datetime

import numpy as np
import pytest

from assistant import config
from assistant.events import EventLog
from assistant.llm import Reply
from assistant.pipeline import HeldSink, Models, Pipeline, WavSink
from assistant.profile import table, turn_metrics
from assistant.sentences import SentenceCutter
from assistant.skills import Skills


class FakeLLM:
    """Replays `pieces`, then says it stopped for `finish` as llama-cpp-python would."""

    def __init__(self, pieces: list[str], finish: str) -> None:
        self.pieces, self.finish = pieces, finish
        self.asked: list[list[dict]] = []

    def stream(self, messages, cancel=None) -> Reply:
        self.asked.append(messages)

        def pieces():
            yield from self.pieces
            return self.finish

        return Reply(pieces())

    def prefill(self, messages) -> None:
        pass


class FakeTTS:
    """0.1 s of sound per sentence; remembers what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def stream(self, text, voice, speed):
        self.said.append(text)
        yield np.full(2400, 0.1, np.float32)


def pipeline(llm: FakeLLM, skills: Skills | None = None, events: EventLog | None = None):
    cfg = config.load()
    tts = FakeTTS()
    return Pipeline(Models(None, llm, tts, cfg, skills), events or EventLog()), tts


def respond(pipe: Pipeline, text: str, sink=None) -> str:
    return asyncio.run(pipe.respond(1, text, sink or WavSink(pipe.events, 0)))


# ---- a reply cut off by the token cap ---------------------------------------------------------
@pytest.mark.parametrize("pieces, cut_short, said", [
    (["The sky is blue", ". It has a lo", "vely col"], True, ["The sky is blue."]),
    (["The sky is blue", ". It has a lo", "vely col"], False, ["The sky is blue.", "It has a lovely col"]),
    (["The sky is blue. It is nice."], True, ["The sky is blue.", "It is nice."]),  # the cap fell on a full stop
    (["Leonardo painted it in Florence, and later he sold it to the ki"], True, ["Leonardo painted it in Florence."]),
    (["Leonardo painted it in Florence and later he sold it to the ki"], True, []),
    (["It was written by Dr."], True, []),  # an abbreviation's period ends no sentence
])
def test_the_cutter_drops_an_unfinished_last_sentence_only_when_cut_short(pieces, cut_short, said):
    cutter = SentenceCutter()
    out = [s for p in pieces for s in cutter.push(p)]
    assert out + cutter.flush(cut_short=cut_short) == said


def test_a_reply_stopped_by_its_token_cap_ends_at_its_last_full_sentence():
    pipe, tts = pipeline(FakeLLM(["The Mona Lisa was painted by Leonardo da Vinci", ". He worked on it",
                                  " for years, and it now hangs in the Lou"], "length"))
    said = respond(pipe, "who painted the mona lisa")
    assert said == "The Mona Lisa was painted by Leonardo da Vinci."
    assert " ".join(tts.said) == said  # nothing after the last full stop was synthesised...
    assert pipe.conversation.turns[-1][1] == said  # ...or kept for the next prompt
    assert [e.data["finish"] for e in pipe.events.events if e.name == "llm_done"] == ["length"]


def test_a_reply_the_model_ended_keeps_its_last_sentence_without_a_period():
    pipe, tts = pipeline(FakeLLM(["Paris is the capital", ". It is lovely in spring"], "stop"))
    assert respond(pipe, "what is the capital of france") == "Paris is the capital. It is lovely in spring"
    assert tts.said == ["Paris is the capital.", "It is lovely in spring"]


def test_the_llm_reads_the_question_with_its_capital_and_question_mark():
    llm = FakeLLM(["Leonardo da Vinci."], "stop")
    pipe, _ = pipeline(llm)
    respond(pipe, "who painted the mona lisa.")
    assert llm.asked[0][-1] == {"role": "user", "content": "Who painted the mona lisa?"}
    assert pipe.conversation.turns[-1] == ("Who painted the mona lisa?", "Leonardo da Vinci.")


@pytest.mark.parametrize("pending", ["", "Well"])
def test_a_phrase_is_a_chunk_of_its_own_after_what_was_pending(pending):
    cutter = SentenceCutter(3, 8)
    assert cutter.push(pending) == []
    assert cutter.phrase("12 times 11") == [t for t in (pending, "12 times 11") if t]
    # the first-chunk rules are spent: the rest comes in whole sentences, not cut at its comma
    assert cutter.push("is 132, which is twelve dozen and a bit") == []
    assert cutter.flush() == ["is 132, which is twelve dozen and a bit"]


# ---- a skill answers instead of the LLM -------------------------------------------------------
def test_a_skill_answer_goes_through_cutter_tts_sink_and_history_without_the_llm():
    llm = FakeLLM(["12 times 11 is equal to 13."], "stop")
    events = EventLog()
    pipe, tts = pipeline(llm, Skills(config.SKILL_NAMES), events)
    sink = WavSink(events, 0)
    said = respond(pipe, "What is twelve times eleven?", sink)
    # The question's words are a chunk of their own (the listener waits for the first chunk only),
    # followed by the short pause of a phrase, not a sentence's.
    assert said == "12 times 11 is 132." and tts.said == ["12 times 11", "is 132."]
    assert llm.asked == []  # no LLM call
    pauses = 24 * (pipe.cfg.tts.phrase_pause_ms + pipe.cfg.tts.sentence_pause_ms)
    assert pipe.cfg.tts.phrase_pause_ms < pipe.cfg.tts.sentence_pause_ms
    assert len(sink.audio()) == 2 * 2400 + pauses
    assert pipe.conversation.turns[-1] == ("What is twelve times eleven?", said)
    row = turn_metrics(events, 1)
    assert row["skill"] == "arithmetic"
    assert row["llm_ttft_ms"] is None and row["first_chunk_ms"] is None and row["llm_tokens_per_s"] is None
    assert row["tts_first_ms"] is not None
    report = {"turns": [row], "median_ttfa_ms": None, "peak_rss_mb": 1, "budget_mb": 1, "headroom_mb": 0,
              "parts_mb": {}}
    assert "arithmetic" in table(report).splitlines()[2]


def test_chat_prints_a_skill_answer_whole_first_chunk_included():
    pipe, _ = pipeline(FakeLLM([], "stop"), Skills(config.SKILL_NAMES))
    printed: list[str] = []
    said = asyncio.run(pipe.respond(1, "what is twelve times eleven", WavSink(pipe.events, 0), echo=printed.append))
    assert "".join(printed) == said == "12 times 11 is 132."


def test_an_llm_turn_has_no_skill_in_its_profile_row():
    events = EventLog()
    pipe, _ = pipeline(FakeLLM(["Paris."], "stop"), Skills(config.SKILL_NAMES), events)
    respond(pipe, "what is the capital of france")
    assert turn_metrics(events, 1)["skill"] is None


def test_skills_disabled_leave_every_question_to_the_llm():
    llm = FakeLLM(["Thirteen."], "stop")
    pipe, _ = pipeline(llm, skills=None)
    assert respond(pipe, "what is twelve times eleven") == "Thirteen."
    assert len(llm.asked) == 1


def test_a_dropped_speculation_sets_no_timer_and_a_kept_one_does():
    async def turn(release: bool) -> Skills:
        skills = Skills(["timer"], clock=lambda: datetime(2025, 1, 1, 9).astimezone())
        pipe, _ = pipeline(FakeLLM([], "stop"), skills)
        held = HeldSink(WavSink(pipe.events, 0))
        reply = asyncio.create_task(pipe.respond(1, "set a timer for ten minutes", held))
        while not held._held:  # the answer is ready and waits for the endpoint's verdict
            await asyncio.sleep(0.01)
        if release:
            await held.release()
        else:  # the user kept talking: what the voice loop does to a speculation
            held.stop()
            pipe.cancel()
        await reply
        return skills

    assert asyncio.run(turn(release=False)).timers.running == []
    assert len(asyncio.run(turn(release=True)).timers.running) == 1


def test_a_muted_reply_does_not_keep_the_llm_waiting_for_audio(monkeypatch):
    """chat --mute has no TTS: the LLM, which pauses for the first chunk's audio, must not wait for it
    (it did, FIRST_AUDIO_WAIT_S per token). The wait is made long here, so waiting fails the test."""
    from assistant import pipeline as pipeline_module
    from assistant.pipeline import NullSink

    monkeypatch.setattr(pipeline_module, "FIRST_AUDIO_WAIT_S", 600.0)
    llm = FakeLLM(["One, two and three. ", "Four. ", "Five."], "stop")
    pipe = Pipeline(Models(None, llm, None, config.load(), None), EventLog())
    said = asyncio.run(asyncio.wait_for(pipe.respond(1, "count to five", NullSink()), timeout=60))
    assert said == "One, two and three. Four. Five."


# ---- keeping playback fed -----------------------------------------------------------------------
class SlowTTS(FakeTTS):
    """3 ms of synthesis and 20 ms of sound per character: a long sentence after a short first
    chunk is not ready before that chunk has played."""

    def stream(self, text, voice, speed):
        import time

        self.said.append(text)
        time.sleep(0.003 * len(text))
        yield np.full(480 * len(text), 0.1, np.float32)


LONG_SECOND = ("She lived in the heart of a bustling market square with her loyal companions, the Luminous "
               "Lions, who were known for their bravery and their kindness to every creature in the town.")


@pytest.mark.parametrize("keep_up", [True, False])
def test_a_long_sentence_that_would_not_be_ready_in_time_is_said_in_parts_cut_at_phrases(keep_up):
    cfg = config.override(config.load(), "tts.keep_up", keep_up)
    tts = SlowTTS()
    pipe = Pipeline(Models(None, FakeLLM(["Once upon a time, ", LONG_SECOND + " "], "stop"), tts, cfg, None), EventLog())
    said = respond(pipe, "tell me a story")
    assert said.split() == ("Once upon a time, " + LONG_SECOND).split()
    later = tts.said[1:]
    assert " ".join(later).split() == LONG_SECOND.split()
    if keep_up:
        assert len(later) >= 2, later
        assert all(p[-1] in ",;:" or later[i + 1].split()[0] in ("with", "who", "and", "in", "of", "for", "to")
                   for i, p in enumerate(later[:-1])), later
    else:
        assert later == [LONG_SECOND]


class SlowLLM(FakeLLM):
    """Writes one word every 150 ms: slower than the fake voice speaks (20 ms a character)."""

    def stream(self, messages, cancel=None) -> Reply:
        import time

        def pieces():
            for p in self.pieces:
                time.sleep(0.15)
                yield p
            return self.finish

        return Reply(pieces())


SLOW_SECOND = "The sky is blue today, because the light of the sun is scattered by the air around us."


@pytest.mark.parametrize("keep_up, cap", [(True, 80), (False, 80), (True, 36)])
def test_a_sentence_the_llm_is_slow_to_write_is_let_go_at_phrases_when_playback_would_run_dry(keep_up, cap):
    # near the token cap nothing is let go: a capped reply drops its unfinished sentence, which must
    # not have been spoken in part (cap 36: 36 - 32 = 4 pieces, before the second sentence's first break)
    cfg = config.override(config.override(config.load(), "tts.keep_up", keep_up), "llm.max_reply_tokens", cap)
    tts = SlowTTS()
    words = ("Hello there. " + SLOW_SECOND).split()
    pipe = Pipeline(Models(None, SlowLLM([w + " " for w in words], "stop"), tts, cfg, None), EventLog())
    said = respond(pipe, "why is the sky blue")
    assert said.split() == words
    later = tts.said[1:]
    assert " ".join(later).split() == SLOW_SECOND.split()
    if keep_up and cap == 80:
        assert len(later) >= 2, later
        assert all(p[-1] in ",;:" or later[i + 1].split()[0] in ("because", "of", "by", "around")
                   for i, p in enumerate(later[:-1])), later
    else:
        assert later == [SLOW_SECOND]


class TimedLLM(FakeLLM):
    """One word every 20 ms, remembering when it wrote each."""

    def stream(self, messages, cancel=None) -> Reply:
        import time

        self.times: list[float] = []

        def pieces():
            for p in self.pieces:
                time.sleep(0.02)
                self.times.append(time.perf_counter())
                yield p
            return self.finish

        return Reply(pieces())


class TimedTTS(FakeTTS):
    """10 ms of synthesis and 20 ms of sound per character, remembering when each call ran."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[tuple[float, float]] = []

    def stream(self, text, voice, speed):
        import time

        t0 = time.perf_counter()
        self.said.append(text)
        time.sleep(0.01 * len(text))
        self.spans.append((t0, time.perf_counter()))
        yield np.full(480 * len(text), 0.1, np.float32)


@pytest.mark.parametrize("waits", [True, False])
def test_the_llm_pauses_while_a_chunk_that_playback_waits_for_is_synthesised(waits):
    # "Hi." plays 0.18 s; the next sentence (no place to cut it) takes 0.45 s to synthesise: late
    cfg = config.override(config.load(), "runtime.llm_waits_for_late_audio", waits)
    words = ["Hi.", "Blue", "light", "scatters", "more", "strongly", "everywhere."] + ["Then"] * 30 + ["stop."]
    llm, tts = TimedLLM([w + " " for w in words], "stop"), TimedTTS()
    respond(Pipeline(Models(None, llm, tts, cfg, None), EventLog()), "why is the sky blue")
    assert tts.said[1] == "Blue light scatters more strongly everywhere."
    start, end = tts.spans[1]
    written = sum(start + 0.03 < t < end for t in llm.times)  # words the LLM wrote meanwhile
    assert written <= 1 if waits else written >= 8, written
