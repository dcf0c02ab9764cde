"""The time: "what time is it", "what's the time", "tell me the time"."""
from __future__ import annotations

from datetime import datetime

from assistant.skills.answer import Answer
from assistant.skills.templates import Templates

_TEMPLATES = Templates({"time": [
    "[(do you know|can you tell me)] what time is it [now|right now]",
    "[(do you know|can you tell me)] what time it is [now|right now]",
    "[(do you know|can you tell me)] (what is|what's) the [current] time [now|right now]",
    "[(please|can you|could you)] tell me the time [please]",
]})


class TimeOfDay:
    name = "time"

    def answer(self, heard: str, now: datetime) -> Answer | None:
        if not any(_TEMPLATES.matches(heard)):
            return None
        return Answer(self.name, f"It's {clock_time(now)}.")


def clock_time(now: datetime) -> str:
    """"3:05 PM", "12:00 AM": the G2P reads this as "three oh five PM", "twelve AM"."""
    hour = now.hour % 12 or 12
    return f"{hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"
