"""Whisper in a window fitted to the utterance: same words as Whisper's 30 s path, said once."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import edit_distance, words

SENTENCES = ["What is the capital of France?", "Set a timer for ten minutes please.",
             "Stop. What is two plus two?", "Tell me a long story about a brave little dragon."]


@pytest.fixture(scope="module")
def spoken(engine):
    from assistant.audio import resample

    return [(t, resample(engine.synthesize(t, "am_michael"), 24000, 16000).astype(np.float32)) for t in SENTENCES]


def test_fitted_window_hears_what_the_full_window_hears(transcriber, store, cfg, spoken):
    from assistant.asr import Transcriber

    full = Transcriber(store.dir(cfg.models.asr), dataclasses.replace(cfg.asr, fit_window=False))
    for text, audio in spoken:
        fitted = transcriber._transcribe_fitted(audio)
        ref = words(text.replace("two", "2").replace("ten", "10"))
        print(f"{text!r}: fitted {fitted!r}, full {full.transcribe(audio)!r}")
        assert edit_distance(ref, words(fitted)) <= 1, fitted
        assert edit_distance(words(full.transcribe(audio)), words(fitted)) <= 1


@pytest.mark.parametrize("lead_s", [0.0, 1.2, 3.0, 8.0])
def test_speech_after_silence_is_transcribed_once(transcriber, spoken, lead_s):
    _, audio = spoken[2]
    rng = np.random.default_rng(0)
    clip = np.concatenate([rng.normal(0, 0.003, int(lead_s * 16000)).astype(np.float32), audio,
                           np.zeros(8000, np.float32)])
    got = words(transcriber.transcribe(clip))
    assert got.count("plus") == 1 and got.count("stop") == 1, got


def test_silence_is_nothing(transcriber):
    assert transcriber.transcribe(np.zeros(16000 * 2, np.float32)) == ""
