"""The listening loop on real speech frames, with a fake pipeline that records what it is asked.

The pipeline is faked so these tests pin down the loop's own decisions: when a turn starts,
what audio it gets, when a speculation is kept or dropped, and what a barge-in cancels.
"""
import asyncio

import numpy as np
import pytest

from assistant.audio import resample
from assistant.config import AudioConfig, VadConfig
from assistant.events import EventLog
from assistant.messages import AudioChunk
from assistant.voice_loop import MicFrame, VoiceLoop

FRAME = 480  # 30 ms at 16 kHz


class FakePipeline:
    def __init__(self, events, reply_s=0.0, hear_s=0.01):
        self.events = events
        self.hear_s = hear_s
        self.wanted = []  # what each hearing's `wanted()` said when it was done
        self.generation = 0
        self.heard_audio = []
        self.replies = []
        self.cancels = 0
        self.reply_s = reply_s
        self.heard_before_endpoint = []

    async def hear(self, turn, audio, wanted=lambda: True):
        self.heard_audio.append(len(audio) / 16000)
        self.heard_before_endpoint.append(not any(e.name == "endpoint" for e in self.events.events))
        await asyncio.sleep(self.hear_s)
        self.wanted.append(wanted())
        return f"utterance {len(self.heard_audio)}"

    async def respond(self, turn, text, sink):
        self.generation += 1
        gen = self.generation
        await sink.play(AudioChunk(turn, 0, np.zeros(2400, np.float32)))
        await asyncio.sleep(self.reply_s)
        if gen == self.generation:
            await sink.end_turn(turn)
            if gen == self.generation:
                self.replies.append((turn, text))
        return text

    def cancel(self):
        self.generation += 1
        self.cancels += 1


class RecordingSink:
    def __init__(self, events=None):
        self.chunks, self.stops, self.events = [], 0, events
        self.before_endpoint = 0  # chunks that arrived before the end of speech was confirmed

    async def play(self, chunk):
        self.chunks.append(chunk)
        if self.events is not None and not any(e.name == "endpoint" for e in self.events.events):
            self.before_endpoint += 1

    async def end_turn(self, turn):
        pass

    def stop(self):
        self.stops += 1

    def played(self, turn):
        return None


def _frames(audio, t0=0):
    n = len(audio) // FRAME
    return [MicFrame(audio[i * FRAME:(i + 1) * FRAME], t0 + i * 30_000_000) for i in range(n)]


async def _feed(frames, pace_s=0.0):
    for f in frames:
        yield f
        await asyncio.sleep(pace_s)


@pytest.fixture(scope="module")
def speech(engine):
    say = lambda text: resample(engine.synthesize(text, "af_heart"), 24000, 16000)  # noqa: E731
    return say("Turn on the kitchen lights."), say("And the hallway too.")


def _silence(s):
    return np.zeros(int(s * 16000), np.float32)


def _loop(pipeline, sink, events, **vad):
    return VoiceLoop(pipeline, sink, events, VadConfig(**vad), AudioConfig(barge_in_ms=150), say=lambda m: None)


def test_a_pause_shorter_than_the_hangover_keeps_one_utterance_and_drops_the_early_guess(speech):
    a, b = speech
    events = EventLog()
    pipe, sink = FakePipeline(events, hear_s=0.1), RecordingSink()
    loop = _loop(pipe, sink, events, hangover_ms=600, speculate_ms=200)
    audio = np.concatenate([_silence(0.5), a, _silence(0.4), b, _silence(1.5)])
    asyncio.run(loop.run(_feed(_frames(audio), pace_s=0.002)))
    assert loop.turns == 1
    assert len(pipe.replies) == 1 and pipe.replies[0][0] == 1
    assert pipe.cancels >= 1, "the guess made in the 0.4 s pause was dropped"
    # the adopted recognition covered both halves of what was said
    assert pipe.heard_audio[-1] > (len(a) + len(b)) / 16000
    names = [e.name for e in events.events if e.turn == 1]
    assert names.count("speech_end") == 1 and "endpoint" in names
    # Whisper asks `wanted()` before a second decode: the dropped guess is not, while it is still heard
    assert pipe.wanted[0] is False and pipe.wanted[-1] is True, pipe.wanted


def test_a_reply_prepared_in_the_hangover_is_held_until_the_endpoint(speech):
    a, _ = speech
    events = EventLog()
    pipe, sink = FakePipeline(events), RecordingSink(events)
    loop = _loop(pipe, sink, events, hangover_ms=600, speculate_ms=150)
    frames = _frames(np.concatenate([_silence(0.3), a, _silence(1.2)]))
    asyncio.run(loop.run(_feed(frames, pace_s=0.004)))
    assert loop.turns == 1 and len(pipe.replies) == 1
    assert pipe.cancels == 0, "one pause, one guess, kept"
    assert len(sink.chunks) == 1 and sink.before_endpoint == 0, "no audio reached the speaker before the endpoint"
    assert pipe.heard_before_endpoint == [True], "recognition started during the hangover"


def test_user_speech_during_a_reply_barges_in(speech):
    a, b = speech
    events = EventLog()
    pipe, sink = FakePipeline(events, reply_s=3.0), RecordingSink()
    loop = _loop(pipe, sink, events, hangover_ms=450, speculate_ms=450)
    # first utterance, then the user talks over the (3 s long) reply
    audio = np.concatenate([_silence(0.3), a, _silence(0.9), b, _silence(1.0)])
    asyncio.run(loop.run(_feed(_frames(audio), pace_s=0.03)))
    assert sink.stops >= 1 and pipe.cancels >= 1
    barge = [e for e in events.events if e.name == "barge_in"]
    assert len(barge) == 1 and barge[0].data["detect_ms"] <= 200
    assert loop.turns == 2, "what was said over the reply became the next turn"
    assert pipe.replies and pipe.replies[-1][0] == 2


def test_with_the_background_margin_the_loop_says_it_listens_once_the_room_is_heard(speech):
    """A question said the moment the prompt appears must not become the room (it did: the live
    tests' questions were learnt as the background and missed). So `ready` waits for the room."""
    from assistant.vad import BACKGROUND_MIN_S

    a, _ = speech
    events = EventLog()
    pipe, sink = FakePipeline(events), RecordingSink()
    loop = _loop(pipe, sink, events, background_margin_db=3.0)
    room = np.random.default_rng(0).standard_normal(16000).astype(np.float32) * np.float32(3e-4)
    said_at = []

    async def mic():
        """The room until the prompt, then the question at once."""
        room_frames = iter(_frames(room))
        while not said_at:
            yield next(room_frames)
            await asyncio.sleep(0)
        for f in _frames(np.concatenate([a, _silence(1.0)]), t0=10**12):
            yield f
            await asyncio.sleep(0.002)

    ready_after = []
    asyncio.run(loop.run(mic(), ready=lambda: (said_at.append(True), ready_after.append(loop.endpointer._t))))
    assert ready_after and ready_after[0] >= BACKGROUND_MIN_S - 1e-9
    assert loop.turns == 1, "the question said at once was heard"
    assert pipe.heard_audio[-1] >= len(a) / 16000 - 0.35, ("... all of it", pipe.heard_audio)
    # no margin: ready at once
    plain_ready = []
    loop = _loop(FakePipeline(events), RecordingSink(), events, background_margin_db=0.0)
    asyncio.run(loop.run(_feed(_frames(_silence(0.1))), ready=lambda: plain_ready.append(loop.endpointer._t)))
    assert plain_ready == [0.0]


def test_a_barge_ins_lookback_hears_its_last_600_ms_as_the_users():
    """Before the gate heard the user, behind DTLN-aec a frame is its output, which bends a voice while
    both talk; the lookback hands the Endpointer the last BARGE_IN_ONSET_MS as the user's (the first
    word), and what came before as it was heard (there nlms' residual echo would become words)."""
    from assistant.voice_loop import BARGE_IN_ONSET_MS, lookback_audio

    vad = VadConfig()
    heard = lambda k: np.full(FRAME, k, np.float32)          # noqa: E731
    as_user = lambda k: np.full(FRAME, -k, np.float32)       # noqa: E731
    frames = [MicFrame(heard(k), k, user=False, as_user=as_user(k)) for k in range(1, 41)]
    frames[-3:] = [MicFrame(heard(k), k, user=True) for k in range(38, 41)]   # the gate's own run
    got = [float(a[0]) for a in lookback_audio(frames, vad)]
    n = BARGE_IN_ONSET_MS // vad.frame_ms
    assert got == [k if k <= 40 - n else -k for k in range(1, 38)] + [38.0, 39.0, 40.0]
