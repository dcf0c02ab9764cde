"""Endpointing with webrtcvad: find where each utterance starts and ends in a 16 kHz stream.

Frames go in one at a time; finished utterances come out. Speech starts when most of
the last few frames are voiced (one voiced click does not count); it ends after
`hangover_ms` of silence. The pre-roll keeps the quiet onset of the first word.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from assistant.config import VadConfig
from assistant.messages import Utterance

SAMPLE_RATE = 16000
START_WINDOW = 5        # frames looked at to decide that speech has started
START_VOICED = 3        # of which this many must be voiced
BACKGROUND_S = 5.0      # the background: the levels of this many seconds of frames outside utterances
BACKGROUND_MIN_S = 0.3  # how much of the background must be known before it is used
BACKGROUND_LOUD = 85    # the background's loud end, a percentile of its levels
BACKGROUND_AFTER_S = 10.0  # an utterance still open after this long is taken for background too (a TV switched on)
FLOOR_DB = -100.0       # levels are floored here (digital silence: a virtual device)
ONSET_DB = 10.0         # held-back levels this far over a young room's bar are a voice starting


class Endpointer:
    def __init__(self, cfg: VadConfig, room_first: bool = True) -> None:
        """`room_first`: the stream begins with the room, not with words (a microphone opened before
        the user speaks); a recording may begin with its words (file mode: False)."""
        import webrtcvad

        self.cfg = cfg
        self.room_first = room_first
        self.vad = webrtcvad.Vad(cfg.aggressiveness)
        self.frame_len = SAMPLE_RATE * cfg.frame_ms // 1000
        self._preroll: deque[np.ndarray] = deque(maxlen=max(1, cfg.preroll_ms // cfg.frame_ms))
        self._recent: deque[bool] = deque(maxlen=START_WINDOW)
        self._frames: list[np.ndarray] = []
        self._in_speech = False
        self._silent_ms = 0
        self._voiced_ms = 0
        self._start_s = 0.0
        self._last_voiced_s = 0.0
        self._t = 0.0           # stream position of the next frame, seconds
        self._last_voiced_ns = 0
        self._background: deque[float] = deque(maxlen=max(1, int(BACKGROUND_S * 1000) // cfg.frame_ms))
        self._pending: deque[float | None] = deque(maxlen=self._preroll.maxlen)  # levels not yet the room's

    @property
    def room_known(self) -> bool:
        """The background margin has the room to measure against (always, with no margin). A live
        mic says it listens only from then on: a question said at once would become the room."""
        return (not self.cfg.background_margin_db
                or len(self._background) * self.cfg.frame_ms >= BACKGROUND_MIN_S * 1000)

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def silent_ms(self) -> int:
        """How long the current utterance has been quiet (0 outside speech)."""
        return self._silent_ms if self._in_speech else 0

    def snapshot(self) -> np.ndarray:
        """The current utterance so far, for speculative recognition during a pause."""
        return np.concatenate(self._frames).astype(np.float32) if self._frames else np.zeros(0, np.float32)

    def feed(self, frame: np.ndarray, t_ns: int = 0, masked: bool = False) -> Utterance | None:
        """Feed one frame of `frame_len` float32 samples, captured at `t_ns` (its end, perf_counter_ns).
        `masked`: the echo gate judged it our own voice (it counts as silence, and is not the room).

        Returns an utterance when one ends; its `end_ns` is the capture time of its last voiced frame.
        """
        level = None  # a masked frame's level is not the room's
        if masked:
            voiced = False
        else:
            pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
            voiced = self.vad.is_speech(pcm, SAMPLE_RATE)
            if self.cfg.background_margin_db:
                level = max(FLOOR_DB, 10 * np.log10(float(np.mean(np.square(frame, dtype=np.float64))) + 1e-12))
                voiced = self._above_background(level) and voiced
        if self.cfg.background_margin_db:
            self._learn(level)
        t0, self._t = self._t, self._t + self.cfg.frame_ms / 1000
        if not self._in_speech:
            self._preroll.append(frame)
            self._recent.append(voiced)
            if sum(self._recent) >= START_VOICED:
                self._in_speech = True
                self._settle_pending()
                self._frames = list(self._preroll)
                self._start_s = t0 - (len(self._recent) - 1) * self.cfg.frame_ms / 1000
                self._voiced_ms = sum(self._recent) * self.cfg.frame_ms
                self._silent_ms = 0
                self._last_voiced_s = self._t
                self._last_voiced_ns = t_ns
            return None
        self._frames.append(frame)
        if voiced:
            self._voiced_ms += self.cfg.frame_ms
            self._silent_ms = 0
            self._last_voiced_s = self._t
            self._last_voiced_ns = t_ns
        else:
            self._silent_ms += self.cfg.frame_ms
        too_long = (self._t - self._start_s) >= self.cfg.max_utterance_s
        if self._silent_ms >= self.cfg.hangover_ms or too_long:
            return self._finish()
        return None

    def _above_background(self, level: float) -> bool:
        """webrtcvad calls background speech (a TV, a room of people) speech too, and then an
        utterance never ends; the user is louder than it. The background is what is heard outside
        utterances, frozen while one is open (the user's own words must not raise the bar they are
        measured by); its loud end sits a few dB over steady noise (a fan, hiss) but near the
        peaks of babble, so one margin serves both: a frame must beat that end by it.

        Until `BACKGROUND_MIN_S` of it is known, a stream that begins with the room (`room_first`)
        hears nothing as speech; a recording, which may begin with the words, is judged by webrtcvad
        alone (learning its first 0.3 s lost a short question said at once: "What time is it?")."""
        if not self.room_known:
            return not self.room_first
        return level >= np.percentile(self._background, BACKGROUND_LOUD) + self.cfg.background_margin_db

    def _learn(self, level: float | None) -> None:
        """What the room learns of a frame (None: a masked frame, not the room's).

        A live microphone's first `BACKGROUND_MIN_S` are the room (it says it listens only after).
        A room heard for a second or more learns every frame outside utterances as it comes (its
        loud end then follows a TV's or a crowd's swings; START_WINDOW frames of a voice starting
        cannot lift the 85th percentile of more than START_WINDOW / (1 - 0.85) levels). A younger
        one, and a recording's from the start, learns a frame only once it leaves the pre-roll with
        no utterance begun (`_settle_pending`): a word's first frames come before the utterance
        opens (3 voiced of 5 open it), are often unvoiced to webrtcvad (a breath, an 's') and loud,
        and learnt at once into a background a dozen frames long they became its loud end: a
        question after 0.15-0.5 s of silence went unheard. A TV switched on while we listen (or
        playing when a recording starts) opens an utterance that would freeze the background until
        `max_utterance_s`, so one open for `BACKGROUND_AFTER_S` (longer than a spoken question) is
        learnt from as it goes."""
        if self._in_speech:
            if level is not None and self._t - self._start_s >= BACKGROUND_AFTER_S:
                self._background.append(level)
        elif (self.room_first and not self.room_known) or not self._young:
            self._settle_pending()
            if level is not None:
                self._background.append(level)
        else:
            if len(self._pending) == self._pending.maxlen and self._pending[0] is not None:
                self._background.append(self._pending[0])
            self._pending.append(level)

    @property
    def _young(self) -> bool:
        return len(self._background) < START_WINDOW / (1 - BACKGROUND_LOUD / 100)

    def _settle_pending(self) -> None:
        """The levels held back while the room was young, when an utterance opens or the room comes
        of age: those `ONSET_DB` over the room's bar are a voice starting in a quiet room and stay
        out; the others are the room's. Over babble most openings are the babble's own, a few dB over
        the bar: leaving out all that stood over it starved the room (`assistant bench asr`: 12 of 288
        questions over babble never ended, against 0)."""
        if self._pending and self.room_known:
            bar = np.percentile(self._background, BACKGROUND_LOUD) + self.cfg.background_margin_db + ONSET_DB
            self._background.extend(x for x in self._pending if x is not None and x < bar)
        self._pending.clear()

    def flush(self) -> Utterance | None:
        """End of stream: whatever speech is open ends here."""
        return self._finish() if self._in_speech else None

    def _finish(self) -> Utterance | None:
        frames, voiced_ms = self._frames, self._voiced_ms
        self._in_speech = False
        self._frames = []
        self._recent.clear()
        self._preroll.clear()
        if voiced_ms < self.cfg.min_utterance_ms or not frames:
            return None
        return Utterance(np.concatenate(frames).astype(np.float32), self._start_s, self._last_voiced_s,
                         self._last_voiced_ns)


def frames_of(audio: np.ndarray, frame_len: int):
    """Split a 16 kHz signal into whole frames; the last partial frame is zero-padded."""
    n = -(-len(audio) // frame_len)
    padded = np.zeros(n * frame_len, dtype=np.float32)
    padded[: len(audio)] = audio
    return padded.reshape(n, frame_len)


def split_utterances(audio: np.ndarray, cfg: VadConfig) -> list[Utterance]:
    """Every utterance in a whole recording (file mode); the end of the audio ends the last one."""
    ep = Endpointer(cfg, room_first=False)
    out = [u for f in frames_of(audio, ep.frame_len) if (u := ep.feed(f)) is not None]
    last = ep.flush()
    return out + ([last] if last is not None else [])
