"""VAD endpointing on real speech (our own TTS) with silences of known length."""
import numpy as np

from assistant.audio import resample
from assistant.config import VadConfig
from assistant.vad import split_utterances

PLAIN = VadConfig(background_margin_db=0.0)    # webrtcvad alone
MARGIN = VadConfig(background_margin_db=3.0)   # the background margin


def _speech(engine, text):
    return resample(engine.synthesize(text, "af_heart"), 24000, 16000)


def _voiced_span(audio, rate=16000):
    """First and last 10 ms window whose level is within 30 dB of the loudest: where speech really is."""
    win = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    level = np.sqrt((win ** 2).mean(axis=1))
    on = np.flatnonzero(level > level.max() * 0.03)
    return on[0] * 0.01, (on[-1] + 1) * 0.01


def _babble(engine, seconds: float) -> np.ndarray:
    """Four voices reading at once, like a TV or a room of people, at 0.1 RMS."""
    lines = ["The weather tomorrow will be mild with some rain in the north.",
             "And now the news at six, with the latest from the city council.",
             "I told him we would meet at the station after lunch on Sunday.",
             "Our guest tonight has written four books about the sea."]
    n = int(16000 * seconds)
    out = np.zeros(n, np.float32)
    for k, (line, voice) in enumerate(zip(lines, ["af_sarah", "bm_george", "af_nicole", "am_adam"])):
        x = resample(engine.synthesize(line, voice), 24000, 16000).astype(np.float32)
        out += np.roll(np.tile(x, -(-n // len(x)))[:n], k * 7919) / np.sqrt(np.mean(x ** 2))
    return out * np.float32(0.1 / np.sqrt(np.mean(out ** 2)))


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
    a, b = _speech(engine, "Turn on the lights please."), _speech(engine, "What time is it?")
    sil = lambda s: np.zeros(int(s * 16000), dtype=np.float32)  # noqa: E731
    audio = np.concatenate([sil(1.0), a, sil(1.5), b, sil(1.0)])
    audio += np.random.default_rng(0).standard_normal(len(audio)).astype(np.float32) * 3e-4
    plain = split_utterances(audio, PLAIN)
    margin = split_utterances(audio, MARGIN)
    assert len(plain) == len(margin) == 2
    assert all(abs(p.end_s - m.end_s) < 0.1 and abs(p.start_s - m.start_s) < 0.1 for p, m in zip(plain, margin))


def test_over_background_voices_the_question_ends_where_its_words_end(engine):
    """A TV or a room of people: webrtcvad calls their speech speech too, so the user's question
    would run on until the babble stops. With the background margin it ends with the user's words."""
    question = _speech(engine, "What time is it?")
    q_on, q_off = _voiced_span(question)
    start = 16000 * 3
    audio = _babble(engine, 9.0) * np.float32(10 ** (-10 / 20))  # 10 dB under the question
    audio[start:start + len(question)] += question * np.float32(0.1 / np.sqrt(np.mean(question[int(q_on * 16000):int(q_off * 16000)] ** 2)))
    words_end = 3.0 + q_off

    def ends(cfg):
        """The microphone's case: the stream begins with the room (a TV already on)."""
        from assistant.vad import Endpointer, frames_of

        ep = Endpointer(cfg, room_first=True)
        return [round(u.end_s, 2) for f in frames_of(audio, ep.frame_len) if (u := ep.feed(f)) is not None]

    plain, gated = ends(PLAIN), ends(MARGIN)
    print(f"question's words end at {words_end:.2f} s; utterances end: plain {plain}, gated {gated}")
    assert any(abs(e - words_end) < 0.5 for e in gated), gated


def test_with_the_background_margin_words_said_before_the_room_was_heard_are_kept(engine):
    """A recording that starts with the question: there is no background yet, so webrtcvad alone
    judges (before, nothing was speech for the first 0.3 s and the first word was lost)."""
    question = _speech(engine, "What time is it?")
    audio = np.concatenate([question, np.zeros(16000, np.float32)])
    plain = split_utterances(audio, PLAIN)
    margin = split_utterances(audio, MARGIN)
    assert len(plain) == len(margin) == 1
    assert abs(plain[0].start_s - margin[0].start_s) < 0.05
    assert abs(len(plain[0].audio) - len(margin[0].audio)) <= 480


def test_with_the_background_margin_a_tv_switched_on_while_listening_is_learnt(engine):
    """Quiet, then a TV from 2 s on for 25 s: webrtcvad calls it speech, the utterance it opens
    freezes the background, and it ran to `max_utterance_s`; now a long-open utterance is learnt
    from, so it ends soon after `BACKGROUND_AFTER_S` and the TV is background from then on."""
    from assistant.vad import BACKGROUND_AFTER_S

    rng = np.random.default_rng(1)
    audio = np.concatenate([np.zeros(32000, np.float32), _babble(engine, 25.0)])
    audio += rng.standard_normal(len(audio)).astype(np.float32) * np.float32(3e-4)
    cfg = MARGIN
    utts = split_utterances(audio, cfg)
    plain = split_utterances(audio, PLAIN)
    print("plain", [(round(u.start_s, 1), round(u.end_s, 1)) for u in plain],
          "margin", [(round(u.start_s, 1), round(u.end_s, 1)) for u in utts])
    assert plain and plain[0].end_s - plain[0].start_s >= cfg.max_utterance_s - 1   # what it was
    first = utts[0]
    assert first.start_s < 3.0
    assert first.end_s - first.start_s < BACKGROUND_AFTER_S + 2.5
    # once learnt, the TV opens no utterance for the rest of its 25 s (a stray one may still start)
    later = [u for u in utts[1:] if u.end_s - u.start_s > 2.0]
    assert not later, later


def test_with_the_background_margin_a_digitally_silent_microphone_still_hears_the_user(engine):
    """A virtual device gives exact zeros between words: no level to learn, nothing to beat (and
    the echo gate's zeros while we speak must not become the background either)."""
    from assistant.vad import Endpointer, frames_of

    question = _speech(engine, "What time is it?")
    gap = np.zeros(24000, np.float32)
    audio = np.concatenate([gap, *[np.concatenate([question, gap]) for _ in range(5)]])
    ep = Endpointer(MARGIN, room_first=True)
    utts = [u for f in frames_of(audio, ep.frame_len) if (u := ep.feed(f)) is not None]
    # every question is heard, the fifth too: the zeros are the room (floored), so the first
    # words' levels never come to set the bar
    step = (len(question) + len(gap)) / 16000
    assert [round(u.start_s / step, 1) for u in utts] == [round((1.5 + k * step) / step, 1) for k in range(5)]


def test_with_the_background_margin_frames_masked_by_the_echo_gate_are_not_the_room(engine):
    """A TV on, then our reply (the gate masks every frame: zeros), then the user over the TV: the
    background heard before the reply still holds, so the question ends with its words (zeros
    learnt as the room would let the TV through as speech, and the utterance would run on)."""
    from assistant.vad import Endpointer, frames_of

    tv = _babble(engine, 12.0) * np.float32(10 ** (-10 / 20))   # 10 dB under the question
    question = _speech(engine, "What time is it?")
    q_on, q_off = _voiced_span(question)
    question = question * np.float32(0.1 / np.sqrt(np.mean(question[int(q_on * 16000):int(q_off * 16000)] ** 2)))
    at = 16000 * 7                                                # 2 s of TV, 5 s of our reply, then the user
    audio = tv.copy()
    audio[at:at + len(question)] += question
    ep = Endpointer(MARGIN, room_first=True)
    ends = []
    for k, f in enumerate(frames_of(audio, ep.frame_len)):
        masked = 2.0 <= k * 0.03 < 7.0
        u = ep.feed(np.zeros_like(f) if masked else f, masked=masked)
        if u is not None:
            ends.append(round(u.end_s, 2))
    words_end = 7.0 + q_off
    print(f"words end at {words_end:.2f} s; utterances end {ends}")
    assert any(abs(e - words_end) < 0.5 for e in ends), ends


def test_with_the_background_margin_a_question_after_a_short_silence_is_heard(engine):
    """A recording with a fraction of a second of silence before the words (the answer
    benchmark's WAVs have 0.3 s), or a user who speaks as soon as the microphone says it listens:
    the background was still a dozen frames long when the words began, so their first frames,
    unvoiced to webrtcvad but loud, became the room's loud end and the rest of the question never
    beat it: no utterance at all (a recording: leads of 150-480 ms; a microphone: 300 ms). Now a
    frame becomes the room only once it leaves the pre-roll with no utterance begun, and a young
    room never takes an utterance's pre-roll in."""
    from assistant.vad import Endpointer, frames_of

    rng = np.random.default_rng(0)
    lost = []
    for voice in ("af_heart", "bm_george"):
        question = resample(engine.synthesize("What time is it?", voice), 24000, 16000)
        q_on, _ = _voiced_span(question)
        for lead_ms in range(0, 660, 30):
            lead = lead_ms / 1000
            audio = np.concatenate([np.zeros(int(16000 * lead), np.float32), question, np.zeros(16000, np.float32)])
            utts = split_utterances(audio, MARGIN)
            if len(utts) != 1 or abs(utts[0].start_s - (lead + q_on)) > 0.15:
                lost.append(("recording", voice, lead_ms, [round(u.start_s, 2) for u in utts]))
            if lead_ms >= 300:   # a microphone: the room's first 0.3 s come before "listening..."
                mic = audio + rng.standard_normal(len(audio)).astype(np.float32) * np.float32(3e-4)
                ep = Endpointer(MARGIN, room_first=True)
                heard = [u for f in frames_of(mic, ep.frame_len) if (u := ep.feed(f)) is not None]
                if len(heard) != 1:
                    lost.append(("microphone", voice, lead_ms, [round(u.start_s, 2) for u in heard]))
    assert not lost, lost
