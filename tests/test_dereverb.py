"""WPE dereverberation before Whisper (asr.dereverb): it shortens a room's tail and keeps the words."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import edit_distance, words

pytest.importorskip("nara_wpe", reason="asr.dereverb needs nara_wpe (pip install -e '.[dereverb]')")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import rooms  # noqa: E402

QUESTION = "How many legs does a spider have?"


@pytest.fixture(scope="module")
def in_the_hall(engine):
    """The question said 2 m from the mic in the hall (RT60 0.8 s), with a second of silence after."""
    from assistant.audio import resample

    dry = resample(engine.synthesize(QUESTION, "am_michael"), 24000, 16000).astype(np.float32)
    dry = np.concatenate([np.zeros(8000, np.float32), dry, np.zeros(16000, np.float32)])
    h = rooms.impulse_response(rooms.room_named("hall"), 2.0, seed=1)
    wet = np.convolve(dry, h)[: len(dry)].astype(np.float32)
    return dry, wet, int(np.argmax(np.abs(h)))


def test_the_rooms_tail_after_the_last_word_is_quieter(in_the_hall):
    from assistant.dereverb import Dereverberator

    dry, wet, delay = in_the_hall
    out = Dereverberator()(wet)
    assert len(out) == len(wet)
    words_end = rooms.end_of_words(dry) + delay

    def tail_db(y):  # 50-400 ms after the words, against the words themselves
        return 10 * np.log10((y[words_end + 800:words_end + 6400] ** 2).mean() / (y[8000 + delay:words_end] ** 2).mean())

    print(f"tail: reverberant {tail_db(wet):.1f} dB, dereverberated {tail_db(out):.1f} dB")
    assert tail_db(out) < tail_db(wet) - 2.0


def test_whisper_still_hears_the_question_after_dereverberation(in_the_hall, store, cfg):
    from assistant.asr import Transcriber

    _dry, wet, _ = in_the_hall
    heard = Transcriber(store.dir(cfg.models.asr), dataclasses.replace(cfg.asr, dereverb=True)).transcribe(wet)
    print(repr(heard))
    assert edit_distance(words(QUESTION), words(heard)) <= 1, heard
