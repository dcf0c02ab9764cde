"""The Kokoro engine on the real model: audio content, voices, limits."""
import numpy as np
import pytest

from tts import TTSError
from tts.kokoro import MAX_TOKENS, split_phonemes, trim_silence
from tts.voices import parse_blend


def _level(a):
    return float(np.sqrt(np.mean(a ** 2)))


def test_speech_starts_and_ends_promptly(engine):
    a = engine.synth_phonemes("ðə kˈæpɪtᵊl ʌv fɹˈæns ɪz pˈɛɹɪs.", "af_heart")
    head, tail = a[: 24000 // 20], a[-24000 // 20:]
    assert _level(head) > 0.003, "speech within 50 ms of the start"
    assert len(a) / 24000 < 2.4
    assert _level(a) > 0.03 and _level(tail) < _level(a)


def test_trim_keeps_the_speech_and_drops_the_quiet():
    rng = np.random.default_rng(1)
    speech = rng.normal(0, 0.2, 24000).astype(np.float32)
    padded = np.concatenate([np.zeros(12000, np.float32), speech, np.zeros(12000, np.float32)])
    out = trim_silence(padded)
    assert 24000 <= len(out) <= 24000 + 0.12 * 24000
    assert trim_silence(np.zeros(24000, np.float32)).size == 0


def test_blend_is_the_weighted_mix_of_packs(engine):
    a, b = engine.voice("af_heart"), engine.voice("bf_emma")
    mix = engine.voice("af_heart:0.7,bf_emma:0.3")
    assert np.allclose(mix, 0.7 * a + 0.3 * b, atol=1e-6)
    assert parse_blend("x:1,y:3") == [("x", 0.25), ("y", 0.75)]
    with pytest.raises(TTSError):
        parse_blend("af_heart:-1")


def test_unknown_voice_lists_english_voices(engine):
    with pytest.raises(TTSError, match="af_heart"):
        engine.voice("xx_nobody")


def test_long_phoneme_strings_split_at_punctuation_under_the_limit():
    sentence = "ðɪs ɪz ə lˈɔŋ sˈɛntəns, wɪð mˈɛni klˈɔzᵊz; ænd mˈɔɹ. "
    pieces = split_phonemes(sentence * 20)
    assert len(pieces) > 1 and all(len(p) <= MAX_TOKENS for p in pieces)
    assert all(p.rstrip().endswith((".", ",", ";")) for p in pieces[:-1])
    assert "".join(pieces).replace(" ", "") == (sentence * 20).replace(" ", "")


def test_a_long_text_is_spoken_whole(engine):
    text = "This sentence keeps going. " * 6
    chunks = list(engine.stream(text, "af_heart"))
    assert len(chunks) == 6
    total = sum(len(c) for c in chunks) / 24000
    assert 6 < total < 15


@pytest.mark.parametrize("path", ["one by one", "batched model"])
def test_synthesize_batch_gives_one_spoken_array_per_text_in_order(path, monkeypatch):
    import tts

    if path == "one by one":  # what a user without the batched model gets
        monkeypatch.setattr(tts, "_batched_engine", lambda: None)
    elif tts._batched_engine() is None:
        pytest.skip("the batched model is not built (assistant models build kokoro-batched)")
    texts = ["Yes.", "The capital of France is Paris, on the Seine.", "", "Two."]
    out = tts.synthesize_batch(texts, voice="af_heart")
    assert len(out) == 4 and out[2].size == 0
    lengths = [len(a) / 24000 for a in out]
    assert lengths[1] > 2 * max(lengths[0], lengths[3]), lengths  # order kept: the long one is second
    assert all(np.sqrt(np.mean(a ** 2)) > 0.02 for a in (out[0], out[1], out[3]))


def test_engine_splits_sentences_longer_than_its_chunk_limit(engine):
    text = ("The quick brown fox jumps over the lazy dog while the old grey cat watches it from the "
            "garden wall and the children laugh in the warm afternoon sun")
    whole = list(engine.stream(text, "af_heart"))
    limit = engine.max_tokens
    try:
        engine.max_tokens = 40
        pieces = list(engine.stream(text, "af_heart"))
    finally:
        engine.max_tokens = limit
    assert len(whole) == 1 and len(pieces) >= 3
    total = sum(len(p) for p in pieces) / 24000
    assert 0.8 * len(whole[0]) / 24000 < total < 1.3 * len(whole[0]) / 24000  # the same words, said once
