"""What every skill shares: the answer it gives, and the shape of a skill."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol


@dataclass(frozen=True)
class Answer:
    skill: str
    text: str
    # The answer's side effect (a timer started, timers cancelled). The pipeline runs it only once
    # the turn counts: a speculative reply dropped in the VAD hangover must leave no timer behind.
    commit: Callable[[], None] | None = None


class Skill(Protocol):
    name: str

    def answer(self, heard: str, now: datetime) -> Answer | None:
        """The answer to `heard` (lower case, numbers as digits), or None to leave it to the LLM."""
        ...
