"""The wake word: openWakeWord's models (PyPI `pyopen-wakeword`, with its own TFLite runtime) on the
microphone's frames.

    wake = WakeWord("hey_jarvis")
    if wake.feed(frame):          # 16 kHz float32 frames of any length
        ...                       # the wake word ended in (or just before) this frame

The detector turns 80 ms of audio at a time into a score in [0, 1]; a Trigger decides when the
scores are the wake word.
"""
from __future__ import annotations

import re

import numpy as np

from assistant.config import WAKE_WORDS
from assistant.errors import InputError

HOP = 1280  # samples per score (80 ms at 16 kHz)


class Trigger:
    """Fires once when `patience` scores in a row reach `threshold`, then stays quiet for
    `refractory_ms` (one wake word scores high several hops in a row). A patience over 1 lost as many
    wake words as false accepts on `bench wake` (docs/benchmarks.md, issue 15): the assistant uses 1,
    the bench sweeps it."""

    def __init__(self, threshold: float = 0.5, patience: int = 1, refractory_ms: int = 1500) -> None:
        self.threshold, self.patience = threshold, max(1, patience)
        self._refractory = max(1, refractory_ms * 16 // HOP)
        self.reset()

    def step(self, score: float) -> bool:
        if self._quiet_hops:
            self._quiet_hops -= 1
            return False
        self._run = self._run + 1 if score >= self.threshold else 0
        if self._run < self.patience:
            return False
        self._run, self._quiet_hops = 0, self._refractory
        return True

    def reset(self) -> None:
        self._run = self._quiet_hops = 0


class WakeWord:
    def __init__(self, name: str, threshold: float = 0.5) -> None:
        name = name.strip().lower().replace(" ", "_").replace("-", "_")
        if name not in WAKE_WORDS:
            raise InputError(f"no wake word {name!r}", f"choose one of: {', '.join(WAKE_WORDS)}")
        try:
            from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures
        except (ImportError, OSError) as e:
            raise InputError(f"the wake word needs pyopen-wakeword ({e})",
                             "pip install pyopen-wakeword (wheels for Linux x86-64/ARM64 with glibc 2.35+ "
                             "and Windows; none for macOS)") from None
        self.name = name
        self.trigger = Trigger(threshold)
        self._model = OpenWakeWord.from_builtin(Model(name))
        self._features = OpenWakeWordFeatures.from_builtin()

    def feed(self, frame: np.ndarray) -> bool:
        """True when the trigger fires in this frame (once per wake word)."""
        fired = False
        for score in self.scores(frame):
            fired |= self.trigger.step(score)
        return fired

    def scores(self, frame: np.ndarray) -> list[float]:
        """The detector's scores for the hops this frame completes (none, one, or more)."""
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return [score for features in self._features.process_streaming(pcm)
                for score in self._model.process_streaming(features)]

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()
        self.trigger.reset()

    def close(self) -> None:
        self._model.close()
        self._features.close()


def without_wake_words(text: str, name: str) -> str:
    """`text` less the wake word and what came before it ("Hey, Jarvis. What time is it?" -> "What
    time is it?"), found among the first words by spelling likeness, since Whisper writes names as
    it hears them ("Okay, Naboo", "Hey Raspy"); `text` itself when no such words are there."""
    from difflib import SequenceMatcher

    want = name.replace("_", "")
    tokens = list(re.finditer(r"[A-Za-z']+", text))
    best = None
    for i in range(min(len(tokens), 6)):
        for j in range(i + 1, min(len(tokens), i + 3) + 1):
            said = "".join(t.group() for t in tokens[i:j]).lower().replace("'", "").replace("ok", "okay", 1)
            likeness = SequenceMatcher(None, said, want).ratio()
            if likeness >= 0.75 and (best is None or likeness > best[0]):
                best = (likeness, tokens[j - 1].end())
    if best is None:
        return text
    rest = re.sub(r"^\W+", "", text[best[1]:])
    return rest[:1].upper() + rest[1:] if rest else ""


class WakeState:
    """Which utterances are for us, given where the wake word fired.

    An utterance is for us when the wake word fires inside it ("hey jarvis, what time is it" in one
    breath) or when it starts within `window_s` of a wake word said on its own. An utterance that is
    only the wake word leaves us awake for the next; one that asked something puts us back to sleep.
    The detector fires 0-0.7 s after the wake word ends (measured on Kokoro and espeak-ng voices),
    so cutting there could take the question's first words: the question keeps `LOOKBACK_S` before
    the detection, and the wake word's words are then taken off the transcript (without_wake_words).
    """

    LOOKBACK_S = 1.5

    def __init__(self, window_s: float, min_question_samples: int) -> None:
        self.window_ns = int(window_s * 1e9)
        self.min_question = min_question_samples
        self.awake_until_ns = 0
        self.for_us = False
        self.at: int | None = None  # where, in the open utterance, the detector fired (samples)

    def speech_started(self, t_ns: int) -> None:
        self.for_us, self.at = t_ns <= self.awake_until_ns, None

    def fired(self, t_ns: int, samples_so_far: int | None) -> None:
        """The wake word was heard at `t_ns`, `samples_so_far` into the open utterance (None: none open)."""
        if samples_so_far is None:
            self.awake_until_ns = t_ns + self.window_ns
        else:
            self.for_us, self.at = True, samples_so_far

    def fired_during(self, t_ns: int, endpointer, utt) -> None:
        """`fired` for the frame the Endpointer has just taken (`utt`: the utterance it ended there)."""
        self.fired(t_ns, len(endpointer.snapshot()) if endpointer.in_speech else len(utt.audio) if utt else None)

    def question(self, audio: np.ndarray) -> np.ndarray | None:
        """The part of an utterance (so far) that is for us; None when none of it is."""
        if not self.for_us:
            return None
        return audio if self.at is None else audio[max(0, self.at - int(self.LOOKBACK_S * 16000)):]

    def wake_only(self, utterance: np.ndarray) -> bool:
        """What follows the detection is too short to be a question (the hangover's silence, a breath)."""
        return self.at is not None and len(utterance) - self.at < self.min_question

    def ended(self, t_ns: int, wake_only: bool) -> None:
        """An utterance that was for us ended: awake for the next after a lone wake word, else asleep."""
        self.awake_until_ns = t_ns + self.window_ns if wake_only else 0
        self.for_us, self.at = False, None

    def barged_in(self, t_ns: int) -> None:
        """The user talked over a reply: what they say is for us without a wake word."""
        self.for_us, self.at, self.awake_until_ns = True, None, t_ns + self.window_ns


def listening_chime() -> np.ndarray:
    from assistant.chime import chime

    return chime(notes_hz=(1320.0,), note_ms=90, level=0.25)  # one short note: "I am listening"


def addressed_utterances(audio: np.ndarray, vad, wake: WakeWord, window_s: float) -> list:
    """File mode with a wake word: the utterances of a recording (as `split_utterances` cuts them)
    that are for us, each cut to its question, under VoiceLoop's rule (WakeState)."""
    from assistant.messages import Utterance
    from assistant.vad import Endpointer, frames_of

    ep = Endpointer(vad, room_first=False)
    state = WakeState(window_s, min_question_samples(vad))
    out = []
    frames = list(frames_of(audio, ep.frame_len))
    for k, frame in enumerate([*frames, None]):
        t_ns = (k + 1) * vad.frame_ms * 1_000_000
        was = ep.in_speech
        utt = ep.feed(frame, t_ns) if frame is not None else ep.flush()
        if ep.in_speech and not was:
            state.speech_started(t_ns)
        if frame is not None and wake.feed(frame):
            state.fired_during(t_ns, ep, utt)
        if utt is None:
            continue
        question = state.question(utt.audio)
        if question is None:
            continue
        only = state.wake_only(utt.audio)
        state.ended(t_ns, only)
        if not only:
            out.append(Utterance(question, utt.start_s, utt.end_s, utt.end_ns))
    return out


def min_question_samples(vad) -> int:
    """After the wake word, a question holds at least `min_utterance_ms` of speech besides the
    hangover's silence that ends every utterance."""
    return 16 * (vad.hangover_ms + vad.min_utterance_ms)
