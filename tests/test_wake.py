"""The wake word: when scores count as it (Trigger), which utterances are for us (WakeState, no
model), the wake word taken off a transcript (property tests), and openWakeWord's real model on
Kokoro speech, in file mode and in the live loop, with Whisper hearing the questions."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, strategies as st

from assistant.config import VadConfig
from assistant.wake import Trigger, WakeState, addressed_utterances, min_question_samples, without_wake_words

SR = 16000
S = 1_000_000_000  # ns


# ---- Trigger: scores that count as the wake word ----------------------------------------------------
def fired_at(trigger: Trigger, scores: list[float]) -> list[int]:
    return [i for i, x in enumerate(scores) if trigger.step(x)]


def test_patience_lets_a_held_score_fire_once_and_a_lone_spike_not_at_all():
    spike, held = [0.0, 0.9, 0.1, 0.0], [0.0, 0.6, 0.8, 0.7, 0.2]
    assert fired_at(Trigger(0.5, patience=1, refractory_ms=160), spike + held) == [1, 5]
    assert fired_at(Trigger(0.5, patience=2), spike + held) == [6]
    assert fired_at(Trigger(0.5, patience=3), held) == [3]
    assert fired_at(Trigger(0.5, patience=4), held) == []


@given(st.lists(st.floats(0, 1), max_size=200), st.integers(1, 4))
def test_the_trigger_fires_only_after_patience_scores_at_the_threshold_and_rests_after(scores, patience):
    trigger = Trigger(0.5, patience, refractory_ms=400)  # 5 hops of rest
    fired = fired_at(trigger, scores)
    for i in fired:
        assert i + 1 >= patience and all(x >= 0.5 for x in scores[i + 1 - patience:i + 1])
    assert all(b - a > 5 for a, b in zip(fired, fired[1:]))


# ---- WakeState: the rule, on made-up times ---------------------------------------------------------
def state() -> WakeState:
    return WakeState(window_s=8.0, min_question_samples=min_question_samples(VadConfig()))


def test_speech_without_a_wake_word_is_not_for_us():
    s = state()
    s.speech_started(1 * S)
    assert s.question(np.ones(3 * SR, np.float32)) is None


def test_in_one_breath_the_question_keeps_what_follows_the_wake_word_and_a_little_before():
    s = state()
    s.speech_started(1 * S)
    s.fired(3 * S, samples_so_far=2 * SR)
    utterance = np.arange(5 * SR, dtype=np.float32)
    q = s.question(utterance)
    assert q[0] == 2 * SR - WakeState.LOOKBACK_S * SR and len(q) == 5 * SR - q[0]
    assert not s.wake_only(utterance)


def test_a_lone_wake_word_makes_the_next_utterance_the_question_within_the_window():
    s = state()
    s.speech_started(1 * S)
    s.fired(2 * S, samples_so_far=SR)
    utterance = np.zeros(SR + 16 * 500, np.float32)  # the detection, then only the hangover's silence
    assert s.wake_only(utterance)
    s.ended(2 * S, wake_only=True)
    s.speech_started(5 * S)
    assert s.question(np.ones(SR, np.float32)) is not None
    s.ended(7 * S, wake_only=False)  # that question was asked: asleep again
    s.speech_started(8 * S)
    assert s.question(np.ones(SR, np.float32)) is None


def test_the_window_closes():
    s = state()
    s.fired(2 * S, samples_so_far=None)  # fired after its utterance had ended
    s.speech_started(11 * S)
    assert s.question(np.ones(SR, np.float32)) is None


def test_talking_over_a_reply_needs_no_wake_word():
    s = state()
    s.barged_in(4 * S)
    assert s.question(np.ones(SR, np.float32)) is not None


# ---- the wake word off a transcript ---------------------------------------------------------------
@pytest.mark.parametrize("heard, name, question", [
    ("Hey Jarvis, what time is it?", "hey_jarvis", "What time is it?"),
    ("Hey, Jarvis. What time is it?", "hey_jarvis", "What time is it?"),
    ("OK, Naboo, set a timer for ten minutes.", "okay_nabu", "Set a timer for ten minutes."),
    ("Hey Raspy, cancel the timer.", "hey_rhasspy", "Cancel the timer."),
    ("Alexa, stop.", "alexa", "Stop."),
    ("Jarvis. Who painted the Mona Lisa?", "hey_jarvis", "Who painted the Mona Lisa?"),
    ("What time is it?", "hey_jarvis", "What time is it?"),
    ("Hey, what is the weather like?", "hey_mycroft", "Hey, what is the weather like?"),
])
def test_the_wake_word_comes_off_the_transcript(heard, name, question):
    assert without_wake_words(heard, name) == question


WORDS = ["what", "time", "is", "it", "the", "capital", "of", "france", "set", "a", "timer", "for", "ten",
         "minutes", "how", "many", "legs", "does", "spider", "have", "who", "painted", "mona", "lisa"]
questions = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


@given(questions, st.sampled_from(["Hey Jarvis, ", "Hey, Jarvis. ", "hey jarvis "]))
def test_any_question_after_the_wake_word_survives_whole(question, wake):
    out = without_wake_words(wake + question, "hey_jarvis")
    assert out.lower() == question.lower()


@given(questions)
def test_a_question_without_the_wake_word_is_left_alone(question):
    assert without_wake_words(question, "hey_jarvis") == question


# ---- the real model on spoken audio ---------------------------------------------------------------
@pytest.fixture(scope="module")
def wake_word():
    pytest.importorskip("pyopen_wakeword", reason="pyopen-wakeword has wheels for Linux x86-64/ARM64 and Windows")
    from assistant.wake import WakeWord

    return lambda: WakeWord("hey_jarvis")


@pytest.fixture(scope="module")
def recording(engine):
    """Five utterances: a question for someone else, the wake word alone, the question after it, the
    wake word and a question in one breath, and another question for someone else."""
    from assistant.audio import resample

    def said(text, voice):
        return resample(engine.synthesize(text, voice), 24000, SR)

    quiet = lambda s: np.zeros(int(s * SR), np.float32)  # noqa: E731
    parts = [quiet(0.5), said("How many legs does a spider have?", "am_michael"), quiet(1.5),
             said("Hey Jarvis.", "af_heart"), quiet(1.2), said("What is twelve times eleven?", "af_heart"),
             quiet(1.5), said("Hey Jarvis, what time is it?", "bf_emma"), quiet(1.5),
             said("Who painted the Mona Lisa?", "am_michael"), quiet(1.5)]
    audio = np.concatenate(parts)
    return audio + np.random.default_rng(0).standard_normal(len(audio)).astype(np.float32) * 1e-3


def heard(transcriber, audio):
    return without_wake_words(transcriber.transcribe(audio), "hey_jarvis").lower().rstrip("?.")


def test_file_mode_answers_only_what_follows_the_wake_word(wake_word, recording, cfg, transcriber):
    questions = addressed_utterances(recording, cfg.vad, wake_word(), cfg.audio.wake_window_s)
    assert [heard(transcriber, u.audio) for u in questions] == ["what is 12 times 11", "what time is it"]


def test_the_live_loop_answers_only_what_follows_the_wake_word_and_chimes_once(wake_word, recording, cfg,
                                                                               transcriber):
    from assistant.events import EventLog
    from assistant.vad import frames_of
    from assistant.voice_loop import MicFrame, VoiceLoop

    class Hearing:
        skills = None

        def __init__(self):
            self.heard = []

        async def hear(self, turn, audio, wanted=lambda: True):
            text = heard(transcriber, audio)
            self.heard.append(text)
            return text

        async def respond(self, turn, text, sink):
            return ""

        def cancel(self):
            pass

    class Sink:
        def __init__(self):
            self.chunks = []

        async def play(self, chunk):
            self.chunks.append(chunk)

        async def end_turn(self, turn):
            pass

        def stop(self):
            pass

    hearing, sink, said = Hearing(), Sink(), []
    loop = VoiceLoop(hearing, sink, EventLog(), cfg.vad, cfg.audio, wake=wake_word(),
                     say=lambda m: said.append(m[5:]) if m.startswith("you: ") else None)

    async def frames():
        for k, f in enumerate(frames_of(recording, 480)):
            yield MicFrame(f, (k + 1) * 30_000_000)
            await asyncio.sleep(0)

    asyncio.run(loop.run(frames()))
    assert said == ["what is 12 times 11", "what time is it"]
    assert [c.turn for c in sink.chunks] == [0]  # one chime, for the wake word said alone
    assert loop.turns == 2
