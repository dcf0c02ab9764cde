"""The ways people use the assistant: voice from a WAV file or the microphone, typed chat, say,
transcribe, and the latency profile.

Each mode builds its sources and sinks within the memory budget, then hands turns to the Pipeline.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from assistant import profile as prof
from assistant.audio import ASR_RATE, input_rate, read_wav, write_wav
from assistant.budget import MemoryBudget, PeakSampler
from assistant.config import Config, fallback_llm, load, override
from assistant.errors import AudioError, InputError
from assistant.events import EventLog
from assistant.llm import ChatModel
from assistant.pipeline import NullSink, Pipeline, SpeakerSink, WavSink, load_models
from models.errors import ModelError
from models.store import ModelStore
from assistant.vad import split_utterances
from assistant.voice_loop import VoiceLoop, mic_frames, paced_file_frames


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _budget(cfg: Config) -> MemoryBudget:
    return MemoryBudget(cfg.runtime.memory_budget_mb)


# ---- run: voice in, voice out -------------------------------------------------------------
def run_file(cfg: Config, store: ModelStore, events: EventLog, in_path: Path, out_path: Path,
             budget: MemoryBudget | None = None) -> list[dict]:
    """Each utterance in `in_path` is answered; the replies go, in order, to `out_path`.

    Timers set here never fire: the file is answered as fast as the models go, with no idle time
    in which an alert could be spoken (only the voice loop of `run_live` speaks them).
    """
    audio = read_wav(in_path, ASR_RATE)
    wake = _wake_word(cfg)
    if wake is None:
        utterances = split_utterances(audio, cfg.vad)
    else:
        from assistant.wake import addressed_utterances

        utterances = addressed_utterances(audio, cfg.vad, wake, cfg.audio.wake_window_s)
        _say(f"{len(utterances)} question(s) after the wake word {cfg.audio.wake_word}")
    if not utterances:
        raise InputError(f"no speech found in {in_path}" if wake is None else
                         f"no wake word ({cfg.audio.wake_word}) followed by a question in {in_path}",
                         "check that the file holds spoken words")
    models = load_models(cfg, store, events, budget or _budget(cfg), say=_say)
    pipeline = Pipeline(models, events)
    sink = WavSink(events, cfg.audio.reply_gap_ms)

    turns = asyncio.run(answer_utterances(pipeline, sink, events, utterances))
    write_wav(out_path, sink.audio(), sink.rate)
    return turns


async def answer_utterances(pipeline: Pipeline, sink, events: EventLog, utterances, first_turn: int = 1,
                            say=_say) -> list[dict]:
    """File mode's turns: each utterance heard and answered in order (the answer benchmark runs
    its questions through this too, so it measures what `run --input` does)."""
    turns = []
    for turn, utt in enumerate(utterances, start=first_turn):
        # The whole file is already here, so the endpoint is "found" when we reach it.
        events.stamp(turn, "speech_end")
        events.stamp(turn, "endpoint")
        heard = await pipeline.hear(turn, utt.audio)
        say(f"you: {heard}")
        if not heard:
            continue
        reply = await pipeline.respond(turn, heard, sink)
        say(f"assistant: {reply}")
        turns.append({"turn": turn, "user": heard, "reply": reply})
    return turns


def _wake_word(cfg: Config):
    """The wake-word detector the config asks for (None: every utterance is a question)."""
    if not cfg.audio.wake_word:
        return None
    from assistant.wake import WakeWord

    return WakeWord(cfg.audio.wake_word, cfg.audio.wake_threshold)


def echo_and_gate(cfg: Config, store: ModelStore):
    """The echo canceller and gate that keep the assistant from answering its own voice."""
    if cfg.audio.echo_cancel == "off":
        return None, None
    from assistant.echo import EchoCanceller, pick_backend

    backend = pick_backend(cfg.audio.echo_cancel)
    model_dir = None
    if backend == "dtln":
        try:
            model_dir = store.dir(cfg.models.echo)
        except ModelError as e:
            if cfg.audio.echo_cancel != "auto":
                raise
            _say(f"echo cancelling with nlms: the dtln model is missing ({e.args[0]})")
            backend = "nlms"
    frame_len = ASR_RATE * cfg.vad.frame_ms // 1000
    echo = EchoCanceller(ASR_RATE, frame_len, backend=backend, dtln_dir=model_dir)
    return echo, echo.speech_gate(cfg.audio.gate_threshold_db)


def run_live(cfg: Config, store: ModelStore, events: EventLog, ptt_mode: str | None = None,
             budget: MemoryBudget | None = None) -> None:
    """Hands-free (or push-to-talk): listen, answer out loud, listen again; speak over it to interrupt.
    Timers that end while it is idle are announced after a chime (VoiceLoop)."""
    input_rate(cfg.audio.input_device)  # no devices: say so before seconds of model loading
    wake = _wake_word(cfg)  # a missing package: say so before the models load too
    budget = budget or _budget(cfg)
    echo, gate = budget.measure("echo canceller", lambda: echo_and_gate(cfg, store))  # DTLN-aec 512q and nlms: ~28 MB
    sink = SpeakerSink(events, cfg.audio.output_device, echo)
    models = load_models(cfg, store, events, budget, say=_say)

    async def main(ptt=None) -> None:
        pipeline = Pipeline(models, events)
        loop = VoiceLoop(pipeline, sink, events, cfg.vad, cfg.audio, ptt=ptt, timers=pipeline.skills, wake=wake)
        if wake is not None:
            prompt = f"listening for the wake word {wake.name.replace('_', ' ')}… (Ctrl+C to quit)"
        elif ptt is None:
            prompt = "listening… speak any time (Ctrl+C to quit)"
        else:
            prompt = f"push-to-talk ({ptt.mode}): {'press Space or Enter, press again to stop' if ptt.mode == 'toggle' else 'hold Space or Enter while you speak'} (Ctrl+C to quit)"
        await loop.run(mic_frames(cfg.vad, cfg.audio, echo, gate), ready=lambda: _say(prompt))

    try:
        if ptt_mode is None:
            asyncio.run(main())
        else:
            from assistant.ptt import PushToTalk, PushToTalkError

            try:
                with PushToTalk(ptt_mode) as ptt:
                    asyncio.run(main(ptt))
            except PushToTalkError as e:
                raise InputError(str(e), "run it in a terminal, or use hands-free `assistant run`") from None
    finally:
        sink.close()


# ---- profile: where every millisecond of a turn went ----------------------------------------
def profile(cfg: Config, store: ModelStore, inputs: list[Path] | None, turns: int | None,
            json_out: Path | None, chart_out: Path | None, standin: str | None = None) -> dict:
    """Each turn's latency. With `standin` (a model-store name, assistant.llm_standin) the LLM is a
    latency simulation: the default LLM first answers the same turns, then the stand-in replays
    those answers at its own cost."""
    for p in inputs or []:
        if not p.is_file():
            raise InputError(f"input file {p} does not exist", "give WAV files, one spoken turn each")
    chat_model = ChatModel
    if standin:
        if not inputs:
            raise InputError("--llm-standin replays the answers of a first pass over the same turns",
                             "give the turns as --input WAV files")
        import multiprocessing
        from functools import partial

        from assistant.llm_standin import LABEL, ReplayChat

        real = override(cfg, "models.llm", fallback_llm(load()))  # the embedded default, not the profile's model
        print(f"{LABEL}: first, {real.models.llm} answers the turns")
        # in a process of its own: what it loaded must not stay in this one's RSS, the budget's base
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            answers = pool.apply(_answers, (real, store.root, inputs))
        store.fetch(standin)  # built on first use (~4 min): random weights, so nothing to download
        cfg = override(cfg, "models.llm", standin)
        chat_model = partial(ReplayChat, answers=answers)
    events = EventLog()
    budget = _budget(cfg)
    with PeakSampler() as peak:
        models = load_models(cfg, store, events, budget, chat_model=chat_model, say=_say)
        echo, gate = (budget.measure("echo canceller", lambda: echo_and_gate(cfg, store)) if not inputs
                      else (None, None))  # files carry no echo
        try:
            sink = SpeakerSink(events, cfg.audio.output_device, echo)
        except AudioError:
            if not inputs:
                raise
            sink = WavSink(events, 0)  # no speaker: time the hand-over to the output writer instead
        loop = VoiceLoop(Pipeline(models, events), sink, events, cfg.vad, cfg.audio)
        frames = (paced_file_frames(inputs, cfg.vad, lambda: loop.busy) if inputs
                  else mic_frames(cfg.vad, cfg.audio, echo, gate))
        try:
            asyncio.run(loop.run(frames, max_turns=turns))
        finally:
            if isinstance(sink, SpeakerSink):
                sink.close()
    rows = [prof.turn_metrics(events, t) for t in range(1, loop.turns + 1)]
    report = prof.summary(rows, peak.peak_mb, budget.report(), prof.tts_batch(events), prof.llm_choice(events))
    if standin:
        report["simulation"] = f"{LABEL} ({standin}); words from the first pass"
        report["replayed"] = models.llm.replayed
        print(f"=== {LABEL}: LLM times are the stand-in's, not a real model's ===")
    print(prof.table(report))
    if json_out:
        prof.write_json(json_out, report)
    if chart_out:
        prof.chart(chart_out, events, [r["turn"] for r in rows])
    return report


def _answers(cfg: Config, store_root: Path, inputs: list[Path]) -> dict[str, str]:
    """What the default LLM answers to each turn of `inputs` (file mode's path, no speech out),
    under `cfg`'s prompt settings: the words a stand-in replays."""
    events = EventLog()
    models = load_models(cfg, ModelStore(store_root), events, _budget(cfg), tts=False)
    pipeline = Pipeline(models, events)
    utterances = [u for p in inputs for u in split_utterances(read_wav(p, ASR_RATE), cfg.vad)]
    turns = asyncio.run(answer_utterances(pipeline, NullSink(), events, utterances, say=lambda m: None))
    models.llm.idle()
    return {t["user"]: t["reply"] for t in turns}


# ---- chat: typed in, printed (and spoken) out ----------------------------------------------
def chat(cfg: Config, store: ModelStore, events: EventLog, mute: bool) -> None:
    models = load_models(cfg, store, events, _budget(cfg), asr=False, tts=not mute, say=_say)
    pipeline = Pipeline(models, events)
    sink = NullSink() if mute else SpeakerSink(events, cfg.audio.output_device)

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
        if isinstance(sink, SpeakerSink):
            sink.close()


# ---- say / transcribe -----------------------------------------------------------------------
def say(cfg: Config, store: ModelStore, text: str, out: Path | None) -> float:
    """Speak `text` into `out`, or out loud when there is no `out`. Returns the audio length in s."""
    from tts import SAMPLE_RATE, TTSError

    if not text.strip():
        raise InputError("nothing to say: the text is empty", 'give some words, e.g. assistant say "Hello"')
    models = load_models(cfg, store, EventLog(), _budget(cfg), asr=False, llm=False)
    try:
        audio = models.tts.synthesize(text, cfg.tts.voice, cfg.tts.speed,
                                      pause_s=cfg.tts.sentence_pause_ms / 1000, progress=True)
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
    models = load_models(cfg, store, EventLog(), _budget(cfg), llm=False, tts=False)
    from assistant.asr import joined

    segments = models.asr.segments(audio)
    text = joined(segments)
    if as_json:
        return json.dumps({"text": text, "duration_s": round(len(audio) / ASR_RATE, 3),
                           "segments": [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text}
                                        for s in segments]}, ensure_ascii=False)
    return text
