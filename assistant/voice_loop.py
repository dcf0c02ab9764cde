"""Listening: microphone frames in, turns out.

A frame source yields (16 kHz frame, capture time) pairs: the live microphone, or WAV
files fed at real-time pace as a microphone would (profiling). The loop endpoints them
and hands each utterance to the pipeline as one turn.
"""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import AsyncIterator, Callable

import numpy as np

from assistant.audio import ASR_RATE, Microphone, read_wav
from assistant.config import VadConfig
from assistant.events import EventLog
from assistant.pipeline import Pipeline, Sink
from assistant.vad import Endpointer, frames_of

FRAME_QUEUE = 200  # 6 s of 30 ms frames: enough to ride out a slow turn start


class VoiceLoop:
    def __init__(self, pipeline: Pipeline, sink: Sink, events: EventLog, vad: VadConfig,
                 say: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)) -> None:
        self.pipeline = pipeline
        self.sink = sink
        self.events = events
        self.endpointer = Endpointer(vad)
        self.say = say
        self.turns = 0
        self.speculate_ms = min(vad.speculate_ms, vad.hangover_ms)
        self._active: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        """True while the user is speaking or a reply is under way."""
        return self.endpointer.in_speech or (self._active is not None and not self._active.done())

    async def run(self, frames: AsyncIterator[tuple[np.ndarray, int]], max_turns: int | None = None) -> None:
        speculative: asyncio.Task | None = None  # recognition started in a pause, valid while it lasts
        async for frame, t_ns in frames:
            if self._active is not None and not self._active.done():
                continue  # half-duplex: while we answer, what the mic hears is not for us
            if self._active is not None:
                self._active.result()  # a failed turn ends the loop with its error
                self._active = None
                if max_turns is not None and self.turns >= max_turns:
                    break
            ep = self.endpointer
            was_speaking = ep.in_speech
            utt = ep.feed(frame, t_ns)
            if ep.in_speech and not was_speaking:
                self.events.stamp(self.turns + 1, "speech_start", t_ns)
                speculative = None
            if ep.in_speech and speculative is None and ep.silent_ms >= self.speculate_ms:
                # A pause: recognise what we have now, while the CPU would idle through the hangover.
                speculative = self.pipeline.start_hearing(ep.snapshot())
            elif speculative is not None and ep.in_speech and ep.silent_ms == 0:
                speculative = None  # they went on speaking: that guess is stale
            if utt is not None:
                self.turns += 1
                self.events.stamp(self.turns, "speech_end", utt.end_ns)
                self.events.stamp(self.turns, "endpoint", t_ns)
                self._active = asyncio.create_task(self._turn(self.turns, utt.audio, speculative))
                speculative = None
        if self._active is not None:
            await self._active

    async def _turn(self, turn: int, audio: np.ndarray, speculative: asyncio.Task | None) -> None:
        text = await self.pipeline.hear(turn, audio, speculative)
        self.say(f"you: {text}")
        if text:
            reply = await self.pipeline.respond(turn, text, self.sink)
            self.say(f"assistant: {reply}")


async def mic_frames(vad: VadConfig, device: str) -> AsyncIterator[tuple[np.ndarray, int]]:
    """Live microphone frames with their capture times; old frames are dropped if we fall behind."""
    loop = asyncio.get_running_loop()
    q: asyncio.Queue[tuple[np.ndarray, int]] = asyncio.Queue(FRAME_QUEUE)

    def offer(item) -> None:
        if q.full():
            q.get_nowait()  # staying current beats hearing everything late
        q.put_nowait(item)

    frame_len = ASR_RATE * vad.frame_ms // 1000
    mic = Microphone(frame_len, lambda f: loop.call_soon_threadsafe(offer, (f, time.perf_counter_ns())), device)
    try:
        while True:
            yield await q.get()
    finally:
        mic.close()


async def paced_file_frames(paths: list[Path], vad: VadConfig, busy: Callable[[], bool],
                            lead_s: float = 0.5, max_wait_s: float = 60.0) -> AsyncIterator[tuple[np.ndarray, int]]:
    """Each file is one spoken turn, fed at real-time pace; silence follows until the reply is done."""
    frame_len = ASR_RATE * vad.frame_ms // 1000
    frame_ns = vad.frame_ms * 1_000_000
    silence = np.zeros(frame_len, dtype=np.float32)
    next_ns = time.perf_counter_ns()

    async def at_pace(frame: np.ndarray):
        nonlocal next_ns
        next_ns += frame_ns
        delay = (next_ns - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        return frame, next_ns

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
