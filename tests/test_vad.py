"""VAD endpointing on real speech (our own TTS) with silences of known length."""
import numpy as np

from assistant.audio import resample
from assistant.config import VadConfig
from assistant.vad import split_utterances


def _speech(engine, text):
    return resample(engine.synthesize(text, "af_heart"), 24000, 16000)


def _voiced_span(audio, rate=16000):
    """First and last 10 ms window whose level is within 30 dB of the loudest: where speech really is."""
    win = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    level = np.sqrt((win ** 2).mean(axis=1))
    on = np.flatnonzero(level > level.max() * 0.03)
    return on[0] * 0.01, (on[-1] + 1) * 0.01


def test_finds_each_utterance_and_where_it_ends(engine):
    a, b = _speech(engine, "Turn on the lights please."), _speech(engine, "What time is it?")
    sil = lambda s: np.zeros(int(s * 16000), dtype=np.float32)  # noqa: E731
    audio = np.concatenate([sil(1.0), a, sil(1.5), b, sil(1.0)])
    utts = split_utterances(audio, VadConfig())
    assert len(utts) == 2
    (a_on, a_off), (b_on, _) = _voiced_span(a), _voiced_span(b)
    assert abs(utts[0].start_s - (1.0 + a_on)) < 0.15
    assert abs(utts[0].end_s - (1.0 + a_off)) < 0.15
    assert abs(utts[1].start_s - (2.5 + len(a) / 16000 + b_on)) < 0.15
    # pre-roll: the utterance's audio starts before the detected speech start
    assert len(utts[0].audio) / 16000 > utts[0].end_s - utts[0].start_s


def test_end_of_stream_ends_the_last_utterance(engine):
    a = _speech(engine, "Hello there.")
    utts = split_utterances(np.concatenate([np.zeros(8000, np.float32), a]), VadConfig())
    assert len(utts) == 1


def test_silence_and_short_clicks_are_not_speech():
    rng = np.random.default_rng(0)
    audio = np.zeros(16000 * 3, dtype=np.float32)
    audio[16000:16000 + 160] = rng.normal(0, 0.3, 160)  # a 10 ms click
    assert split_utterances(audio, VadConfig()) == []


def test_the_background_margin_changes_nothing_in_a_quiet_room(engine):
    from dataclasses import replace

    a, b = _speech(engine, "Turn on the lights please."), _speech(engine, "What time is it?")
    sil = lambda s: np.zeros(int(s * 16000), dtype=np.float32)  # noqa: E731
    audio = np.concatenate([sil(1.0), a, sil(1.5), b, sil(1.0)])
    audio += np.random.default_rng(0).standard_normal(len(audio)).astype(np.float32) * 3e-4
    plain = split_utterances(audio, VadConfig())
    margin = split_utterances(audio, replace(VadConfig(), background_margin_db=3.0))
    assert len(plain) == len(margin) == 2
    assert all(abs(p.end_s - m.end_s) < 0.1 and abs(p.start_s - m.start_s) < 0.1 for p, m in zip(plain, margin))


def test_over_background_voices_the_question_ends_where_its_words_end(engine):
    """A TV or a room of people: webrtcvad calls their speech speech too, so the user's question
    would run on until the babble stops. With the background margin it ends with the user's words."""
    from dataclasses import replace

    lines = ["The weather tomorrow will be mild with some rain in the north.",
             "And now the news at six, with the latest from the city council.",
             "I told him we would meet at the station after lunch on Sunday.",
             "Our guest tonight has written four books about the sea."]
    voices = ["af_sarah", "bm_george", "af_nicole", "am_adam"]
    n = 16000 * 9
    babble = np.zeros(n, np.float32)
    for k, (line, voice) in enumerate(zip(lines, voices)):
        x = resample(engine.synthesize(line, voice), 24000, 16000).astype(np.float32)
        babble += np.roll(np.tile(x, -(-n // len(x)))[:n], k * 7919) / np.sqrt(np.mean(x ** 2))
    question = _speech(engine, "What time is it?")
    q_on, q_off = _voiced_span(question)
    start = 16000 * 3
    audio = babble * np.float32(0.1 / np.sqrt(np.mean(babble ** 2)) / 10 ** (10 / 20))  # 10 dB under the question
    audio[start:start + len(question)] += question * np.float32(0.1 / np.sqrt(np.mean(question[int(q_on * 16000):int(q_off * 16000)] ** 2)))
    words_end = 3.0 + q_off

    def ends(cfg):
        return [round(u.end_s, 2) for u in split_utterances(audio, cfg)]

    plain, gated = ends(VadConfig()), ends(replace(VadConfig(), background_margin_db=3.0))
    print(f"question's words end at {words_end:.2f} s; utterances end: plain {plain}, gated {gated}")
    assert any(abs(e - words_end) < 0.5 for e in gated), gated
