"""Listening: microphone frames in, turns out, and barge-in.

A frame source yields `MicFrame`s: the live microphone (echo-cancelled, with the gate's
verdict on whether the user is speaking), or WAV files fed at real-time pace as a
microphone would (profiling). The loop endpoints them and hands each utterance to the
pipeline as one turn. While a reply is under way, user speech that lasts `barge_in_ms`
cancels it: playback stops, the turn's LLM and TTS work is dropped, and what the user
is saying becomes the next utterance.

With a wake word (assistant.wake), only what follows it is heard as a question: in one breath
("hey jarvis, what time is it") or as the next utterance after the wake word alone, which a short
chime acknowledges. A barge-in needs no wake word.

About once a second while idle (nobody speaking, no reply under way) the loop asks the skills for
timers that have ended and speaks their alerts as a turn of their own, which a barge-in stops as
it stops any reply. An alert that falls due while the user speaks waits until that turn is over.
"""
from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from pathlib import Path
from typing import AsyncIterator, Callable, NamedTuple

import numpy as np

from assistant.audio import ASR_RATE, Microphone, read_wav
from assistant.config import AudioConfig, VadConfig
from assistant.errors import AudioError
from assistant.events import EventLog
from assistant.pipeline import HeldSink, Pipeline, Sink
from assistant.vad import Endpointer, frames_of
from assistant.wake import WakeState, min_question_samples

FRAME_QUEUE = 200    # 6 s of 30 ms frames: enough to ride out a slow turn start
BARGE_IN_LOOKBACK_MS = 1200
BARGE_IN_ONSET_MS = 600   # ...of which the last this much is heard as the user's (`lookback_audio`)
# A barge-in is said out loud: a frame the microphone took under -55 dBFS is no part of one,
# whatever webrtcvad says of it after cancelling (it calls the texture DTLN-aec leaves on a quiet
# room's noise, -70 dBFS, speech: most of that backend's false barge-ins came so, before the
# reply's first sound). Users talking over a reply reach the mic at -35 to -10 dBFS; judged after
# cancelling instead, nlms' residual suppressor had taken some of them under it.
BARGE_IN_MIN_POWER = 10 ** (-55 / 10)
STALL_S = 2.0        # no frame for this long: the microphone has gone away
ALERT_CHECK_NS = 1_000_000_000  # how often an idle loop asks whether a timer has ended


class MicFrame(NamedTuple):
    audio: np.ndarray    # 16 kHz, echo-cancelled when a canceller runs
    t_ns: int            # perf_counter_ns when the frame's last sample was captured
    user: bool = True    # the gate's verdict: not (residual) echo of our own voice
    loud: bool = True    # the microphone took it at BARGE_IN_MIN_POWER or more (before cancelling)
    as_user: np.ndarray | None = None   # as heard were it the user's (EchoCanceller.heard_as); None: `audio`


def is_loud(raw: np.ndarray) -> bool:
    return float(np.mean(np.square(raw, dtype=np.float64))) >= BARGE_IN_MIN_POWER


def is_user(gate, echo, clean: np.ndarray) -> bool:
    """The gate's verdict on the canceller's last output frame `clean`, judged against the mic
    samples it came from (`echo.mic_of_output`).

    The gate sees every frame (it tracks the noise floor and the echo loss) but only rules while we
    play; otherwise webrtcvad alone decides what is speech. While the canceller is still converging
    its output is not trusted: the gate stays shut."""
    verdict = gate.is_user(echo.mic_of_output, clean, echo.playing, trusted=echo.trusted, echo_due=echo.echo_due)
    return verdict if echo.playing else True


def captured(raw: np.ndarray, clean: np.ndarray, t_ns: int, echo=None, gate=None) -> MicFrame:
    """One captured frame as the loop takes it (`raw` before, `clean` after echo cancelling): the
    gate's verdict, what to listen to (residual echo suppressed), and, where the gate heard only
    echo, the frame as it would be heard were it the user's (for a barge-in's lookback)."""
    if echo is None:
        return MicFrame(clean, t_ns, True, is_loud(raw))
    user = is_user(gate, echo, clean) if gate is not None else True
    return MicFrame(echo.heard_as(user), t_ns, user, is_loud(raw), None if user else echo.heard_as(True))


class BargeInRule:
    """While a reply is under way, user speech lasting `barge_in_ms` interrupts it: that many frames
    in a row that the gate calls the user's and webrtcvad calls speech."""

    def __init__(self, vad: VadConfig, audio: AudioConfig) -> None:
        import webrtcvad

        self.frames = -(-audio.barge_in_ms // vad.frame_ms) if audio.barge_in else 0
        self._voiced = webrtcvad.Vad(vad.aggressiveness)
        self._run = 0

    def feed(self, frame: MicFrame) -> bool:
        """One frame taken while we reply; True when it completes a barge-in."""
        if not self.frames:
            return False
        pcm = (np.clip(frame.audio, -1, 1) * 32767).astype("<i2").tobytes()
        self._run = self._run + 1 if frame.user and frame.loud and self._voiced.is_speech(pcm, ASR_RATE) else 0
        if self._run < self.frames:
            return False
        self._run = 0
        return True

    def reset(self) -> None:
        self._run = 0


def lookback_audio(frames: list[MicFrame], vad: VadConfig) -> list[np.ndarray]:
    """What a barge-in hands the Endpointer of the frames before it: each as it was heard, but the
    last BARGE_IN_ONSET_MS as the user's (`MicFrame.as_user`). The gate hears a user who talks over
    us only some way into their first word, and behind DTLN-aec the frames before that are its own
    output, which bends a voice while both talk: Whisper heard "Stop." as "Don't", "Wait" as "Great"
    (docs/benchmarks.md, issue 16). Further back they stay as heard, where the user is not yet
    speaking and nlms' residual echo would be written into the question."""
    first = len(frames) - BARGE_IN_ONSET_MS // vad.frame_ms
    return [f.as_user if k >= first and f.as_user is not None else f.audio for k, f in enumerate(frames)]


def lookback_frames(vad: VadConfig) -> int:
    """Frames kept of what the mic heard lately: on a barge-in they start the next utterance, so they
    reach back past the detection delay (the gate may take a while to trust the user) to the first word."""
    return (vad.preroll_ms + BARGE_IN_LOOKBACK_MS) // vad.frame_ms


class VoiceLoop:
    def __init__(self, pipeline: Pipeline, sink: Sink, events: EventLog, vad: VadConfig,
                 audio: AudioConfig | None = None, ptt=None, timers=None, wake=None,
                 say: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)) -> None:
        self.pipeline = pipeline
        self.sink = sink
        self.events = events
        self.vad_cfg = vad
        self.endpointer = Endpointer(vad)
        self.say = say
        self.turns = 0
        self.speculate_ms = min(vad.speculate_ms, vad.hangover_ms)
        self.barge_in = BargeInRule(vad, audio or AudioConfig())
        self.ptt = ptt  # push-to-talk: an object whose `talking` says whether the key is down
        self._ptt_frames: list[MicFrame] = []
        self._active: asyncio.Task | None = None
        self._finishing: asyncio.Task | None = None  # a cancelled reply still closing its history
        self._spec: tuple[HeldSink, int, asyncio.Task] | None = None  # a reply prepared in a pause
        self._dropped: set[asyncio.Task] = set()
        self.timers = timers  # the skills whose ended timers are announced; None: never (profiling)
        self._checked_ns: int | None = None  # when the timers were last asked (frame time)
        self.wake = wake  # a WakeWord, or None: every utterance is for us
        self._wake = WakeState((audio or AudioConfig()).wake_window_s, min_question_samples(vad))

    @property
    def busy(self) -> bool:
        """True while the user is speaking or a reply is under way."""
        return self.endpointer.in_speech or self._replying

    @property
    def _replying(self) -> bool:
        return self._active is not None and not self._active.done()

    async def run(self, frames: AsyncIterator[MicFrame], max_turns: int | None = None,
                  ready: Callable[[], None] | None = None) -> None:
        """`ready` is called once the loop can hear a question: at once, or (with the VAD's
        background margin) when the room has been heard, so that a prompt shown by it is true."""
        recent: deque[MicFrame] = deque(maxlen=lookback_frames(self.vad_cfg))
        if ready is not None and (self.ptt is not None or self.endpointer.room_known):
            ready()
            ready = None
        async for frame in frames:
            recent.append(frame)
            if self.ptt is not None:
                if self._push_to_talk(frame) and max_turns is not None and self.turns >= max_turns:
                    break
                self._check_timers(frame)
                continue
            if self._replying:
                if not self.barge_in.feed(frame):
                    continue  # while we answer, only the user's own voice may interrupt
                self._barge_in(frame)
                self._finishing, self._active = self._active, None
                earlier = list(recent)[:-1]
                for f, heard in zip(earlier, lookback_audio(earlier, self.vad_cfg)):
                    self.endpointer.feed(heard, f.t_ns)  # their first words start the next utterance
            elif self._active is not None:
                self._active.result()  # a failed turn ends the loop with its error
                self._active = None
                if max_turns is not None and self.turns >= max_turns:
                    break
            self.barge_in.reset()
            self._listen(frame)
            if ready is not None and self.endpointer.room_known:
                ready()
                ready = None
            self._check_timers(frame)
        if self._active is not None:
            await self._active

    def _idle(self) -> bool:
        """Nobody is speaking (or holding the key) and no reply, alert or speculation is under way."""
        talking = self.ptt is not None and (self.ptt.talking or bool(self._ptt_frames))
        return (self._active is None and self._spec is None and not self.endpointer.in_speech
                and not talking)

    def _check_timers(self, frame: MicFrame) -> None:
        if self.timers is None or not self._idle():
            return
        if self._checked_ns is not None and frame.t_ns - self._checked_ns < ALERT_CHECK_NS:
            return
        self._checked_ns = frame.t_ns
        alerts = self.timers.due()
        if alerts:
            # One turn for all that ended together: one chime, and a barge-in silences all of them.
            self.turns += 1
            self._active = asyncio.create_task(self._announce(self.turns, " ".join(alerts), self._finishing))
            self._finishing = None

    async def _announce(self, turn: int, text: str, previous: asyncio.Task | None) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)  # a cancelled reply finishes first
        said = await self.pipeline.announce(turn, text, self.sink)
        self.say(f"assistant: {said or '(alert interrupted)'}")

    def _listen(self, frame: MicFrame) -> None:
        ep = self.endpointer
        was_speaking = ep.in_speech
        heard = frame.audio if frame.user else np.zeros_like(frame.audio)
        utt = ep.feed(heard, frame.t_ns, masked=not frame.user)
        turn = self.turns + 1
        if ep.in_speech and not was_speaking:
            self.events.stamp(turn, "speech_start", frame.t_ns)
            self._wake.speech_started(frame.t_ns)
        if self.wake is not None and self.wake.feed(heard):
            self._woken(frame, utt)
        if (ep.in_speech and self._spec is None and ep.silent_ms >= self.speculate_ms
                and (question := self._question(ep.snapshot)) is not None):
            # A pause: hear and answer now, while the CPU would idle through the hangover; the
            # reply's audio is held until the hangover confirms that the user has finished.
            held = HeldSink(self.sink)
            self._spec = (held, frame.t_ns, asyncio.create_task(
                self._turn(turn, question, self._finishing, held)))
        elif self._spec is not None and ep.in_speech and ep.silent_ms == 0:
            self._drop_speculation(turn)  # they went on speaking
        if utt is None:
            return
        audio = self._question(lambda: utt.audio)
        if audio is None or self._wake_only(utt.audio, frame):
            if self._spec is not None:
                self._drop_speculation(turn)
            self.events.discard(turn, 0, keep=frozenset())  # not a turn: nothing of it is kept
            return
        self.turns = turn
        self.events.stamp(turn, "speech_end", utt.end_ns)
        self.events.stamp(turn, "endpoint", frame.t_ns)
        if self._spec is not None:
            held, _, task = self._spec
            self._active, self._spec = task, None
            asyncio.create_task(held.release())
        else:
            self._active = asyncio.create_task(self._turn(turn, audio, self._finishing, self.sink))
        self._finishing = None

    def _question(self, audio: Callable[[], np.ndarray]) -> np.ndarray | None:
        """The open (or ended) utterance's audio that is for us: all of it without a wake word."""
        if self.wake is None:
            return audio()
        return self._wake.question(audio()) if self._wake.for_us else None

    def _woken(self, frame: MicFrame, utt) -> None:
        self._wake.fired_during(frame.t_ns, self.endpointer, utt)
        if not self.endpointer.in_speech and utt is None:
            self._chime()  # the utterance it ended was not for us: the next one is
        self.say(f"(wake word: {self.wake.name})")

    def _wake_only(self, utterance: np.ndarray, frame: MicFrame) -> bool:
        """An utterance for us ended; True when it held only the wake word (chime, then listen on)."""
        if self.wake is None:
            return False
        only = self._wake.wake_only(utterance)
        self._wake.ended(frame.t_ns, only)
        if only:
            self._chime()
        return only

    def _chime(self) -> None:
        from assistant.messages import AudioChunk
        from assistant.wake import listening_chime

        # turn 0 is never a turn: the profile's turns, and their first audio, start at 1
        asyncio.create_task(self.sink.play(AudioChunk(0, -1, listening_chime())))

    def _drop_speculation(self, turn: int) -> None:
        held, since_ns, task = self._spec
        self._spec = None
        held.stop()
        self.pipeline.cancel()
        self._dropped.add(task)
        self.events.discard(turn, since_ns)

    def _push_to_talk(self, frame: MicFrame) -> bool:
        """The key decides what is an utterance: everything between press and release. True at a turn's end."""
        if self.ptt.talking:
            if self._replying:
                self._barge_in(frame)  # pressing the key while we speak interrupts us
                self._finishing, self._active = self._active, None
            if not self._ptt_frames:
                self.events.stamp(self.turns + 1, "speech_start", frame.t_ns)
            self._ptt_frames.append(frame)
            return False
        if self._ptt_frames:
            audio = np.concatenate([f.audio for f in self._ptt_frames])
            self.turns += 1
            self.events.stamp(self.turns, "speech_end", self._ptt_frames[-1].t_ns)
            self.events.stamp(self.turns, "endpoint", frame.t_ns)
            self._ptt_frames = []
            self._active = asyncio.create_task(self._turn(self.turns, audio, self._finishing, self.sink))
            self._finishing = None
        elif self._active is not None and self._active.done():
            self._active.result()
            self._active = None
            return True
        return False

    def _barge_in(self, frame: MicFrame) -> None:
        self._wake.barged_in(frame.t_ns)
        self.sink.stop()
        self.pipeline.cancel()
        detect_ms = self.barge_in.frames * self.vad_cfg.frame_ms
        self.events.stamp(self.turns, "barge_in", frame.t_ns, detect_ms=detect_ms)
        self.say("(interrupted)")

    async def _turn(self, turn: int, audio: np.ndarray, previous: asyncio.Task | None, sink) -> None:
        me = asyncio.current_task()
        # asked from Whisper's thread before its second decode (a set's `in` is atomic under the GIL)
        text = await self.pipeline.hear(turn, audio, wanted=lambda: me not in self._dropped)
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)  # a cancelled reply finishes its history
        if me in self._dropped:
            self._dropped.discard(me)
            return
        reply = asyncio.create_task(self.pipeline.respond(turn, text, sink)) if text else None
        if isinstance(sink, HeldSink) and not await sink.confirmed():
            # A speculation the user talked on through: it was never their turn, so nothing is said
            # (printing "you: ..." as soon as it was heard showed half-sentences like "Stop.").
            if reply is not None:
                await asyncio.gather(reply, return_exceptions=True)
            self._dropped.discard(me)
            return
        self.say(f"you: {text}")
        if reply is not None:
            said = await reply
            if me not in self._dropped:
                self.say(f"assistant: {said}")
        self._dropped.discard(me)


async def mic_frames(vad: VadConfig, audio: AudioConfig, echo=None, gate=None) -> AsyncIterator[MicFrame]:
    """Live microphone frames; old frames are dropped if we fall behind; a stall is an error."""
    loop = asyncio.get_running_loop()
    q: asyncio.Queue[MicFrame] = asyncio.Queue(FRAME_QUEUE)

    def offer(item: MicFrame) -> None:
        if q.full():
            q.get_nowait()  # staying current beats hearing everything late
        q.put_nowait(item)

    def on_frame(raw: np.ndarray, clean: np.ndarray) -> None:  # the capture thread
        loop.call_soon_threadsafe(offer, captured(raw, clean, time.perf_counter_ns(), echo, gate))

    frame_len = ASR_RATE * vad.frame_ms // 1000
    mic = Microphone(frame_len, on_frame, audio.input_device, echo=echo)
    try:
        while True:
            try:
                yield await asyncio.wait_for(q.get(), STALL_S)
            except asyncio.TimeoutError:
                raise AudioError(f"the microphone delivered no audio for {STALL_S:.0f} s (unplugged, or the "
                                 "sound server stopped?)", "check the device and run `assistant doctor`") from None
    finally:
        mic.close()


async def paced_file_frames(paths: list[Path], vad: VadConfig, busy: Callable[[], bool],
                            lead_s: float = 0.5, max_wait_s: float = 60.0) -> AsyncIterator[MicFrame]:
    """Each file is one spoken turn, fed at real-time pace; silence follows until the reply is done."""
    frame_len = ASR_RATE * vad.frame_ms // 1000
    frame_ns = vad.frame_ms * 1_000_000
    silence = np.zeros(frame_len, dtype=np.float32)
    next_ns = time.perf_counter_ns()

    async def at_pace(frame: np.ndarray) -> MicFrame:
        nonlocal next_ns
        next_ns += frame_ns
        delay = (next_ns - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        return MicFrame(frame, next_ns)

    for path in paths:
        audio = read_wav(path, ASR_RATE)
        for _ in range(int(lead_s * 1000 / vad.frame_ms)):
            yield await at_pace(silence)
        for frame in frames_of(audio, frame_len):
            yield await at_pace(frame)
        # Keep the "microphone" open and quiet until the endpoint is found and the reply has played.
        waited = 0.0
        while waited < max_wait_s and (busy() or waited < (vad.hangover_ms + 200) / 1000):
            yield await at_pace(silence)
            waited += vad.frame_ms / 1000
