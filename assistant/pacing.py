"""Keeps playback fed: how much of the next sentence can be synthesised before the audio already
handed over has played.

One reply's chunks play back to back. A long sentence after a short one (the first chunk is short
so that the reply starts soon) can take longer to synthesise than the chunk before it takes to
play, and the listener hears a silence. The pacer knows when the audio handed over so far will
have played and how fast this machine synthesises (seconds per character, measured on this reply's
own chunks, so no CPU's constant), and so how many characters fit into the time left.
"""
from __future__ import annotations

SAFETY = 0.8  # of the time left: synthesis slows down while the LLM decodes beside it


class Pacer:
    def __init__(self) -> None:
        self._plays_until: float | None = None  # perf_counter seconds
        self._s_per_char: float | None = None

    def budget_chars(self, now: float) -> int | None:
        """Characters that can be synthesised before playback runs dry; None before the first chunk."""
        if self._plays_until is None or not self._s_per_char:
            return None
        return int(max(0.0, self._plays_until - now) * SAFETY / self._s_per_char)

    def handed_over(self, chars: int, synth_s: float, play_s: float, now: float) -> None:
        """A chunk of `chars` characters took `synth_s` to synthesise and plays for `play_s` from
        when the one before it ends (or now, if that has ended)."""
        rate = synth_s / max(chars, 1)
        self._s_per_char = rate if self._s_per_char is None else max(rate, (self._s_per_char + rate) / 2)
        self._plays_until = max(now, self._plays_until or now) + play_s
