"""Spoken amounts with units ("2 hours and 30 minutes", "a pound", "100 degrees fahrenheit"),
read and converted by pint, and said back in words our G2P reads.

Input comes through spoken_numbers.digits first, so numbers are already digits.
"""
from __future__ import annotations

import math
import re

import pint

from assistant.skills import spoken_numbers

# Spoken words pint reads otherwise: "kilos" would be kilo-seconds, "degrees" alone is an angle.
_SPOKEN = {"kilo": "kilogram", "kilos": "kilograms", "kmh": "kph", "centigrade": "celsius"}
_DEGREES = re.compile(r"\bdegrees?\s+(?=fahrenheit|celsius|centigrade|kelvin)")
_POWER = re.compile(r"^(square|cubic)\s+")
_NAME = re.compile(r"[a-z]+(?:_[a-z]+)*")
_FRACTIONS = [
    (re.compile(r"(\d+(?:\.\d+)?) and a half\b"), lambda m: str(float(m.group(1)) + 0.5)),
    (re.compile(r"\b(?:a |1 )?half (?:an? )?"), lambda m: "0.5 "),
    (re.compile(r"\b(?:a |1 )?quarter (?:of )?(?:an? )?"), lambda m: "0.25 "),
]
_PART = re.compile(r"(?:(-?\d+(?:\.\d+)?)|an?)\s+(.+)")
_AND = re.compile(r"\s*,\s*|\s+and\s+")
_IRREGULAR = {"foot": "feet", "millennium": "millennia"}


class Quantities:
    """A pint unit registry (~30 MB, loaded once) and the spoken forms around it."""

    def __init__(self) -> None:
        self.registry = pint.UnitRegistry()

    def unit(self, words: str) -> pint.Unit | None:
        """The unit `words` name ("kilometers per hour", "degrees celsius", "cubic feet"), or None."""
        words = re.sub(r"^(?:the|a|an)\s+", "", words.strip().lower())
        words = _DEGREES.sub("", words)
        sides = []
        for side in re.split(r"\s+per\s+|\s*/\s*", words):
            side = _SPOKEN.get(side, side)
            m = _POWER.match(side)
            name = side[m.end():] if m else side
            name = "_".join(name.split())
            if not _NAME.fullmatch(name):
                return None
            sides.append(f"{name}**{2 if m.group(1) == 'square' else 3}" if m else name)
        try:
            return self.registry.parse_units("/".join(sides))
        except (pint.PintError, ValueError, AttributeError):  # not a unit pint knows
            return None

    def amount(self, words: str) -> tuple[pint.Quantity, str] | None:
        """The quantity `words` say ("2 hours and 30 minutes" -> 2.5 hour) and how to say it back."""
        for pattern, value in _FRACTIONS:
            words = pattern.sub(value, words.strip().lower())
        total, said = None, []
        for part in _AND.split(words):
            m = _PART.fullmatch(part)
            unit = m and self.unit(m.group(2))
            value = float(m.group(1) or 1) if m else math.nan
            if unit is None or not math.isfinite(value):
                return None
            q = self.registry.Quantity(value, unit)
            try:
                total = q if total is None else total + q
            except (pint.DimensionalityError, pint.OffsetUnitCalculusError):  # "2 hours and 3 miles"
                return None
            said.append(self.say(q))
        return total, " and ".join(said)

    def say(self, q: pint.Quantity) -> str:
        """"37.8 degrees Celsius", "1 pound", "96.6 kilometers per hour"."""
        value = float(q.magnitude)
        return f"{spoken_numbers.say(value)} {unit_name(q.units, plural=spoken_numbers.say(value) != '1')}"


def unit_name(unit: pint.Unit, plural: bool) -> str:
    """How a unit is said: "degrees Celsius", "miles per hour", "cubic meters"."""
    over = str(unit).replace("_per_", " / ").split(" / ")
    words = [_power_words(side).replace("_", " ") for side in over]
    if plural:
        words[0] = _plural(words[0])
    return " per ".join(words)


def _power_words(side: str) -> str:
    name, _, power = side.partition(" ** ")
    return {"2": f"square {name}", "3": f"cubic {name}"}.get(power, name)


def _plural(name: str) -> str:
    """English plural of a unit name: "degree Celsius" grows on its first word, the rest on the last."""
    first, _, rest = name.partition(" ")
    if first == "degree":
        return f"degrees {rest}".strip()
    head, _, last = name.rpartition(" ")
    if last in _IRREGULAR:
        last = _IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")) and last not in ("celsius", "hertz"):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last not in ("celsius", "hertz", "kelvin"):
        last += "s"
    return f"{head} {last}".strip()

