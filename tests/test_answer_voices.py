"""The benches' other speaker engine, espeak-ng: an utterance sounds the same in every run."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from answer_voices import Espeak  # noqa: E402  (scripts/, put on the path above)


def test_espeak_says_an_utterance_alike_whatever_was_said_before(tmp_path):
    espeak = Espeak()
    if not espeak._library:
        pytest.skip("needs espeakng-loader's library (the test extra); the espeak-ng program seeds its noise")
    first, rate = espeak.speak("en+f3", "What time is it?", tmp_path / "a.wav")
    espeak.speak("en-us+m3", "Something else, said in between.", tmp_path / "b.wav")
    again, _ = espeak.speak("en+f3", "What time is it?", tmp_path / "c.wav")
    assert len(first) > 0.5 * rate and np.sqrt(np.mean(first ** 2)) > 0.01   # words, not silence
    assert np.array_equal(first, again)   # in one process, before: other noise, and a few samples more or less


def test_espeak_names_a_voice_it_does_not_have(tmp_path):
    espeak = Espeak()
    if not espeak.available:
        pytest.skip("no espeak-ng")
    with pytest.raises(ValueError, match="nosuchvoice"):
        espeak.speak("nosuchvoice", "Hello.", tmp_path / "a.wav")
