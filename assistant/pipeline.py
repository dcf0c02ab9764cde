"""The orchestrator. One turn reads top to bottom:

    utterance ─► Whisper ─► LLM token stream ─► sentence cutter ─► Kokoro ─► sink (speaker or WAV)

Blocking model calls run in worker threads; stages talk through bounded asyncio
queues, so a slow stage holds the one before it back instead of piling up work.
Every turn carries a generation number: `cancel()` bumps it, and each stage drops
work from an older generation, so a cancelled reply can never be played.
"""
from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from assistant.asr import Transcriber
from assistant.budget import MemoryBudget, kv_bytes_per_token, MB
from assistant.config import Config, llm_candidates, override, tts_model
from assistant.events import EventLog
from assistant.llm import ChatModel, Conversation
from assistant.messages import AudioChunk, Phrase, ReplyEnd, Sentence
from assistant.question_mark import restore_question
from assistant.pacing import Pacer
from assistant.sentences import SentenceCutter, ends_sentence, split_to_fit
from assistant.arena import asr_activations_mb, batched_activations_mb, tts_activations_mb
from models.store import ModelStore

if TYPE_CHECKING:  # importing the skills loads pint and hassil: only the modes that ask them do
    from assistant.skills import Answer, Skills

TOKEN_QUEUE = 64     # text pieces between the LLM thread and the cutter
SENTENCE_QUEUE = 4   # sentences waiting for TTS: enough to stay ahead of playback
LLM_COMPUTE_MB = 40  # llama.cpp's scratch buffers beside weights and KV cache
MIN_CONTEXT = 512
# Kokoro's activations per phoneme token of one run, as a first guess (peak RSS growth on an AVX2
# host: 139 MB at 100 tokens, 339 at 200, 615 at 400 for the fast model). It only picks the chunk
# length to measure: the budget then holds what this machine measured (assistant/arena.py).
TTS_MB_PER_TOKEN = 1.7
MIN_TTS_TOKENS = 64
FIRST_AUDIO_WAIT_S = 5.0  # the LLM never pauses longer than this for a chunk's audio (the first, or a late one)
# A sentence let go before it is written must be able to end before the token cap (a capped reply
# drops its unfinished last sentence, but a head already spoken cannot be taken back). 32 tokens
# are about 24 words: a long spoken sentence.
LET_GO_TOKENS_LEFT = 32


class Sink(Protocol):
    """Where reply audio goes: the speaker, or a WAV file in file mode."""

    async def play(self, chunk: AudioChunk) -> None: ...
    async def end_turn(self, turn: int) -> None: ...
    def stop(self) -> None: ...
    def played(self, turn: int) -> set[int] | None: ...  # chunk indices heard; None: all handed over


@dataclass
class Models:
    asr: Transcriber | None
    llm: ChatModel | None
    tts: object | None  # tts.KokoroEngine; imported lazily so `import assistant` stays light
    cfg: Config         # the config as sized by the budget (LLM context may be smaller)
    skills: Skills | None = None  # asked before the LLM
    batched: object | None = None  # tts.batched_engine.BatchedKokoro when batches pay here (assistant.batching)


def tts_model_path(cfg: Config, store: ModelStore):
    """The Kokoro model file `tts.engine` selects (config.tts_model); the fast one ran at
    2.1x the speed of the shipped export on an AVX-512/VNNI CPU, 1.3x on AVX2 without VNNI
    (docs/benchmarks.md, issue 12)."""
    return store.path(tts_model(cfg, store.status(cfg.models.tts_fast) == "cached"))


def load_models(cfg: Config, store: ModelStore, events: EventLog, budget: MemoryBudget,
                asr: bool = True, llm: bool = True, tts: bool = True, chat_model=ChatModel,
                say: Callable[[str], None] = lambda line: None) -> Models:
    """Load what the mode needs within the budget, stamping how long each part took.
    `chat_model(path, LlmConfig)` makes the LLM (the profile's latency stand-in replaces it);
    `say` gets the start-up lines a user should read (which LLM runs, and why).

    Order matters: the LLM is chosen once the models that do not shrink are loaded, and loaded
    last because its context length is sized from what the other parts left over.
    """
    warm = cfg.runtime.warm_up
    # numpy's own work here is small (mel filters, resampling, echo FFTs), but OpenBLAS's extra
    # thread spins after each call and took CPU from the models' threads on two cores: median
    # TTFA 704-718 ms with one BLAS thread against 800-830 with two, side by side.
    threadpool_limits(1, user_api="blas")
    asr_model = tts_engine = llm_model = batched = None
    budget.pending += [part for part, wanted in (("asr", asr), ("tts", tts), ("llm", llm)) if wanted]
    measured = store.root.parent / "measured"  # this machine's working-memory figures (assistant/arena.py)
    if asr:
        events.stamp(0, "load_asr_start")
        asr_model = budget.measure("asr", lambda: _warmed(Transcriber(store.dir(cfg.models.asr), cfg.asr), warm))
        _reserve(budget, "asr activations", *asr_activations_mb(asr_model, store.dir(cfg.models.asr),
                                                                  cfg.vad.max_utterance_s, measured))
        events.stamp(0, "load_asr_done")
    llm_path = None
    if tts:
        from tts import KokoroEngine

        tts_path = tts_model_path(cfg, store)

        def load_tts():
            engine = KokoroEngine(tts_path, store.path(cfg.models.vocab),
                                  store.dir(cfg.models.voices), threads=cfg.tts.threads)
            engine.voice(cfg.tts.voice)  # an unknown voice fails now, not mid-reply
            if warm:
                engine.warm_up(cfg.tts.voice)
            return engine

        events.stamp(0, "load_tts_start")
        tts_engine = budget.measure("tts", load_tts)
        events.stamp(0, "load_tts_done")
    if llm:
        # what shrinks to fit (the TTS chunk length, the LLM's context) is sized after the choice
        name, why = pick_llm(cfg, store, budget.left_mb() - (MIN_TTS_TOKENS * TTS_MB_PER_TOKEN if tts else 0.0))
        cfg, llm_path = override(cfg, "models.llm", name), store.path(name)
        events.stamp(0, "llm_choice", model=name, why=why)
        say(f"LLM: {name} ({why})")
    if tts:
        tts_engine.max_tokens = _tts_tokens_that_fit(cfg, budget, llm_path)
        cfg = override(cfg, "tts.max_chunk_tokens", tts_engine.max_tokens)
        _reserve(budget, "tts activations", *tts_activations_mb(tts_engine, tts_path, tts_engine.max_tokens,
                                                                  cfg.tts.threads, cfg.tts.speed, measured))
        batched = _batched_tts(cfg, store, events, budget, tts_engine, tts_path, llm_path, measured)
    skills = None
    if llm and cfg.skills.enabled:  # they answer instead of the LLM, so only modes with one ask them
        from assistant.skills import Skills

        skills = budget.measure("skills", lambda: Skills(cfg.skills.list))
    if llm:
        context = _context_that_fits(cfg, llm_path, budget.left_mb())
        budget.expect("llm", _llm_mb(llm_path, context))  # refused here when not even MIN_CONTEXT fits
        cfg = override(cfg, "llm.context_tokens", context)
        events.stamp(0, "load_llm_start", context_tokens=context)
        # the KV cache's pages become resident as the context fills: charge all of it from the start
        llm_model = budget.measure("llm", lambda: _warmed(chat_model(llm_path, cfg.llm), warm, cfg.llm.system_prompt),
                                   at_least=_llm_mb(llm_path, context))
        events.stamp(0, "load_llm_done")
    return Models(asr_model, llm_model, tts_engine, cfg, skills, batched)


def pick_llm(cfg: Config, store: ModelStore, room_mb: float) -> tuple[str, str]:
    """The LLM to run, and why. An explicit `models.llm` is taken as it is (the budget refuses it
    with its parts listed if it cannot fit). With "auto", the first of `models.llm_choices` that is
    in the store and whose minimum (weights, scratch, a MIN_CONTEXT KV cache) fits in `room_mb`;
    the last choice is the fallback, refused like an explicit one if even it cannot fit."""
    names = llm_candidates(cfg)
    if cfg.models.llm != "auto":
        return names[0], "models.llm in the config"
    passed = []
    for name in names[:-1]:
        if store.status(name) != "cached":
            passed.append(f"{name} is not in the store: `assistant models fetch {name}` to use it")
            continue
        need = _llm_minimum_mb(store.path(name))
        if need <= room_mb:
            return name, f"auto: the first of models.llm_choices that fits, {need:.0f} of {room_mb:.0f} MB left"
        passed.append(f"{name} needs {need:.0f} MB and the budget leaves {room_mb:.0f}: "
                      f"raise runtime.memory_budget_mb by {math.ceil((need - room_mb) / 10) * 10} to use it")
    return names[-1], ("auto: " + "; ".join(passed)) if passed else "auto"


def _batched_tts(cfg: Config, store: ModelStore, events: EventLog, budget: MemoryBudget, engine, solo_path,
                 llm_path, measured):
    """The batched Kokoro when `tts.batch` asks for batches, the model is built, a batch measured
    faster than solo here ("auto") and the model and one full batch's activations fit the budget
    beside what the LLM needs at least; else None, and the worker runs solo."""
    from assistant.batching import choose, speeds

    if cfg.tts.batch == "1" or store.status(cfg.models.tts_batched) != "cached":
        return None
    files = [f.name for f in store.artifact(cfg.models.tts_batched).files]
    path = store.path(cfg.models.tts_batched, next((f for f in files if ".int8." in f), files[0]))  # not the fp32 one
    vocab, voices = store.path(cfg.models.vocab), store.dir(cfg.models.voices)
    measured_speeds = speeds(solo_path, path, vocab, voices, cfg.tts.threads, measured) if cfg.tts.batch == "auto" else None
    size = choose(cfg.tts.batch, measured_speeds)
    # its activations are about the solo engine's: the batch is capped at the same padded tokens
    need = path.stat().st_size / MB * 1.3 + budget.parts.get("tts activations", budget.estimates.get("tts activations", 0))
    fits = budget.left_mb() - (_llm_minimum_mb(llm_path) if llm_path else 0) >= need
    events.stamp(0, "tts_batch", size=size if fits else 1, speeds=measured_speeds, fits_budget=fits)
    if size < 2 or not fits:
        return None
    from tts.batched_engine import BatchedKokoro

    batched = budget.measure("tts batched", lambda: BatchedKokoro(path, vocab, voices, threads=cfg.tts.threads,
                                                                 max_batch=size, max_batch_tokens=engine.max_tokens))
    _reserve(budget, "tts batched activations", *batched_activations_mb(batched, path, engine.max_tokens,
                                                                        cfg.tts.threads, measured))
    return batched


def _reserve(budget: MemoryBudget, part: str, mb: float, just_measured: bool) -> None:
    """A model's largest working memory: resident already when just measured, else still to come."""
    if just_measured:
        budget.parts[part] = mb
        budget.check()
    else:
        budget.expect(part, mb)


def _llm_mb(path, context: int) -> float:
    """The LLM's weights, scratch buffers and a KV cache of `context` tokens."""
    return path.stat().st_size / MB + LLM_COMPUTE_MB + context * kv_bytes_per_token(path) / MB


def _llm_minimum_mb(path) -> float:
    return _llm_mb(path, MIN_CONTEXT)


def _tts_tokens_that_fit(cfg: Config, budget: MemoryBudget, llm_path) -> int:
    """The longest TTS chunk the budget allows, leaving the LLM at least its minimum context."""
    room = budget.left_mb() - (_llm_minimum_mb(llm_path) if llm_path else 0.0)
    return max(MIN_TTS_TOKENS, min(cfg.tts.max_chunk_tokens, int(room / TTS_MB_PER_TOKEN)))


def _context_that_fits(cfg: Config, gguf, room_mb: float) -> int:
    """The longest context (a multiple of 256, at least MIN_CONTEXT) whose LLM fits in `room_mb`."""
    per_token = kv_bytes_per_token(gguf) / MB
    fits = int((room_mb - _llm_mb(gguf, 0)) / per_token) // 256 * 256
    return max(MIN_CONTEXT, min(cfg.llm.context_tokens, fits))


def _pause(go: threading.Event, cancel: threading.Event) -> None:
    """Wait until `go` is set, the reply is cancelled (a barge-in: the LLM then stops at once
    instead of waiting out the pause) or FIRST_AUDIO_WAIT_S has passed."""
    deadline = time.perf_counter() + FIRST_AUDIO_WAIT_S
    while not go.wait(0.05) and not cancel.is_set() and time.perf_counter() < deadline:
        pass


def _warmed(model, warm: bool, *args):
    if warm:
        model.warm_up(*args)
    return model


class Pipeline:
    def __init__(self, models: Models, events: EventLog) -> None:
        self.cfg = models.cfg
        self.models = models
        self.events = events
        self.skills = models.skills  # owns their state, such as running timers
        self.conversation = Conversation(self.cfg.llm.system_prompt, self.cfg.llm.history_turns)
        self.generation = 0
        self._cancel = threading.Event()

    # ---- stage 1: hear ------------------------------------------------------------------
    async def hear(self, turn: int, audio: np.ndarray, wanted: Callable[[], bool] = lambda: True) -> str:
        """What the user said. `wanted()` turns False once the caller has dropped the utterance (a
        speculation they talked on through): Whisper then skips a second decode whose words nobody reads."""
        gen = self.generation
        t0 = time.perf_counter_ns()
        text = await asyncio.to_thread(self.models.asr.transcribe, audio, wanted)
        if self.cfg.audio.wake_word:  # the question was cut with the wake word still in it
            from assistant.wake import without_wake_words

            text = without_wake_words(text, self.cfg.audio.wake_word)
        if gen == self.generation:  # not dropped meanwhile
            self.events.stamp(turn, "asr_start", t0)
            self.events.stamp(turn, "asr_done", text=text)
        return text

    # ---- stages 2-5: answer -------------------------------------------------------------
    async def respond(self, turn: int, user_text: str, sink: Sink,
                      echo: Callable[[str], None] | None = None) -> str:
        """Answer `user_text` with a skill or the LLM, then cut, synthesise and play the reply;
        returns what was said."""
        gen, cancel = self._begin()
        answer = self.skills.answer(user_text) if self.skills else None
        # what the LLM reads, now and in later turns' history
        asked = restore_question(user_text) if self.cfg.llm.restore_question else user_text

        def write(tokens, llm_go):
            if answer:
                return self._recite(turn, gen, answer, tokens)
            return self._generate(turn, gen, self.conversation.messages(asked), tokens, cancel, llm_go)

        text = await self._reply(turn, gen, cancel, write, sink, echo)
        if gen == self.generation or text:  # a speculation dropped before a word was heard leaves no trace
            self.conversation.add(asked, text)
            if answer and answer.commit:
                answer.commit()  # e.g. the timer starts only now, for the same reason
            # While the user listens and thinks, the LLM reads the history the next prompt starts with.
            self.models.llm.prefill(self.conversation.messages(""))
        self._stamp(gen, turn, "turn_end")
        return text

    async def announce(self, turn: int, text: str, sink: Sink) -> str:
        """Say `text` unasked (a timer's alert) after a chime, along a reply's path: the same cutter,
        TTS and sink, and `cancel()` stops it as it stops a reply. Returns what was heard.

        The history keeps no trace of it: it holds (user, assistant) pairs and the chat template
        alternates them, so a lone assistant line would need an invented user line, which the small
        LLM would read as something the user said. The timers skill knows what is running anyway.
        """
        from assistant.chime import chime
        from assistant.skills.answer import Answer

        gen, cancel = self._begin()
        self._stamp(gen, turn, "announce", text=text)
        # Index -1: before the first sentence (0), and never counted among the words heard.
        await sink.play(AudioChunk(turn, -1, chime()))
        alert = Answer("alert", text)
        said = await self._reply(turn, gen, cancel, lambda tokens, *_: self._recite(turn, gen, alert, tokens), sink, None)
        self._stamp(gen, turn, "turn_end")
        return said

    def _begin(self) -> tuple[int, threading.Event]:
        """A new generation: whatever an older one still has in flight is dropped."""
        self.generation += 1
        self._cancel = threading.Event()
        return self.generation, self._cancel

    async def _reply(self, turn: int, gen: int, cancel: threading.Event, write, sink: Sink, echo) -> str:
        """Run `write` (the LLM or a skill, into the token queue), the cutter and the TTS until the
        reply has played; returns the words the user heard (after a barge-in, only those)."""
        # On two cores the LLM and the TTS slow each other down. While the listener waits for audio
        # (the first chunk, and with runtime.llm_waits_for_late_audio a later one that playback would
        # run dry before), the LLM pauses: `llm_go` is clear from the first cut until the first
        # audio exists, and while such a chunk is synthesised.
        llm_go = threading.Event()
        llm_go.set()
        tokens: asyncio.Queue[str | ReplyEnd] = asyncio.Queue(TOKEN_QUEUE)
        sentences: asyncio.Queue[Sentence | None] = asyncio.Queue(SENTENCE_QUEUE)
        spoken: list[tuple[int, str]] = []
        pacer = Pacer()  # when the audio handed over runs out: the cutter and the TTS both keep up with it
        tasks = [
            asyncio.create_task(write(tokens, llm_go)),
            asyncio.create_task(self._cut(turn, gen, tokens, sentences, echo, llm_go, pacer)),
            asyncio.create_task(self._speak(turn, gen, sentences, sink, spoken, llm_go, pacer)),
        ]
        try:
            await asyncio.gather(*tasks)
            if gen == self.generation:
                await sink.end_turn(turn)
        finally:
            cancel.set()  # stops the LLM thread if anything downstream failed or was cancelled
            llm_go.set()
            for t in tasks:
                t.cancel()
        played = sink.played(turn)
        return " ".join(t for i, t in spoken if played is None or i in played).strip()

    def _stamp(self, gen: int, turn: int, name: str, **data) -> None:
        """Stamp only for the current generation: a cancelled turn's late stages leave no events."""
        if gen == self.generation:
            self.events.stamp(turn, name, **data)

    def cancel(self) -> None:
        """Barge-in: every stage drops the current turn's work from now on."""
        self.generation += 1
        self._cancel.set()

    async def _generate(self, turn: int, gen: int, messages: list[dict], out: asyncio.Queue, cancel: threading.Event,
                        llm_go: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        yield_to_tts = self.cfg.runtime.llm_waits_for_first_audio

        def produce() -> str | None:
            # Runs in a worker thread; `put` blocks it when the cutter falls behind.
            n, held = 0, 0.0  # held: seconds not decoding (paused for the TTS, or the queue was full)
            reply = self.models.llm.stream(messages, cancel)
            for piece in reply:
                if n == 0:
                    self._stamp(gen, turn, "llm_first_token")
                n += 1
                t0 = time.perf_counter()
                asyncio.run_coroutine_threadsafe(out.put(piece), loop).result()
                if yield_to_tts and not llm_go.is_set():
                    _pause(llm_go, cancel)
                held += time.perf_counter() - t0
            self._stamp(gen, turn, "llm_done", tokens=n, finish=reply.finish_reason, held_s=round(held, 4))
            return reply.finish_reason

        self._stamp(gen, turn, "llm_start")
        finish = None
        try:
            finish = await asyncio.to_thread(produce)
        finally:
            await out.put(ReplyEnd(cut_short=finish == "length"))

    async def _recite(self, turn: int, gen: int, answer: Answer, out: asyncio.Queue) -> None:
        """A skill's answer enters the stream the LLM's pieces would: the cutter, TTS, barge-in and
        history treat it as any reply."""
        self._stamp(gen, turn, "skill_answer", skill=answer.skill, text=answer.text)
        if answer.first:
            await out.put(Phrase(answer.first))
        await out.put(answer.text[len(answer.first):].lstrip())
        await out.put(ReplyEnd())

    async def _cut(self, turn: int, gen: int, tokens: asyncio.Queue, out: asyncio.Queue, echo,
                   llm_go: threading.Event, pacer: Pacer) -> None:
        cutter = SentenceCutter(self.cfg.runtime.first_chunk_min_words, self.cfg.runtime.first_chunk_max_words)
        index = pieces = 0
        let_go_until = self.cfg.llm.max_reply_tokens - LET_GO_TOKENS_LEFT  # a piece is about a token

        async def send(chunks: list[str]) -> None:
            nonlocal index
            for text in chunks:
                pacer.queued(len(text))
                await out.put(Sentence(turn, index, text))
                index += 1

        while isinstance(piece := await tokens.get(), (str, Phrase)):
            if gen != self.generation:
                continue  # drain the LLM quietly; it stops at its next token
            phrase = isinstance(piece, Phrase)
            pieces += 1
            if echo:
                echo(piece.text + " " if phrase else piece)
            chunks = cutter.phrase(piece.text) if phrase else cutter.push(piece)
            if chunks and not index:
                llm_go.clear()  # the first chunk: the LLM pauses until its audio exists
            await send(chunks)
            # An LLM slower than speech: the sentence it is writing would not be ready before the
            # audio ahead of it ends, so its head goes now, cut at a phrase.
            if (self.cfg.tts.keep_up and pieces <= let_go_until
                    and pacer.late(len(cutter.pending.strip()), time.perf_counter())):
                await send(cutter.let_go())
        await send(cutter.flush(cut_short=piece.cut_short))
        await out.put(None)

    async def _speak(self, turn: int, gen: int, sentences: asyncio.Queue, sink: Sink,
                     spoken: list[tuple[int, str]], llm_go: threading.Event, pacer: Pacer) -> None:
        """The TTS worker: the first chunk alone (the listener waits for it), then each sentence
        alone or, with the batched model, the sentences waiting in the queue in one call."""
        pause = np.zeros(int(self.cfg.tts.sentence_pause_ms * 24), dtype=np.float32)
        phrase_pause = np.zeros(int(self.cfg.tts.phrase_pause_ms * 24), dtype=np.float32)
        first = True
        batch = self.models.batched.max_batch if self.models.batched is not None else 1

        async def hand_over(s: Sentence, text: str, audio: np.ndarray, synth_s: float, size: int) -> None:
            nonlocal first
            pacer.queued(-len(text))
            after = pause if ends_sentence(text) else phrase_pause  # a chunk cut mid-sentence
            self._stamp(gen, turn, "tts_chunk", synth_s=round(synth_s, 4), audio_s=round(len(audio) / 24000, 4),
                        pause_s=round(len(after) / 24000, 4) if len(audio) else 0.0, batch=size, text=text)
            if gen != self.generation or not len(audio):
                return  # cancelled while synthesising, or nothing speakable (e.g. only an emoji)
            pacer.handed_over(len(text), synth_s, (len(audio) + len(after)) / 24000, time.perf_counter())
            if first:
                self._stamp(gen, turn, "tts_first_audio")
                first = False
            spoken.append((s.index, text))
            await sink.play(AudioChunk(turn, s.index, np.concatenate([audio, after])))

        held: list[Sentence | None] = []  # taken from the queue for a batch it did not fit into
        while (s := held.pop() if held else await sentences.get()) is not None:
            if gen != self.generation:
                continue
            if self.models.tts is None:  # chat --mute: the words were printed; nothing to synthesise
                spoken.append((s.index, s.text))
                llm_go.set()  # nor anything for the LLM to wait for
                continue
            if first:
                self._stamp(gen, turn, "first_sentence_ready", text=s.text)
            # A batch's audio is ready only when all of it is: it takes the sentences waiting while
            # they fit into the time the audio ahead of them plays (keep_up), so none is late.
            group, room = [s], pacer.budget_chars(time.perf_counter()) if self.cfg.tts.keep_up else None
            while not first and len(group) < batch and not sentences.empty():
                more = sentences.get_nowait()
                if more is None or (room is not None and sum(len(g.text) for g in group) + len(more.text) > room):
                    held.append(more)
                    break
                group.append(more)
            if len(group) > 1:
                t0 = time.perf_counter()
                audios = await asyncio.to_thread(self._synthesize_batch, [g.text for g in group])
                synth_s = time.perf_counter() - t0
                for g, audio in zip(group, audios):  # a barge-in meanwhile drops all of them
                    await hand_over(g, g.text, audio, synth_s / len(group), len(group))
                continue
            rest = s.text
            while rest and gen == self.generation:
                # A sentence that would not be ready before the audio ahead of it has played goes in
                # two parts, cut where a phrase ends: a phrase pause instead of a silence.
                room = pacer.budget_chars(time.perf_counter())
                text, rest = split_to_fit(rest, room) if room is not None and self.cfg.tts.keep_up else (rest, "")
                if self.cfg.runtime.llm_waits_for_late_audio and room is not None and len(text) > room:
                    llm_go.clear()  # playback will wait for this one: the LLM gives it the cores
                t0 = time.perf_counter()
                audio = await asyncio.to_thread(self._synthesize, text)
                llm_go.set()
                await hand_over(s, text, audio, time.perf_counter() - t0, 1)

    def _synthesize(self, text: str) -> np.ndarray:
        from g2p import G2PError
        from tts import TTSError

        try:
            chunks = list(self.models.tts.stream(text, self.cfg.tts.voice, self.cfg.tts.speed))
        except (TTSError, G2PError):
            return np.zeros(0, np.float32)
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)

    def _synthesize_batch(self, texts: list[str]) -> list[np.ndarray]:
        """Several sentences through one batched call (each text's phoneme pieces are items)."""
        from g2p import G2PError
        from tts import TTSError
        from tts.kokoro import trim_silence

        pieces: list[list[str]] = []
        for text in texts:
            try:
                pieces.append(self.models.tts.pieces(text))
            except (TTSError, G2PError):
                pieces.append([])
        flat = [p for ps in pieces for p in ps]
        try:
            audio = iter(self.models.batched.synthesize_batch(flat, self.cfg.tts.voice, self.cfg.tts.speed))
        except TTSError:
            return [self._synthesize(t) for t in texts]
        out = []
        for ps in pieces:
            parts = [trim_silence(next(audio)) for _ in ps]
            out.append(np.concatenate(parts) if parts else np.zeros(0, np.float32))
        return out


# ---- sinks --------------------------------------------------------------------------------
class _NoDevice:
    """A sink without a device: nothing to wait for or stop, and all that was handed over counts as heard."""

    async def end_turn(self, turn: int) -> None:
        pass

    def stop(self) -> None:
        pass

    def played(self, turn: int) -> None:
        return None


class WavSink(_NoDevice):
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

    def audio(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.float32)


class SpeakerSink:
    """Live mode: chunks go to the Player's queue at once; end_turn waits until they were heard."""

    def __init__(self, events: EventLog, device: str = "", echo=None) -> None:
        from assistant.audio import Player

        self.events = events
        self._played: dict[int, set[int]] = {}
        self.player = Player(24000, device, on_start=self._started,
                             on_block=echo.reference if echo is not None else None)

    def _started(self, tag: tuple[int, int]) -> None:
        turn, index = tag  # runs on PortAudio's thread: only record
        if turn not in self._played:
            self._played[turn] = set()
            self.events.stamp(turn, "playback_start", time.perf_counter_ns())
        self._played[turn].add(index)

    async def play(self, chunk: AudioChunk) -> None:
        self.player.play(chunk.audio, (chunk.turn, chunk.index))

    async def end_turn(self, turn: int) -> None:
        await asyncio.to_thread(self.player.drain)

    def stop(self) -> None:
        self.player.stop()

    def played(self, turn: int) -> set[int]:
        return set(self._played.get(turn, ()))

    def close(self) -> None:
        self.player.close()


class HeldSink:
    """A speculative reply's sink: audio waits here until the end of speech is confirmed.

    The reply is prepared during the VAD hangover; `release()` passes what is held, and all
    that follows, to the real sink. A speculation that is dropped never reaches it.
    """

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._held: list[AudioChunk] = []
        self._released = asyncio.Event()
        self._dropped = False

    async def play(self, chunk: AudioChunk) -> None:
        if self._dropped:
            return
        if self._released.is_set():
            await self.sink.play(chunk)
        else:
            self._held.append(chunk)

    async def release(self) -> None:
        while self._held:
            await self.sink.play(self._held.pop(0))
        self._released.set()

    async def end_turn(self, turn: int) -> None:
        await self._released.wait()
        if not self._dropped:
            await self.sink.end_turn(turn)

    async def confirmed(self) -> bool:
        """Wait for the endpoint's verdict: True when released, False when dropped."""
        await self._released.wait()
        return not self._dropped

    def stop(self) -> None:
        """Before release: the speculation is dropped (and a reply waiting in end_turn lets go).
        After: a barge-in, passed on."""
        if self._released.is_set() and not self._dropped:
            self.sink.stop()
            return
        self._dropped = True
        self._held.clear()
        self._released.set()

    def played(self, turn: int) -> set[int] | None:
        return set() if self._dropped else self.sink.played(turn)


class NullSink(_NoDevice):
    """Typed chat with --mute: nothing is spoken."""

    async def play(self, chunk: AudioChunk) -> None:
        pass
