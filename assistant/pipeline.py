"""The orchestrator. One turn reads top to bottom:

    utterance ─► Whisper ─► LLM token stream ─► sentence cutter ─► Kokoro ─► sink (speaker or WAV)

Blocking model calls run in worker threads; stages talk through bounded asyncio
queues, so a slow stage holds the one before it back instead of piling up work.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.asr import Transcriber
from assistant.config import Config
from assistant.events import EventLog
from assistant.llm import ChatModel, Conversation
from assistant.messages import AudioChunk, Sentence, Utterance
from assistant.sentences import SentenceCutter
from assistant.store import ModelStore

TOKEN_QUEUE = 64     # text pieces between the LLM thread and the cutter
SENTENCE_QUEUE = 4   # sentences waiting for TTS: enough to stay ahead of playback


class Sink(Protocol):
    """Where reply audio goes: the speaker, or a WAV file in file mode."""

    async def play(self, chunk: AudioChunk) -> None: ...
    async def end_turn(self, turn: int) -> None: ...


@dataclass
class Models:
    asr: Transcriber | None
    llm: ChatModel | None
    tts: object | None  # tts.KokoroEngine; imported lazily so `import assistant` stays light


def load_models(cfg: Config, store: ModelStore, events: EventLog, asr: bool = True, llm: bool = True,
                tts: bool = True) -> Models:
    """Load what the mode needs, stamping how long each part took; then warm each up."""
    loaded: dict[str, object | None] = {"asr": None, "llm": None, "tts": None}
    if asr:
        events.stamp(0, "load_asr_start")
        loaded["asr"] = Transcriber(store.dir(cfg.models.asr), cfg.asr)
        events.stamp(0, "load_asr_done")
    if llm:
        events.stamp(0, "load_llm_start")
        loaded["llm"] = ChatModel(store.path(cfg.models.llm), cfg.llm)
        events.stamp(0, "load_llm_done")
    if tts:
        from tts import KokoroEngine

        events.stamp(0, "load_tts_start")
        engine = KokoroEngine(store.path(cfg.models.tts), store.path(cfg.models.vocab),
                              store.dir(cfg.models.voices), threads=cfg.tts.threads)
        engine.voice(cfg.tts.voice)  # an unknown voice fails now, not mid-reply
        engine.warm_up(cfg.tts.voice)
        loaded["tts"] = engine
        events.stamp(0, "load_tts_done")
    return Models(**loaded)  # type: ignore[arg-type]


class Pipeline:
    def __init__(self, cfg: Config, models: Models, events: EventLog) -> None:
        self.cfg = cfg
        self.models = models
        self.events = events
        self.conversation = Conversation(cfg.llm.system_prompt, cfg.llm.history_turns)

    # ---- stage 1: hear ------------------------------------------------------------------
    async def hear(self, turn: int, utt: Utterance) -> str:
        self.events.stamp(turn, "asr_start")
        text = await asyncio.to_thread(self.models.asr.transcribe, utt.audio)
        self.events.stamp(turn, "asr_done", text=text)
        return text

    # ---- stages 2-5: answer -------------------------------------------------------------
    async def respond(self, turn: int, user_text: str, sink: Sink, echo=None) -> str:
        """Generate, cut, synthesise and play the reply to `user_text`; returns the reply text."""
        tokens: asyncio.Queue[str | None] = asyncio.Queue(TOKEN_QUEUE)
        sentences: asyncio.Queue[Sentence | None] = asyncio.Queue(SENTENCE_QUEUE)
        cancel = threading.Event()
        reply: list[str] = []
        messages = self.conversation.messages(user_text)
        tasks = [
            asyncio.create_task(self._generate(turn, messages, tokens, cancel)),
            asyncio.create_task(self._cut(turn, tokens, sentences, reply, echo)),
            asyncio.create_task(self._speak(turn, sentences, sink)),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            cancel.set()  # stops the LLM thread if anything downstream failed
            for t in tasks:
                t.cancel()
        text = "".join(reply).strip()
        self.conversation.add(user_text, text)
        await sink.end_turn(turn)
        self.events.stamp(turn, "turn_end")
        return text

    async def _generate(self, turn: int, messages: list[dict], out: asyncio.Queue,
                        cancel: threading.Event) -> None:
        loop = asyncio.get_running_loop()

        def produce() -> None:
            # Runs in a worker thread; `put` blocks it when the cutter falls behind.
            first = True
            for piece in self.models.llm.stream(messages, cancel):
                if first:
                    self.events.stamp(turn, "llm_first_token")
                    first = False
                asyncio.run_coroutine_threadsafe(out.put(piece), loop).result()
            self.events.stamp(turn, "llm_done")

        self.events.stamp(turn, "llm_start")
        try:
            await asyncio.to_thread(produce)
        finally:
            await out.put(None)

    async def _cut(self, turn: int, tokens: asyncio.Queue, out: asyncio.Queue, reply: list[str],
                   echo) -> None:
        cutter = SentenceCutter()
        index = 0
        while (piece := await tokens.get()) is not None:
            reply.append(piece)
            if echo:
                echo(piece)
            for text in cutter.push(piece):
                await out.put(Sentence(turn, index, text))
                index += 1
        for text in cutter.flush():
            await out.put(Sentence(turn, index, text))
            index += 1
        await out.put(None)

    async def _speak(self, turn: int, sentences: asyncio.Queue, sink: Sink) -> None:
        from tts import TTSError

        engine = self.models.tts
        pause = np.zeros(int(self.cfg.tts.sentence_pause_ms * 24), dtype=np.float32)
        while (s := await sentences.get()) is not None:
            if s.index == 0:
                self.events.stamp(turn, "first_sentence_ready", text=s.text)
            try:
                audio = await asyncio.to_thread(self._synthesize, s.text)
            except TTSError:
                continue  # a sentence with nothing speakable (e.g. only an emoji) is skipped
            if s.index == 0:
                self.events.stamp(turn, "tts_first_audio")
            await sink.play(AudioChunk(turn, s.index, np.concatenate([audio, pause])))

    def _synthesize(self, text: str) -> np.ndarray:
        engine = self.models.tts
        return np.concatenate(list(engine.stream(text, self.cfg.tts.voice, self.cfg.tts.speed)) or
                              [np.zeros(0, np.float32)])


# ---- sinks --------------------------------------------------------------------------------
class WavSink:
    """File mode: replies in order, separated by `gap_ms` of silence, written at the end."""

    def __init__(self, events: EventLog, gap_ms: int, rate: int = 24000) -> None:
        self.events = events
        self.rate = rate
        self.gap = np.zeros(rate * gap_ms // 1000, dtype=np.float32)
        self.parts: list[np.ndarray] = []
        self._started: set[int] = set()

    async def play(self, chunk: AudioChunk) -> None:
        if chunk.turn not in self._started:
            self._started.add(chunk.turn)
            self.events.stamp(chunk.turn, "playback_start")
            if self.parts:
                self.parts.append(self.gap)
        self.parts.append(chunk.audio)

    async def end_turn(self, turn: int) -> None:
        pass

    def audio(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.float32)


class SpeakerSink:
    """Live mode: chunks go to the Player's queue at once; end_turn waits until they were heard."""

    def __init__(self, events: EventLog, device: str = "") -> None:
        from assistant.audio import Player

        self.events = events
        self._turn_started: set[int] = set()
        self.player = Player(24000, device, on_start=self._started)

    def _started(self, turn: int) -> None:
        if turn not in self._turn_started:  # runs on PortAudio's thread: only record the time
            self._turn_started.add(turn)
            self.events.stamp(turn, "playback_start", time.perf_counter_ns())

    async def play(self, chunk: AudioChunk) -> None:
        self.player.play(chunk.audio, chunk.turn)

    async def end_turn(self, turn: int) -> None:
        await asyncio.to_thread(self.player.drain)

    def close(self) -> None:
        self.player.close()
