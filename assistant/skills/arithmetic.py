"""Arithmetic on two spoken or written numbers: "twelve times eleven", "12 x 11", "15% of 80",
"the square root of 144", "7 divided by 2", "2 to the power of 10", "minus five plus three".

One operation per question: a longer expression ("2 plus 3 times 4") is left to the LLM rather than
guessed at.
"""
from __future__ import annotations

import math
from datetime import datetime

from assistant.skills.answer import Answer
from assistant.skills.spoken_numbers import number, say
from assistant.skills.templates import Templates

_TEMPLATES = Templates({
    "times": ["<ask> {a} (times|multiplied by) {b} <equals>", "<ask> multiply {a} (by|and) {b}",
              "<ask> the product of {a} and {b}"],
    "plus": ["<ask> {a} (plus|added to) {b} <equals>", "<ask> add {a} (and|to) {b}",
             "<ask> the sum of {a} and {b}"],
    "minus": ["<ask> {a} (minus|take away|less) {b} <equals>", "<ask> subtract {b} from {a}",
              "<ask> take {b} (from|away from) {a}"],
    "over": ["<ask> {a} (divided by|over) {b} <equals>", "<ask> divide {a} by {b}"],
    "percent": ["<ask> {a} percent of {b} <equals>"],
    "power": ["<ask> {a} (to the power of|raised to [the power of]) {b} <equals>"],
    "squared": ["<ask> {a} squared <equals>"],
    "cubed": ["<ask> {a} cubed <equals>"],
    "root": ["<ask> [the] square root of {a} <equals>"],
}, rules={"ask": "[what is|what's|how much is|calculate|compute|work out|tell me|what does|what do]",
          "equals": "[equal|equals|make|makes|give|gives|is]"})


_SAID = {"times": "{a} times {b}", "plus": "{a} plus {b}", "minus": "{a} minus {b}",
         "over": "{a} divided by {b}", "percent": "{a} percent of {b}", "power": "{a} to the power of {b}",
         "squared": "{a} squared", "cubed": "{a} cubed", "root": "The square root of {a}"}


class Arithmetic:
    name = "arithmetic"

    def answer(self, heard: str, now: datetime) -> Answer | None:
        for op, slots in _TEMPLATES.matches(heard):
            a = number(slots["a"])
            b = number(slots["b"]) if "b" in slots else None
            if a is None or ("b" in slots and b is None):
                continue  # a slot that swallowed other words: try the next reading
            said = _solve(op, a, b)
            if said is not None:
                first, text = said
                return Answer(self.name, text, first=first)
        return None


def _solve(op: str, a: float, b: float | None) -> tuple[str, str] | None:
    """(the question's words, the spoken sentence they open) for `a op b`, or None when the result
    cannot be said."""
    if op == "over" and b == 0:
        return "", f"{say(a)} divided by 0 has no answer: you cannot divide by zero."
    if op == "root" and a < 0:
        return "", f"{say(a)} has no square root among the real numbers."
    try:
        value = {
            "times": lambda: a * b, "plus": lambda: a + b, "minus": lambda: a - b,
            "over": lambda: a / b, "percent": lambda: a / 100 * b, "power": lambda: math.pow(a, b),
            "squared": lambda: a * a, "cubed": lambda: a ** 3, "root": lambda: math.sqrt(a),
        }[op]()
    except (OverflowError, ValueError, ZeroDivisionError):  # 10 to the power of 1000; (-8) ** 0.5
        return None
    if not math.isfinite(value):
        return None
    question = _SAID[op].format(a=say(a), b="" if b is None else say(b))
    return question, f"{question} is {say(value)}."
