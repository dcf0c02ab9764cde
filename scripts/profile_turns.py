#!/usr/bin/env python3
"""The six spoken turns the latency profiles in docs/benchmarks.md use (four facts, two chit-chat,
in three Kokoro voices), written as WAVs for `assistant profile --input`:

    python scripts/profile_turns.py OUT_DIR        # prints the paths, in order
    assistant profile --llm-standin llama-3.2-1b --input $(python scripts/profile_turns.py /tmp/turns)

Spoken once into OUT_DIR (named by voice and text), then reused.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TURNS = [
    ("af_heart", "What is the capital of France?"),
    ("am_michael", "Why is the sky blue?"),
    ("bf_emma", "Who painted the Mona Lisa?"),
    ("af_heart", "Tell me about the moon."),
    ("am_michael", "How many legs does a spider have?"),
    ("bf_emma", "Can you tell me a joke?"),
]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    from assistant.config import load
    from models import default_store
    from scripts.answer_voices import Speakers

    speakers = Speakers.for_bench(load(), default_store(), Path(argv[0]))
    print(" ".join(str(speakers.wav(voice, text)) for voice, text in TURNS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
