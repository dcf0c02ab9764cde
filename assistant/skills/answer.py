"""What every skill shares: the answer it gives, and the shape of a skill."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol


@dataclass(frozen=True)
class Answer:
    skill: str
    text: str
    # The words `text` starts with that make a chunk of their own ("12 times 11" of "12 times 11 is
    # 132."): the listener waits for the first chunk's synthesis, ~0.35 s for these against ~0.7 s
    # for the whole sentence. "" keeps the cutter's own first chunk.
    first: str = ""
    # The answer's side effect (a timer started, timers cancelled). The pipeline runs it only once
    # the turn counts: a speculative reply dropped in the VAD hangover must leave no timer behind.
    commit: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if not self.text.startswith(self.first):
            raise ValueError(f"an answer's first chunk must open it: {self.first!r} / {self.text!r}")


class Skill(Protocol):
    name: str

    def answer(self, heard: str, now: datetime) -> Answer | None:
        """The answer to `heard` (lower case, numbers as digits), or None to leave it to the LLM."""
        ...
