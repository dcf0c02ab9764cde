"""The skills a turn asks before the LLM, in the configured order: the first that answers wins."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from assistant.skills.answer import Answer, Skill
from assistant.skills.arithmetic import Arithmetic
from assistant.skills.dates import Dates
from assistant.skills.quantities import Quantities
from assistant.skills.spoken_numbers import digits
from assistant.skills.time_of_day import TimeOfDay
from assistant.skills.timers import Timers, TimerSkill, alert
from assistant.skills.units import UnitConversion


def _local_now() -> datetime:
    return datetime.now().astimezone()


class Skills:
    """The enabled skills and their state (the running timers).

    `clock` gives the current local time; tests pass their own, so no test sleeps.
    """

    def __init__(self, names: tuple[str, ...] | list[str], clock: Callable[[], datetime] = _local_now) -> None:
        self.clock = clock
        self.timers = Timers()
        # pint's registry is the one costly part (~30 MB, 0.15 s): built only for the skills using it
        quantities = Quantities() if {"units", "timer"} & set(names) else None
        build: dict[str, Callable[[], Skill]] = {
            "time": TimeOfDay, "date": Dates, "arithmetic": Arithmetic,
            "timer": lambda: TimerSkill(self.timers, quantities),
            "units": lambda: UnitConversion(quantities),
        }
        self.skills: list[Skill] = [build[name]() for name in names]

    def answer(self, text: str) -> Answer | None:
        """The first enabled skill's answer to `text` as Whisper wrote it, or None for the LLM."""
        heard = digits(text)
        now = self.clock()
        for skill in self.skills:
            try:
                answer = skill.answer(heard, now)
            except Exception:  # noqa: BLE001 - a parse we did not foresee is the LLM's question, not a crash
                continue
            if answer is not None:
                return answer
        return None

    def due(self, now: datetime | None = None) -> list[str]:
        """The alerts of the timers that have ended since the last call, each said once."""
        return [alert(t) for t in self.timers.due(now or self.clock())]
