"""Unit conversions of time, length, mass, temperature, volume and speed, by pint:
"how many minutes are in two hours", "convert 5 miles to kilometers",
"what is 100 degrees fahrenheit in celsius", "60 miles per hour in kilometers per hour"."""
from __future__ import annotations

import math
from datetime import datetime

import pint

from assistant.skills.answer import Answer
from assistant.skills.quantities import Quantities
from assistant.skills.templates import Templates

# What the skill converts; other dimensions (angles, areas, energy, ...) go to the LLM.
KINDS = {"[time]", "[length]", "[mass]", "[temperature]", "[length] ** 3", "[length] / [time]"}

_TEMPLATES = Templates({"convert": [
    "how (many|much) {unit} (are|is) [there] in {amount}",
    "how (many|much) {unit} (make|makes|are in|is in|in) {amount}",
    "<ask> {amount} (in|to|into|as) {unit}",
    "(convert|change|turn) {amount} (to|into|in) {unit}",
    "how (many|much) {unit} (is|are) {amount}",
]}, rules={"ask": "[what is|what's|how much is|how many is|how far is|how long is|how heavy is|how hot is]"})


class UnitConversion:
    name = "units"

    def __init__(self, quantities: Quantities) -> None:
        self.quantities = quantities

    def answer(self, heard: str, now: datetime) -> Answer | None:
        for _, slots in _TEMPLATES.matches(heard):
            amount = self.quantities.amount(slots["amount"])
            unit = self.quantities.unit(slots["unit"])
            if amount is None or unit is None or str(amount[0].dimensionality) not in KINDS:
                continue  # a slot that swallowed other words, or not a conversion: try the next reading
            quantity, said = amount
            try:
                converted = quantity.to(unit)
            except pint.DimensionalityError:  # "how many miles are in an hour"
                continue
            if not math.isfinite(converted.magnitude):  # 10 to the 300 light years in nanometers
                return None
            return Answer(self.name, f"{said} is {self.quantities.say(converted)}.", first=said)
        return None
