"""Where a Kokoro graph spends its time on this CPU: onnxruntime's kernel time by op type.

    python scripts/profile_tts_ops.py                       # the shipped model and the fast one
    python scripts/profile_tts_ops.py --model other.onnx    # any Kokoro-shaped graph

The six sentences of bench_tts, `--rounds` times, through tts.KokoroEngine (2 threads), with
onnxruntime's profiler on; prints each op type's share of the summed kernel time. Kernel time is
not wall time (threads overlap, the engine's own work is outside), so compare graphs by share and
by total on one machine, in one run.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_tts import SENTENCES  # noqa: E402  (scripts/ is this file's folder)


def kernel_times(model: Path, vocab: Path, voices: Path, rounds: int) -> tuple[collections.Counter, collections.Counter]:
    import tts.kokoro as kokoro

    plain = kokoro.session_options
    prefix = str(Path(tempfile.mkdtemp()) / "kokoro")

    def profiled(threads: int):
        opts = plain(threads)
        opts.enable_profiling = True
        opts.profile_file_prefix = prefix
        return opts

    kokoro.session_options = profiled
    try:
        engine = kokoro.KokoroEngine(model, vocab, voices)
    finally:
        kokoro.session_options = plain
    for _ in range(rounds):
        for text in SENTENCES:
            engine.synthesize(text)
    events = json.loads(Path(engine.session.end_profiling()).read_text())
    time, calls = collections.Counter(), collections.Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            op = e["args"].get("op_name", "?")
            time[op] += e["dur"]
            calls[op] += 1
    return time, calls


def main() -> int:
    from assistant.config import load
    from models.store import default_store

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, action="append", help="a Kokoro ONNX file (repeat for more)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    cfg, store = load(), default_store()
    models = args.model or [store.path(cfg.models.tts), store.path(cfg.models.tts_fast)]
    for model in models:
        if not Path(model).exists():
            print(f"profile: {model} is missing (assistant models fetch / models build)", file=sys.stderr)
            return 2
        time, calls = kernel_times(Path(model), store.path(cfg.models.vocab), store.dir(cfg.models.voices), args.rounds)
        total = sum(time.values())
        print(f"{Path(model).name}: kernel time {total / 1e6:.2f} s")
        for op, us in time.most_common(args.top):
            print(f"  {op:<24} {us / 1e6:7.2f} s {100 * us / total:5.1f} %  {calls[op]:>6} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
