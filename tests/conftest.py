"""Shared fixtures. End-to-end tests use the real models from the model store (setup fetches them)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `assistant ARGS` as a user would, in a fresh process."""
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def store():
    from models.store import default_store

    return default_store()


@pytest.fixture(scope="session")
def cfg():
    from assistant.config import load

    return load()


@pytest.fixture(scope="session")
def engine(store, cfg):
    from tts import KokoroEngine

    return KokoroEngine(store.path(cfg.models.tts), store.path(cfg.models.vocab), store.dir(cfg.models.voices))


@pytest.fixture(scope="session")
def transcriber(store, cfg):
    from assistant.asr import Transcriber

    return Transcriber(store.dir(cfg.models.asr), cfg.asr)


def words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z']+", text.lower())


def edit_distance(ref, hyp) -> int:
    """Levenshtein distance between two sequences (characters of phonemes, or words)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]
