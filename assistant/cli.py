"""`assistant` command line. Errors users can meet print one line and a hint, never a traceback."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from assistant import config as config_mod
from assistant.errors import AssistantError, InputError


# --llm-standin NAME: the config profile it runs under (configs/NAME.toml) -> the stand-in's artifact
STANDINS = {"llama-3.2-1b": "llama-3.2-1b-standin"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="A private, on-device voice assistant.")
    p.add_argument("--config", metavar="TOML", help="config file or profile name (default: configs/default.toml)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def voice_flags(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--voice", help="voice name or blend, e.g. af_heart or af_heart:0.7,bf_emma:0.3")
        sp.add_argument("--speed", type=float, help="speaking rate, 0.5 to 2.0")
        sp.add_argument("--memory-budget", type=int, metavar="MB", help="memory budget for everything loaded")

    sp = sub.add_parser("run", help="voice conversation (microphone, or --input WAV)")
    sp.add_argument("--input", type=Path, metavar="IN.wav", help="answer each utterance in this file")
    sp.add_argument("--output", type=Path, metavar="OUT.wav", help="write the spoken replies here")
    sp.add_argument("--input-device", help="microphone name or index")
    sp.add_argument("--output-device", help="speaker name or index")
    sp.add_argument("--profile", action="store_true", help="print where each turn's time went at the end")
    sp.add_argument("--ptt", nargs="?", const="toggle", choices=["toggle", "hold"],
                    help="push-to-talk with Space or Enter (toggle: press to start and to stop; hold)")
    sp.add_argument("--wake", metavar="NAME", choices=config_mod.WAKE_WORDS,
                    help="answer only what follows this wake word: " + ", ".join(config_mod.WAKE_WORDS))
    voice_flags(sp)

    sp = sub.add_parser("profile", help="measure each turn's latency (spoken WAVs or live turns)")
    sp.add_argument("--input", type=Path, nargs="+", metavar="WAV", help="spoken turns, fed at real-time pace")
    sp.add_argument("--turns", type=int, metavar="N", help="stop after N turns")
    sp.add_argument("--json", type=Path, metavar="OUT.json", help="write the per-turn numbers here")
    sp.add_argument("--chart", type=Path, metavar="OUT.png", help="draw the timeline here")
    sp.add_argument("--llm-standin", choices=sorted(STANDINS),
                    help="latency simulation: the LLM's cost is this model's (random weights, its shapes), "
                         "the words are SmolLM2's answers to the same turns; needs --input")
    sp.add_argument("--input-device", help="microphone name or index")
    sp.add_argument("--output-device", help="speaker name or index")
    voice_flags(sp)

    sp = sub.add_parser("chat", help="typed conversation; replies printed and spoken")
    sp.add_argument("--mute", action="store_true", help="print replies without speaking them")
    sp.add_argument("--output-device", help="speaker name or index")
    voice_flags(sp)

    sp = sub.add_parser("say", help="speak TEXT (to a WAV file with -o)")
    sp.add_argument("text", metavar="TEXT")
    sp.add_argument("-o", "--output", type=Path, metavar="OUT.wav")
    sp.add_argument("--output-device", help="speaker name or index")
    voice_flags(sp)

    sp = sub.add_parser("transcribe", help="print the words spoken in a WAV file")
    sp.add_argument("input", type=Path, metavar="IN.wav")
    sp.add_argument("--json", action="store_true", help="print JSON with segments and times")

    sp = sub.add_parser("models", help="fetch, list or verify model files")
    sp.add_argument("action", choices=["fetch", "list", "verify", "build"])
    sp.add_argument("names", nargs="*", metavar="NAME",
                    help="models to act on (default: those the config uses; `list` shows all)")
    sp.add_argument("--all", action="store_true", help="every model in the manifest, optional ones too")

    sub.add_parser("doctor", help="check Python, packages, audio devices, models, CPU and memory")

    sp = sub.add_parser("bench", help="run a benchmark from scripts/ (g2p, tts, batch, …), side by side in one run")
    sp.add_argument("name", help="which benchmark: scripts/bench_NAME.py")
    sp.add_argument("rest", nargs=argparse.REMAINDER, help="its own arguments")
    return p


def _config(args: argparse.Namespace) -> config_mod.Config:
    # a stand-in runs under its model's profile (context, reply cap, budget) unless told otherwise
    cfg = config_mod.load(args.config or getattr(args, "llm_standin", None))
    flags = {"voice": "tts.voice", "speed": "tts.speed", "input_device": "audio.input_device",
             "output_device": "audio.output_device", "memory_budget": "runtime.memory_budget_mb",
             "wake": "audio.wake_word"}
    for flag, key in flags.items():
        value = getattr(args, flag, None)
        if value is not None:
            cfg = config_mod.override(cfg, key, value)
    return cfg


def _used_models(cfg: config_mod.Config, store) -> list[str]:
    """What this config speaks with: what it requires, and the fast TTS model once it is built."""
    speaks = config_mod.tts_model(cfg, store.status(cfg.models.tts_fast) == "cached")
    return list(dict.fromkeys([*config_mod.required_models(cfg), speaks]))


def _models(args: argparse.Namespace, store) -> int:
    cfg = config_mod.load(args.config)
    built = [n for n, a in store.artifacts.items() if any(s["kind"] == "build" for s in a.sources)]
    everything = [n for n in store.artifacts if args.action == "list" or n not in built]
    # fetch and verify default to what the config cannot run without (built models are made, not fetched)
    names = args.names or (everything if args.all or args.action == "list" else config_mod.required_models(cfg))
    for n in names:
        store.artifact(n)  # unknown names fail before any work
    if args.action == "build":
        for n in args.names or built:
            t0 = time.perf_counter()
            store.fetch(n)
            print(f"{n}: ok in {store.dir(n)} ({time.perf_counter() - t0:.0f} s)")
        return 0
    if args.action == "list":
        used = _used_models(cfg, store)
        for n in names:
            a = store.artifact(n)
            size = sum(p.stat().st_size if (p := store.root / n / f.name).exists() else f.size
                       for f in a.files) / 1e6  # a built model has no size until it is built
            tag = "" if n in used else "  (not used by this config)"
            print(f"{n:30s} {store.status(n):8s} {size:8.1f} MB  {a.description}{tag}")
        print(f"cache: {store.root}")
        return 0
    if args.action == "fetch":
        t0 = time.perf_counter()
        for n in names:
            store.fetch(n)
            print(f"{n}: ok")
        print(f"all models ready in {store.root} ({time.perf_counter() - t0:.1f} s)")
        return 0
    bad = 0
    for n in names:
        for file, state in store.verify(n):
            print(f"{n}/{file}: {state}")
            bad += state != "ok"
    if bad:
        raise AssistantError(f"{bad} model file(s) missing or corrupt",
                             "run `assistant models fetch` to download them again")
    return 0


def dispatch(args: argparse.Namespace) -> int:
    from assistant import modes
    from assistant.events import EventLog
    from models.store import default_store

    store = default_store()
    if args.command == "models":
        return _models(args, store)
    if args.command == "bench":
        return _bench(args.name, args.rest)
    if args.command == "doctor":
        from assistant.doctor import doctor

        cfg = config_mod.load(args.config)
        return doctor(store, set(_used_models(cfg, store)), config_mod.fallback_llm(cfg), cfg.audio.echo_cancel)
    cfg = _config(args)
    if args.command == "say":
        seconds = modes.say(cfg, store, args.text, args.output)
        if args.output:
            print(f"wrote {args.output} ({seconds:.2f} s of audio)")
        return 0
    if args.command == "transcribe":
        print(modes.transcribe(cfg, store, args.input, args.json))
        return 0
    if args.command == "chat":
        modes.chat(cfg, store, EventLog(), args.mute)
        return 0
    if args.command == "profile":
        if args.turns is not None and args.turns < 1:
            raise InputError("--turns must be 1 or more")
        modes.profile(cfg, store, args.input, args.turns, args.json, args.chart,
                      STANDINS.get(args.llm_standin))
        return 0
    if args.command == "run":
        if args.input and not args.output:
            raise InputError("--input needs --output OUT.wav for the replies")
        if args.input and args.ptt:
            raise InputError("--ptt is for the microphone; it cannot be used with --input")
        if args.ptt and cfg.audio.wake_word:
            raise InputError("--ptt and a wake word both say when you talk to it: choose one")
        if args.output and not args.input:
            raise InputError("--output needs --input IN.wav (live replies go to the speaker)")
        from assistant.budget import MemoryBudget, PeakSampler

        events, budget = EventLog(), MemoryBudget(cfg.runtime.memory_budget_mb)
        with PeakSampler() as peak:
            try:
                if args.input:
                    if not args.input.is_file():
                        raise InputError(f"input file {args.input} does not exist", "give the path of a WAV file")
                    modes.run_file(cfg, store, events, args.input, args.output, budget)
                    print(f"wrote {args.output}")
                else:
                    modes.run_live(cfg, store, events, args.ptt, budget)
            finally:
                if args.profile:
                    _print_profile(events, peak.peak_mb, budget)
        return 0
    raise AssertionError(args.command)


def _bench(name: str, rest: list[str]) -> int:
    import runpy

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    script = scripts / f"bench_{name}.py"
    if not script.is_file():
        known = sorted(p.stem[len("bench_"):] for p in scripts.glob("bench_*.py"))
        raise InputError(f"no benchmark named {name!r}",
                         f"known: {', '.join(known) or 'none (benchmarks live in the source checkout)'}")
    sys.argv = [str(script), *rest]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as e:
        return int(e.code or 0) if not isinstance(e.code, str) else 1
    return 0


def _print_profile(events, peak_mb: float, budget) -> None:
    from assistant import profile

    turns = sorted({e.turn for e in events.events if e.turn > 0})
    rows = [profile.turn_metrics(events, t) for t in turns]
    print(profile.table(profile.summary(rows, peak_mb, budget.report(), profile.tts_batch(events),
                                              profile.llm_choice(events))), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from g2p import G2PError
    from models.errors import UserError
    from tts import TTSError

    try:
        return dispatch(args)
    except UserError as e:  # ours and the model store's
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        return e.exit_code
    except (TTSError, G2PError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
