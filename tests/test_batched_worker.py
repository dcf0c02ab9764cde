"""The TTS worker with a batched engine (fakes, no models): the first chunk goes alone, later
sentences that wait go together, order and history hold, a barge-in during a batch drops all of
it; the batch policy and the batcher's grouping."""
from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
from hypothesis import given, strategies as st

from assistant import config
from assistant.batching import MARGIN, choose
from assistant.events import EventLog
from assistant.pipeline import Models, Pipeline, WavSink
from assistant.profile import call_sizes, turn_metrics
from tests.test_reply_paths import FakeLLM, FakeTTS
from tts.batched_engine import BatchedKokoro

SENTENCES = ["Hello there.", "The sky is blue today.", "Rain is coming later.", "Take an umbrella.",
             "It will clear by night.", "Sleep well."]


class SlowSoloTTS(FakeTTS):
    """A solo engine slow enough that the LLM's later sentences wait in the queue."""

    def pieces(self, text):
        return [text]

    def stream(self, text, voice, speed):
        time.sleep(0.15)
        yield from super().stream(text, voice, speed)


class FakeBatched:
    """Audio as long as each item's characters (480 samples each); remembers every call."""

    def __init__(self, max_batch: int, on_call=None) -> None:
        self.max_batch = max_batch
        self.calls: list[list[str]] = []
        self.on_call = on_call

    def synthesize_batch(self, items, voice, speed):
        self.calls.append(list(items))
        if self.on_call:
            self.on_call()
        time.sleep(0.05)
        return [np.full(480 * len(t), 0.1, np.float32) for t in items]


def run(batched: FakeBatched | None, sink=None):
    cfg = config.load()
    tts = SlowSoloTTS()
    events = EventLog()
    llm = FakeLLM([s + " " for s in SENTENCES], "stop")
    pipe = Pipeline(Models(None, llm, tts, cfg, None, batched), events)
    sink = sink or WavSink(events, 0)
    said = asyncio.run(pipe.respond(1, "what is the weather", sink))
    return pipe, tts, said, sink


def test_waiting_sentences_go_in_one_batched_call_after_a_solo_first_chunk():
    batched = FakeBatched(max_batch=4)
    pipe, tts, said, _ = run(batched)
    assert said.split() == " ".join(SENTENCES).split()
    assert tts.said[0] == "Hello there."  # the first chunk alone, through the solo engine
    assert batched.calls and all(len(c) <= 4 for c in batched.calls)
    assert any(len(c) > 1 for c in batched.calls), batched.calls
    everything = tts.said + [t for c in batched.calls for t in c]
    assert sorted(everything) == sorted(SENTENCES)  # each sentence synthesised once
    row = turn_metrics(pipe.events, 1)
    assert sum(row["tts_calls"]) == len(SENTENCES) and max(row["tts_calls"]) > 1


def test_without_a_batched_engine_every_sentence_goes_alone():
    pipe, tts, said, _ = run(None)
    assert said.split() == " ".join(SENTENCES).split()
    assert turn_metrics(pipe.events, 1)["tts_calls"] == [1] * len(tts.said)


def test_a_barge_in_during_a_batch_drops_all_of_it_and_history_keeps_what_was_heard():
    holder: dict = {}
    cancelled = threading.Event()

    def barge_in():
        if len(holder["batched"].calls) == 1:
            holder["pipe"].cancel()
            cancelled.set()

    batched = FakeBatched(max_batch=8, on_call=barge_in)
    holder["batched"] = batched
    cfg = config.load()
    events = EventLog()
    tts = SlowSoloTTS()
    pipe = Pipeline(Models(None, FakeLLM([s + " " for s in SENTENCES], "stop"), tts, cfg, None, batched), events)
    holder["pipe"] = pipe
    said = asyncio.run(pipe.respond(1, "what is the weather", WavSink(events, 0)))
    assert cancelled.is_set()
    batch_items = set(batched.calls[0])
    assert not any(s in said for s in batch_items), (said, batch_items)
    assert said.split() == " ".join(tts.said).split()  # only what the solo engine said before the batch
    assert pipe.conversation.messages("")[-2]["content"] == said  # the last turn before the new question


@given(st.dictionaries(st.sampled_from([1, 2, 3, 4, 8]), st.floats(0.01, 100.0), min_size=1))
def test_auto_never_picks_a_batch_that_measured_no_faster_than_solo(speeds):
    size = choose("auto", speeds)
    assert size in speeds or size == 1
    if size > 1:
        assert speeds[size] >= MARGIN * speeds[1] and speeds[size] == max(speeds.values())


def test_the_batch_setting_a_number_is_taken_as_given_and_no_measurement_means_solo():
    assert choose("3", {1: 9.0, 3: 1.0}) == 3
    assert choose("auto", None) == 1 and choose("auto", {}) == 1
    assert choose("auto", {1: 2.0, 2: 2.05, 4: 3.0}) == 4
    assert choose("auto", {1: 2.0, 2: 2.05}) == 1  # within the noise: solo


def test_the_batch_setting_accepts_a_number_in_toml():
    cfg = config.from_dict({"tts": {"batch": 2}})
    assert cfg.tts.batch == "2"
    try:
        config.from_dict({"tts": {"batch": 9}})
    except Exception as e:  # ConfigError names the key
        assert "tts.batch" in str(e)
    else:
        raise AssertionError("batch 9 was accepted")


def test_call_sizes_reads_consecutive_chunks_of_one_call():
    assert call_sizes([1, 3, 3, 3, 2, 2, 1]) == [1, 3, 2, 1]
    assert call_sizes([]) == []


@given(st.lists(st.integers(3, 300), max_size=30), st.integers(1, 8), st.integers(16, 600))
def test_batches_respect_their_item_and_padded_token_caps_and_keep_order(lengths, max_batch, cap):
    b = object.__new__(BatchedKokoro)
    b.max_batch, b.max_batch_tokens = max_batch, cap
    order = sorted(range(len(lengths)), key=lambda k: lengths[k])
    groups = b._groups(order, lengths)
    assert [k for g in groups for k in g] == order
    for g in groups:
        assert 1 <= len(g) <= max_batch
        assert len(g) == 1 or len(g) * max(lengths[k] for k in g) <= cap
