"""Speech to text with faster-whisper (CTranslate2)."""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import AsrConfig

SR = 16000
FIT_MIN_S = 5.0   # shortest window (shorter ones started to repeat and mishear)
FIT_PAD_S = 3.0   # silence after the utterance inside the window
FIT_MAX_S = 25.0  # longer utterances take Whisper's own 30 s path
NO_SPEECH = 0.6   # Whisper's own no-speech threshold (its "you" on silence is a hallucination)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


class Transcriber:
    def __init__(self, model_dir: Path, cfg: AsrConfig) -> None:
        from faster_whisper import WhisperModel

        self.cfg = cfg
        self.model_dir = Path(model_dir)
        self._tok = None
        self._denoise = None
        self._dereverb = None
        self.model = WhisperModel(str(model_dir), device="cpu", compute_type=cfg.compute_type,
                                  cpu_threads=cfg.threads)

    def segments(self, audio16k: np.ndarray) -> list[Segment]:
        segs, _info = self.model.transcribe(
            audio16k.astype(np.float32), language=self.cfg.language, beam_size=self.cfg.beam_size,
            vad_filter=False, condition_on_previous_text=False, without_timestamps=False)
        return [Segment(s.start, s.end, s.text.strip()) for s in segs]

    def transcribe(self, audio16k: np.ndarray, wanted: Callable[[], bool] = lambda: True) -> str:
        """The words of an utterance. `wanted` is asked before a second decode (see `asr.prompt`):
        False when its caller has dropped it meanwhile (a speculation the user talked on through),
        and the first decode's words are returned."""
        audio16k = self._cleaned(np.asarray(audio16k, dtype=np.float32))
        if self.cfg.fit_window and len(audio16k) <= FIT_MAX_S * SR:
            text = self._transcribe_fitted(audio16k, wanted)
            if text is None:  # Whisper says there is no speech: its own path would only hallucinate ("You")
                return ""
            if text:  # nothing decoded: let Whisper's own path have its say
                return text
        return joined(self.segments(audio16k))

    def file_text(self, audio16k: np.ndarray) -> str:
        """Whisper's own path over a whole recording (30 s windows): what `assistant transcribe` prints."""
        return joined(self.segments(self._cleaned(audio16k)))

    def _cleaned(self, audio16k: np.ndarray) -> np.ndarray:
        """The utterance after the optional clean-ups, reverberation first: WPE's linear prediction
        of the room's tail holds only before a non-linear denoiser has reshaped the spectrum."""
        if self.cfg.dereverb:
            if self._dereverb is None:
                from assistant.dereverb import Dereverberator

                self._dereverb = Dereverberator()
            audio16k = self._dereverb(audio16k)
        if self.cfg.denoise:
            if self._denoise is None:
                from assistant.denoise import Denoiser

                self._denoise = Denoiser()
            audio16k = self._denoise(audio16k)
        return audio16k

    def _transcribe_fitted(self, audio: np.ndarray, wanted: Callable[[], bool] = lambda: True) -> str | None:
        """Whisper in a window fitted to the utterance instead of its fixed 30 s.

        The encoder's cost is proportional to the window: a 2 s question padded to 5 s is encoded
        ~5x faster (70-110 ms instead of ~350 ms here), with the same words on our 60-utterance
        check. Outside its 30 s training window Whisper rarely emits end-of-text and goes on
        repeating itself, so it decodes with timestamps and stops at the first segment end that
        reaches the last second of the audio (what follows is the padding's hallucination), or
        at a segment that repeats the one before it word for word; a loop inside one segment is cut
        after (`_without_loop`). None: Whisper judged the window not speech.
        """
        import ctranslate2

        duration = len(audio) / SR
        window = max(FIT_MIN_S, math.ceil(duration + FIT_PAD_S))
        padded = np.zeros(int(window * SR), dtype=np.float32)
        padded[: len(audio)] = audio
        feats = self.model.feature_extractor(padded)
        feats = np.ascontiguousarray(feats[None, :, : feats.shape[-1] // 2 * 2])  # the conv stride
        tok = self._tokenizer()
        whisper = self.model.model
        features = ctranslate2.StorageView.from_array(feats)
        if self.cfg.prompt:
            features = whisper.encode(features)   # a second decode may follow: encode once

        def decode(prompt: list[int]):
            return whisper.generate(
                features, [prompt], beam_size=self.cfg.beam_size, max_length=len(prompt) + int(duration * 8) + 24,
                suppress_blank=True, return_no_speech_prob=True, return_scores=True)[0]

        result = decode(list(tok.sot_sequence))
        if result.no_speech_prob > NO_SPEECH:
            return None
        if self.cfg.prompt and result.scores[0] < self.cfg.prompt_below and wanted():
            # Unsure (noise, reverberation): decode again after `asr.prompt`, a few questions like ours.
            # Only then, as it costs a second decode and clean speech gains nothing from it. Whether it
            # is speech at all stays the plain decode's verdict: primed with questions, Whisper heard
            # questions, the prompt's own among them, in background talk alone (docs/benchmarks.md, issue 15)
            result = decode([tok.sot_prev, *tok.encode(" " + self.cfg.prompt.strip()), *tok.sot_sequence])
        return self._text(result.sequences_ids[0], duration)

    def _text(self, ids: list[int], duration: float) -> str:
        """The words of a fitted window's decoded tokens, up to where the speech ends (see above)."""
        tok = self._tokenizer()
        segments: list[str] = []
        current: list[int] = []
        for t in [*ids, tok.eot]:
            if t < tok.eot:
                current.append(t)
                continue
            text = tok.decode(current).strip()
            if text and segments and _same_words(text, segments[-1]):
                break  # the same words again: the loop, not the speaker
            if text:
                segments.append(text)
            current = []
            if t >= tok.timestamp_begin and text and (t - tok.timestamp_begin) * 0.02 >= duration - 1.0:
                break  # this segment ends where the speech does
            if t < tok.timestamp_begin:
                break
        return _without_loop(" ".join(segments))

    def _tokenizer(self):
        if self._tok is None:
            from faster_whisper.tokenizer import Tokenizer

            self._tok = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                  task="transcribe", language=self.cfg.language)
        return self._tok

    def warm_up(self) -> None:
        self.transcribe(np.zeros(16000, dtype=np.float32))


def joined(segments: list[Segment]) -> str:
    return " ".join(s.text for s in segments if s.text).strip()


def _words(s: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", "", s.lower()).split()


def _same_words(a: str, b: str) -> bool:
    return _words(a) == _words(b)


def _begins(words: list[str], start: list[str]) -> bool:
    """`start` is how `words` begins, its last word perhaps cut short ("honey never spo")."""
    n = len(start)
    return n <= len(words) and words[: n - 1] == start[:-1] and words[n - 1].startswith(start[-1])


def _says_again(words: list[str], earlier: list[str]) -> bool:
    """`words` say `earlier` again: from its start, or from its second or third word on ("How many
    cent in the earth? Many cent in the earth.": Whisper started over and left the first word out)."""
    n = len(words)
    return _begins(earlier, words) or (n >= 3 and 1 <= len(earlier) - n <= 2 and earlier[-n:] == words)


def _alike(a: list[str], b: list[str]) -> bool:
    """At least half the words the same, in order ("cancel the timer" / "cancelled the timer")."""
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= 0.5


STUTTER = re.compile(r"(.{2,12}?)\1{3,}")  # a short run of characters four times or more in a row


def _without_loop(text: str) -> str:
    """Cut Whisper's loop inside one segment: "Honey never spoils. Honey never spoils. Honey ne"
    (in a 5-6 s window it sometimes never emits the segment's end and starts the sentence over),
    a clause again ("who painted it, who painted it, who"), or a stutter ("1,000,000,000,000,000",
    "do-do-do-do", seen over background speech). The text ends before the first sentence that
    says an earlier one again (`_says_again`; its commas may fall elsewhere the second time), then
    before the first such clause; a stutter is kept once. The loop's first round may be a slip on
    the sentence before it ("cancel the timer. cancelled the timer. cancelled the timer."): when the
    two are alike, the slip goes too."""
    stutter = STUTTER.search(text)
    if stutter:
        text = text[: stutter.start() + len(stutter.group(1))]
    for boundary in (r"(?<=[.!?])\s+", r"(?<=[.!?,])\s+"):  # sentences, then clauses
        pieces = re.split(boundary, text.strip())
        text = " ".join(pieces[: _loop_start(pieces)])
    return text.rstrip(",;:- ")


def _loop_start(pieces: list[str]) -> int:
    """Where the loop in these sentences (or clauses) begins; len(pieces) when there is none."""
    said: list[list[str]] = []
    for k, piece in enumerate(pieces):
        w = _words(piece)
        again = next((j for j, earlier in enumerate(said) if w and _says_again(w, earlier)), None)
        if again is not None:
            return again if again > 0 and _alike(said[again], said[again - 1]) else k
        said.append(w)
    return len(pieces)
