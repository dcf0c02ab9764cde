"""Numbers as Whisper writes them, and as our G2P reads them back.

`digits` turns a transcript into one the skills' templates can match: lower case, number words as
digits ("twenty-one" -> "21", via text2num), and operator symbols as words ("12 x 11" ->
"12 times 11"). `number` reads one operand; `say` writes a result so it is spoken well.
"""
from __future__ import annotations

import math
import re

from text_to_num import find_numbers

# A word, a written number, or one mark: text2num needs the marks to keep "twenty, one" apart.
_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*|\d+(?:\.\d+)?|[^\s\w]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUM = r"-?\d+(?:\.\d+)?"
# Operator symbols between two numbers, as the words the templates use.
_SYMBOLS = [
    (re.compile(rf"(?<=\d)\s*[x×*]\s*(?={_NUM})"), " times "),
    (re.compile(rf"(?<=\d)\s*[÷/]\s*(?={_NUM})"), " divided by "),
    (re.compile(rf"(?<=\d)\s*\+\s*(?={_NUM})"), " plus "),
    (re.compile(r"(?<=\d)\s+-\s*(?=\d)|(?<=\d)-(?=\d)"), " minus "),
    (re.compile(rf"(?<=\d)\s*\^\s*(?={_NUM})"), " to the power of "),
    (re.compile(r"√\s*"), "square root of "),
    (re.compile(r"\s*%"), " percent"),
    (re.compile(r"\s*°\s*c\b"), " degrees celsius"),
    (re.compile(r"\s*°\s*f\b"), " degrees fahrenheit"),
]
_OPERAND = re.compile(rf"(?:(minus|negative)\s+)?(?:an?\s+)?({_NUM})")
_BIGGEST = 1e15  # beyond this a number is said as a power of ten: digits this long are not listened to


class _Word:
    """One token in text2num's Token protocol."""

    def __init__(self, text: str) -> None:
        self._text = text

    def text(self) -> str:
        return self._text

    def nt_separated(self, previous: "_Word") -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return False


def digits(text: str) -> str:
    """The transcript in lower case, its number words as digits and its operator symbols as words."""
    text = _THOUSANDS.sub("", text.lower().replace("’", "'"))
    spans = [m.span() for m in _TOKEN.finditer(text)]
    try:
        found = find_numbers([_Word(text[a:b]) for a, b in spans], "en", 0)
    except ValueError:  # text2num gave up on this text: keep its words as they are
        found = []
    # Ordinals stay words: "a second" is a unit, not "a 2nd".
    for occ in sorted((o for o in found if not o.is_ordinal), key=lambda o: -o.start):
        text = text[:spans[occ.start][0]] + occ.text + text[spans[occ.end - 1][1]:]
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    return " ".join(text.split())


def number(words: str) -> float | None:
    """The value of one spoken operand ("12", "-5", "minus 2.5", "a 100"), or None."""
    m = _OPERAND.fullmatch(words.strip())
    if not m:
        return None
    value = float(m.group(2))
    if not math.isfinite(value):  # 400 digits are no number a float can hold
        return None
    return -value if m.group(1) else value


def say(x: float) -> str:
    """`x` (finite) as our G2P reads it well: "132", "1,024", "37.8", "-2", "1.27 times 10 to the power of 30".

    Whole numbers keep every digit (with thousands separators: "1024" alone reads as a year);
    others keep three significant digits, and at least the whole part.
    """
    if abs(x) >= _BIGGEST:
        exponent = math.floor(math.log10(abs(x)))
        return f"{say(x / 10 ** exponent)} times 10 to the power of {exponent}"
    if x == round(x):
        return f"{int(round(x)):,}"
    places = max(0, 2 - math.floor(math.log10(abs(x))))
    rounded = round(x, places)
    if rounded == round(rounded):  # 1999.9999999999998 litres are 2,000
        return say(rounded) if rounded else "0"
    return f"{rounded:,.{places}f}".rstrip("0")
