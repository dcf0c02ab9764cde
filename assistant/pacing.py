"""Keeps playback fed: how much of the next sentence can be synthesised before the audio already
handed over has played.

One reply's chunks play back to back. A long sentence after a short one (the first chunk is short
so that the reply starts soon) can take longer to synthesise than the chunk before it takes to
play, and the listener hears a silence. The pacer knows when the audio handed over so far will
have played and how fast this machine synthesises (seconds per character, measured on this reply's
own chunks, so no CPU's constant), and so how many characters fit into the time left.

The other way playback runs dry is an LLM slower than speech (a 1B model on two cores): the next
sentence is still being written when the audio ahead of it ends. The pacer also counts the
characters on their way to the TTS, so the cutter can tell when a sentence still being written
must be let go at a phrase (`late`) for its head to be ready in time.
"""
from __future__ import annotations

SAFETY = 0.8  # of the time left: synthesis slows down while the LLM decodes beside it


class Pacer:
    def __init__(self) -> None:
        self._plays_until: float | None = None  # perf_counter seconds
        self._s_per_char: float | None = None
        self._queued = 0  # characters given to the TTS and not handed over to the sink yet

    def budget_chars(self, now: float) -> int | None:
        """Characters that can be synthesised before playback runs dry; None before the first chunk."""
        if self._plays_until is None or not self._s_per_char:
            return None
        return int(max(0.0, self._plays_until - now) * SAFETY / self._s_per_char)

    def queued(self, chars: int) -> None:
        """`chars` more characters are on their way to the TTS (negative: they left it)."""
        self._queued = max(0, self._queued + chars)

    def late(self, pending_chars: int, now: float) -> bool:
        """True when `pending_chars` more, after what is on its way to the TTS already, could not
        be synthesised before playback runs dry (or it has): text still being written must go now.
        False when the TTS is behind already: more, shorter chunks would not help it."""
        budget = self.budget_chars(now)
        return budget is not None and pending_chars > 0 and self._queued <= budget <= self._queued + pending_chars

    def handed_over(self, chars: int, synth_s: float, play_s: float, now: float) -> None:
        """A chunk of `chars` characters took `synth_s` to synthesise and plays for `play_s` from
        when the one before it ends (or now, if that has ended)."""
        rate = synth_s / max(chars, 1)
        self._s_per_char = rate if self._s_per_char is None else max(rate, (self._s_per_char + rate) / 2)
        self._plays_until = max(now, self._plays_until or now) + play_s
