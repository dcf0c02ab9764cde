"""Quality guard for faster Kokoro variants: a TTS -> Whisper round trip over 30 varied sentences.

A variant may replace the shipped int8 model only if listeners would understand it as well:
its word error rate through faster-whisper tiny.en stays within 1 point of the shipped model's,
and its audio stays close to the shipped model's in log-mel distance (time-aligned).
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import edit_distance, words
from test_batched import SHIPPED, VOCAB, VOICES, _have
from tts.batched.metrics import logmel_distance_dtw

SENTENCES = [
    "The meeting has been moved to Thursday afternoon.",
    "Please remind me to water the plants tomorrow morning.",
    "The train to the city leaves from platform four.",
    "It will be cloudy with a chance of light rain.",
    "Your package was delivered to the front door.",
    "I found three restaurants near you that are open now.",
    "Turn left at the next corner and continue straight ahead.",
    "The library closes early on Sundays.",
    "Would you like me to play some relaxing music?",
    "Bananas are a good source of potassium.",
    "The capital of Australia is Canberra, not Sydney.",
    "Your alarm is set for seven in the morning.",
    "Mix the flour and the sugar before adding the eggs.",
    "The museum has a new exhibit about ancient Egypt.",
    "Sorry, I did not catch that. Could you say it again?",
    "The battery is almost empty, so plug in the charger.",
    "Elephants can remember the paths to distant water holes.",
    "The shop on the corner sells fresh bread every day.",
    "Dinner is ready when the timer goes off.",
    "A light breeze is coming from the north tonight.",
    "Remember to bring an umbrella to the concert.",
    "The quick brown fox jumps over the lazy dog.",
    "My favorite season is autumn because of the colors.",
    "The doctor can see you next Tuesday at noon.",
    "Honey never spoils if you keep it sealed.",
    "Traffic is heavy on the bridge this evening.",
    "The garden needs more sunlight to grow tomatoes.",
    "I have added milk and cheese to your shopping list.",
    "Mountains in the west are covered with snow.",
    "Thank you, that will be all for today.",
]


@pytest.fixture(scope="session")
def fast_model(tmp_path_factory):
    """The store's kokoro-fast, else one rewritten from the shipped model for this session (needs onnx)."""
    from models.store import default_store

    store = default_store(auto_fetch=False)
    if store.status("kokoro-fast") == "cached":
        return store.path("kokoro-fast")
    if not (SHIPPED.is_file() and _have("onnx")):
        pytest.skip("kokoro-fast is not built and the shipped model or onnx is missing: pip install -e .")
    from tts.fast_model import build

    return build(tmp_path_factory.mktemp("kokoro-fast"), SHIPPED, VOICES, VOCAB.parent)


@pytest.mark.slow
def test_fast_model_is_understood_as_well_as_the_shipped_model(fast_model, engine, transcriber, store, cfg):
    import g2p
    from assistant.audio import resample
    from tts import KokoroEngine

    fast = KokoroEngine(fast_model, store.path(cfg.models.vocab), store.dir(cfg.models.voices))
    errors = {"shipped": 0, "fast": 0}
    distances, n = [], 0
    for text in SENTENCES:
        ph = g2p.phonemize(text)
        audio = {"shipped": engine.synth_phonemes(ph, "af_heart"), "fast": fast.synth_phonemes(ph, "af_heart")}
        ref = words(text)
        n += len(ref)
        for k, a in audio.items():
            errors[k] += edit_distance(ref, words(transcriber.transcribe(resample(a, 24000, 16000))))
        distances.append(logmel_distance_dtw(audio["shipped"], audio["fast"]))
    wer = {k: e / n for k, e in errors.items()}
    print(f"round-trip WER shipped {wer['shipped']:.3f}, fast {wer['fast']:.3f}; "
          f"log-mel distance median {np.median(distances):.2f} dB, max {np.max(distances):.2f} dB")
    assert wer["shipped"] < 0.10, "the guard itself must work: the shipped model is understood"
    assert wer["fast"] <= wer["shipped"] + 0.01
    assert np.median(distances) < 3.0
