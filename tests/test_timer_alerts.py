"""A timer set by voice is announced by the idle voice loop: chime first, then the words, on the
reply's path (cutter, TTS, sink), and a barge-in stops it. Fake clock, fake LLM and TTS: no models."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import numpy as np

from assistant import config
from assistant.chime import chime
from assistant.events import EventLog
from assistant.messages import AudioChunk
from assistant.pipeline import Models, Pipeline
from assistant.skills import Skills
from assistant.voice_loop import MicFrame, VoiceLoop
from tests.test_reply_paths import FakeLLM, FakeTTS

FRAME_MS = 30


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 9).astimezone()

    def __call__(self) -> datetime:
        return self.now


class RecordingSink:
    """Keeps every chunk in order; `on_play` lets a test act while one is 'playing'."""

    def __init__(self, on_play=None) -> None:
        self.chunks: list[AudioChunk] = []
        self.on_play = on_play
        self.stopped = False

    async def play(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)
        if self.on_play:
            self.on_play(chunk)

    async def end_turn(self, turn: int) -> None:
        pass

    def stop(self) -> None:
        self.stopped = True

    def played(self, turn: int) -> set[int]:
        return {c.index for c in self.chunks if c.turn == turn}


def setup(sink=None):
    cfg = config.load()
    clock = Clock()
    tts = FakeTTS()
    pipe = Pipeline(Models(None, FakeLLM([], "stop"), tts, cfg, Skills(["timer"], clock=clock)), EventLog())
    sink = sink or RecordingSink()
    loop = VoiceLoop(pipe, sink, pipe.events, cfg.vad, cfg.audio, timers=pipe.skills, say=lambda m: None)
    return pipe, tts, sink, loop, clock


QUIET = np.zeros(16000 * FRAME_MS // 1000, np.float32)


async def silence(seconds: float, start_s: float = 0.0):
    """A quiet microphone: frames stamped at their real spacing in time, without waiting for it."""
    for i in range(int(seconds * 1000 / FRAME_MS)):
        await asyncio.sleep(0)
        yield MicFrame(QUIET, int(start_s * 1e9) + i * FRAME_MS * 1_000_000)


def test_an_ended_timer_is_announced_after_a_chime_when_idle():
    pipe, tts, sink, loop, clock = setup()

    async def main():
        await pipe.respond(1, "set a timer for ten minutes", sink)
        loop.turns = 1
        await loop.run(silence(1.5))  # idle, but the timer has not ended: nothing is said
        assert len(sink.chunks) == 1 and tts.said == ["Timer set for 10 minutes."]
        clock.now += timedelta(minutes=10, seconds=1)
        await loop.run(silence(1.5, start_s=1.5))

    asyncio.run(main())
    assert tts.said[1:] == ["Your timer for 10 minutes is done."]
    alert = [c for c in sink.chunks if c.turn == 2]
    assert [c.index for c in alert] == [-1, 0]  # the chime, then the sentence
    assert np.array_equal(alert[0].audio, chime())
    assert pipe.skills.timers.running == []
    assert len(pipe.conversation.turns) == 1  # the alert leaves the history alone


def test_an_alert_waits_while_the_user_is_speaking():
    pipe, tts, sink, loop, clock = setup()
    pipe.skills.timers.start(timedelta(minutes=1), clock.now)
    clock.now += timedelta(minutes=2)

    async def main():
        loop.endpointer._in_speech = True  # mid-utterance (private: real speech would need the ASR)
        loop._check_timers(MicFrame(QUIET, 0))
        assert loop._active is None and len(pipe.skills.timers.running) == 1
        loop.endpointer._in_speech = False  # their turn is over
        loop._check_timers(MicFrame(QUIET, 2_000_000_000))
        await loop._active

    asyncio.run(main())
    assert tts.said == ["Your timer for 1 minute is done."] and sink.chunks[0].index == -1


def test_barge_in_during_the_alert_stops_it():
    pipe, tts, sink, loop, clock = setup(RecordingSink(on_play=lambda c: c.index == -1 and pipe.cancel()))
    pipe.skills.timers.start(timedelta(minutes=1), clock.now)
    clock.now += timedelta(minutes=2)

    said = asyncio.run(pipe.announce(1, " ".join(pipe.skills.due()), sink))
    assert said == ""
    assert [c.index for c in sink.chunks] == [-1]  # the chime had started; no word followed it


def test_the_chime_is_two_rising_notes_that_start_and_end_quietly():
    c = chime()
    assert len(c) == 2 * 24000 * 120 // 1000 and c.dtype == np.float32
    assert abs(c[0]) < 1e-3 and abs(c[-1]) < 0.01 and 0.25 < np.abs(c).max() <= 0.3
