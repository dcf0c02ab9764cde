"""Typed messages that flow between the pipeline's stages.

Every message carries the turn it belongs to, so a stage can drop work from a turn
that has been cancelled (barge-in bumps the turn id).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Utterance:
    """One stretch of user speech found by VAD, 16 kHz mono float32."""
    audio: np.ndarray
    start_s: float          # position in the input stream where speech began (pre-roll excluded)
    end_s: float            # position of the last voiced frame
    end_ns: int = 0         # perf_counter_ns when the endpoint was found (live) or the frame was read (file)


@dataclass(frozen=True)
class ReplyEnd:
    """The last item of a reply's text stream. `cut_short`: the LLM stopped at its token cap, so
    the text after the last finished sentence is not part of the answer."""
    cut_short: bool = False


@dataclass(frozen=True)
class Phrase:
    """In a reply's text stream: words to say as a chunk of their own (a skill's first words)."""
    text: str


@dataclass(frozen=True)
class Sentence:
    turn: int
    index: int
    text: str


@dataclass(frozen=True)
class AudioChunk:
    turn: int
    index: int
    audio: np.ndarray       # float32 mono at `sample_rate`
    sample_rate: int = 24000


@dataclass
class Event:
    """A timestamp one stage reports; an observer turns these into a profile."""
    turn: int
    name: str
    t_ns: int
    data: dict = field(default_factory=dict)
