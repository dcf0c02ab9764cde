"""Timers: "set a timer for ten minutes", "how much time is left on the timer", "cancel the timer".

The running timers live in a `Timers` object the pipeline owns (through `Skills`); nothing ticks
in the background: the app asks `due(now)` for the timers that have ended, and speaks their alerts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.skills.answer import Answer
from assistant.skills.quantities import Quantities
from assistant.skills.templates import Templates

LONGEST = timedelta(hours=24)

_TEMPLATES = Templates({
    "set": [
        "[please] (set|start|make) [me] [a|an|the] timer (for|of) {duration}",
        "[please] (set|start|make) [me] [a|an] {duration} timer",
        "[a] timer for {duration}",
    ],
    "left": [
        "how (long|much time) [is] (left|remaining) [on <timer>]",
        "how (long|much time) (remains|is there) [on <timer>]",
        "how (long|much time) until <timer> (goes off|ends|is done|rings|finishes)",
        "(what's|what is) left on <timer>",
        "[how much] time (left|remaining) [on <timer>]",
    ],
    "cancel": [
        "[please] (cancel|stop|delete|remove|clear|turn off|end) [all] <timer>",
    ],
}, rules={"timer": "[the|my|all [of] the|all [of] my] (timer|timers)"})


@dataclass(frozen=True)
class Timer:
    length: timedelta
    ends: datetime


class Timers:
    """The running timers, soonest first."""

    def __init__(self) -> None:
        self.running: list[Timer] = []

    def start(self, length: timedelta, now: datetime) -> None:
        self.running = sorted(self.running + [Timer(length, now + length)], key=lambda t: t.ends)

    def cancel_all(self) -> None:
        self.running = []

    def due(self, now: datetime) -> list[Timer]:
        """The timers that have ended by `now`; each is returned once."""
        ended = [t for t in self.running if t.ends <= now]
        self.running = [t for t in self.running if t.ends > now]
        return ended


class TimerSkill:
    name = "timer"

    def __init__(self, timers: Timers, quantities: Quantities) -> None:
        self.timers = timers
        self.quantities = quantities

    def answer(self, heard: str, now: datetime) -> Answer | None:
        for intent, slots in _TEMPLATES.matches(heard):
            if intent == "set":
                length = self._length(slots["duration"])
                if length is not None:
                    return self._set(length, now)
            elif intent == "left":
                return Answer(self.name, self._left(now))
            elif intent == "cancel":
                return self._cancel()
        return None

    def _length(self, words: str) -> timedelta | None:
        amount = self.quantities.amount(words)
        if amount is None or str(amount[0].dimensionality) != "[time]":
            return None
        seconds = amount[0].to("second").magnitude
        return timedelta(seconds=round(seconds)) if 1 <= seconds < 1e9 else None

    def _set(self, length: timedelta, now: datetime) -> Answer:
        if length > LONGEST:
            return Answer(self.name, "I can only set timers for up to 24 hours.")
        return Answer(self.name, f"Timer set for {say_duration(length)}.",
                      commit=lambda: self.timers.start(length, now))

    def _left(self, now: datetime) -> str:
        running = [t for t in self.timers.running if t.ends > now]
        if not running:
            return "There is no timer running."
        if len(running) == 1:
            return f"{say_duration(_ceil(running[0].ends - now))} left."
        return " ".join(f"Your timer for {say_duration(t.length)} has {say_duration(_ceil(t.ends - now))} left."
                        for t in running)

    def _cancel(self) -> Answer:
        n = len(self.timers.running)
        if not n:
            return Answer(self.name, "There is no timer to cancel.")
        return Answer(self.name, "Timer cancelled." if n == 1 else f"{n} timers cancelled.",
                      commit=self.timers.cancel_all)


def alert(timer: Timer) -> str:
    return f"Your timer for {say_duration(timer.length)} is done."


def say_duration(length: timedelta) -> str:
    """"10 minutes", "1 hour and 30 minutes", "2 minutes and 5 seconds" (whole seconds)."""
    hours, rest = divmod(round(length.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}"
             for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second")) if n]
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _ceil(left: timedelta) -> timedelta:
    """Time left, rounded up: "1 second left" until it has really ended."""
    return timedelta(seconds=math.ceil(left.total_seconds()))
