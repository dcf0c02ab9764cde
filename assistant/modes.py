"""The ways people use the assistant: voice from a WAV file or the microphone, typed chat, say, transcribe.

Each mode builds its sources and sinks, then hands turns to the Pipeline.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import numpy as np

from assistant.audio import ASR_RATE, Microphone, read_wav, write_wav
from assistant.config import Config
from assistant.errors import InputError
from assistant.events import EventLog
from assistant.pipeline import Pipeline, SpeakerSink, WavSink, load_models
from assistant.store import ModelStore
from assistant.vad import Endpointer, split_utterances


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---- run: voice in, voice out -------------------------------------------------------------
def run_file(cfg: Config, store: ModelStore, events: EventLog, in_path: Path, out_path: Path) -> list[dict]:
    """Each utterance in `in_path` is answered; the replies go, in order, to `out_path`."""
    audio = read_wav(in_path, ASR_RATE)
    utterances = split_utterances(audio, cfg.vad)
    if not utterances:
        raise InputError(f"no speech found in {in_path}", "check that the file holds spoken words")
    models = load_models(cfg, store, events)
    pipeline = Pipeline(cfg, models, events)
    sink = WavSink(events, cfg.audio.reply_gap_ms)

    async def main() -> list[dict]:
        turns = []
        for turn, utt in enumerate(utterances, start=1):
            # In file mode the endpoint is "found" the moment we start on the utterance.
            events.stamp(turn, "speech_end")
            heard = await pipeline.hear(turn, utt)
            _say(f"you: {heard}")
            if not heard:
                continue
            reply = await pipeline.respond(turn, heard, sink)
            _say(f"assistant: {reply}")
            turns.append({"turn": turn, "user": heard, "reply": reply})
        return turns

    turns = asyncio.run(main())
    write_wav(out_path, sink.audio(), sink.rate)
    return turns


def run_live(cfg: Config, store: ModelStore, events: EventLog) -> None:
    """Hands-free: listen, answer out loud, listen again. The mic is ignored while we speak."""
    models = load_models(cfg, store, events)
    pipeline = Pipeline(cfg, models, events)
    sink = SpeakerSink(events, cfg.audio.output_device)
    endpointer = Endpointer(cfg.vad)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        frames: asyncio.Queue[np.ndarray] = asyncio.Queue(maxsize=200)

        def on_frame(frame: np.ndarray) -> None:  # PortAudio's thread
            loop.call_soon_threadsafe(_offer, frames, frame)

        mic = Microphone(endpointer.frame_len, on_frame, cfg.audio.input_device)
        _say("listening… (Ctrl+C to quit)")
        turn = 0
        try:
            while True:
                utt = endpointer.feed(await frames.get())
                if utt is None:
                    continue
                turn += 1
                events.stamp(turn, "speech_end")
                heard = await pipeline.hear(turn, utt)
                if not heard:
                    continue
                _say(f"you: {heard}")
                reply = await pipeline.respond(turn, heard, sink)
                _say(f"assistant: {reply}")
                _drain(frames)  # half-duplex: drop what the mic heard while we were speaking
                endpointer = Endpointer(cfg.vad)
        finally:
            mic.close()
            sink.close()

    asyncio.run(main())


def _offer(q: asyncio.Queue, item) -> None:
    if q.full():
        q.get_nowait()  # the oldest frame goes: staying current beats hearing everything late
    q.put_nowait(item)


def _drain(q: asyncio.Queue) -> None:
    while not q.empty():
        q.get_nowait()


# ---- chat: typed in, printed (and spoken) out ----------------------------------------------
def chat(cfg: Config, store: ModelStore, events: EventLog, mute: bool) -> None:
    models = load_models(cfg, store, events, asr=False, tts=not mute)
    pipeline = Pipeline(cfg, models, events)
    sink = _NullSink() if mute else SpeakerSink(events, cfg.audio.output_device)

    async def main() -> None:
        turn = 0
        while True:
            try:
                line = await asyncio.to_thread(input, "you: ")
            except EOFError:
                break
            if not line.strip():
                continue
            turn += 1
            print("assistant: ", end="", flush=True)
            await pipeline.respond(turn, line.strip(), sink, echo=lambda p: print(p, end="", flush=True))
            print()

    try:
        asyncio.run(main())
    finally:
        if not mute:
            sink.close()


class _NullSink:
    async def play(self, chunk) -> None:
        pass

    async def end_turn(self, turn: int) -> None:
        pass


# ---- say / transcribe -----------------------------------------------------------------------
def say(cfg: Config, store: ModelStore, text: str, out: Path | None) -> float:
    """Speak `text` into `out`, or out loud when there is no `out`. Returns the audio length in s."""
    from tts import SAMPLE_RATE, TTSError

    if not text.strip():
        raise InputError("nothing to say: the text is empty", 'give some words, e.g. assistant say "Hello"')
    models = load_models(cfg, store, EventLog(), asr=False, llm=False)
    try:
        audio = models.tts.synthesize(text, cfg.tts.voice, cfg.tts.speed,
                                      pause_s=cfg.tts.sentence_pause_ms / 1000)
    except TTSError as e:
        raise InputError(str(e)) from None
    if out is not None:
        write_wav(out, audio, SAMPLE_RATE)
    else:
        from assistant.audio import Player

        player = Player(SAMPLE_RATE, cfg.audio.output_device)
        player.play(audio)
        player.drain()
        player.close()
    return len(audio) / SAMPLE_RATE


def transcribe(cfg: Config, store: ModelStore, path: Path, as_json: bool) -> str:
    audio = read_wav(path, ASR_RATE)
    models = load_models(cfg, store, EventLog(), llm=False, tts=False)
    segments = models.asr.segments(audio)
    text = " ".join(s.text for s in segments if s.text).strip()
    if as_json:
        return json.dumps({"text": text, "duration_s": round(len(audio) / ASR_RATE, 3),
                           "segments": [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text}
                                        for s in segments]}, ensure_ascii=False)
    return text
