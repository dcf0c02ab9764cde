"""The date and the day of the week: "what day is it", "what's the date today", and the weekday of
a few fixed-date holidays ("what day of the week is christmas")."""
from __future__ import annotations

from datetime import date, datetime

from assistant.skills.answer import Answer
from assistant.skills.templates import Templates

_HOLIDAYS = {"christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
             "new year's day": (1, 1), "new year's eve": (12, 31), "halloween": (10, 31),
             "valentine's day": (2, 14)}

_TEMPLATES = Templates({
    "today": [
        "[(do you know|can you tell me)] what day is it [today]",
        "[(do you know|can you tell me)] what day it is [today]",
        "what day is today",
        "[(do you know|can you tell me)] what day of the week is it [today]",
        "[(do you know|can you tell me)] (what is|what's) [the] [today's] date [today]",
        "[(do you know|can you tell me)] what date is it [today]",
        "(what is|what's) today",
        "[(please|can you|could you)] tell me [the] [today's] date",
        "today's date",
    ],
    "holiday": [
        "what day [of the week] (is|does) {holiday} [fall] [on] [this year]",
        "(what day of the week|which day) (is|will be|does) {holiday} [fall] [on] [this year]",
        "(when|what day) is {holiday} [this year]",
    ],
})


class Dates:
    name = "date"

    def answer(self, heard: str, now: datetime) -> Answer | None:
        for intent, slots in _TEMPLATES.matches(heard):
            if intent == "today":
                return Answer(self.name, f"Today is {spoken_date(now.date())}.")
            if slots.get("holiday", "").lower() in _HOLIDAYS:
                return Answer(self.name, _holiday(slots["holiday"].lower(), now.date()))
        return None


def _holiday(name: str, today: date) -> str:
    """The next time it comes (today counts): after Christmas, the answer is about next year's."""
    month, day = _HOLIDAYS[name]
    when = date(today.year, month, day)
    if when < today:
        when = date(today.year + 1, month, day)
    title = name.title().replace("'S", "'s")
    if when == today:
        return f"{title} is today, {when:%A}."
    year = "this year" if when.year == today.year else "next year"
    return f"{title} is on a {when:%A} {year}, {_day_of_month(when)}."


def spoken_date(d: date) -> str:
    """"Thursday, December 25th, 2025": the G2P reads "25th" as "twenty-fifth" and the year as a year."""
    return f"{d:%A}, {_day_of_month(d)}, {d.year}"


def _day_of_month(d: date) -> str:
    n = d.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{d:%B} {n}{suffix}"
