"""Integers as English words: cardinals, ordinals, years, digit strings."""
from __future__ import annotations

_ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
         'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen',
         'eighteen', 'nineteen']
_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']
_SCALES = [(10 ** 15, 'quadrillion'), (10 ** 12, 'trillion'), (10 ** 9, 'billion'),
           (10 ** 6, 'million'), (1000, 'thousand')]
_ORD_IRREGULAR = {'one': 'first', 'two': 'second', 'three': 'third', 'five': 'fifth',
                  'eight': 'eighth', 'nine': 'ninth', 'twelve': 'twelfth'}
DIGITS = _ONES[:10]

# Beyond this, reading a cardinal is useless to a listener; read digits instead.
MAX_CARDINAL = 10 ** 18


def _under_1000(n: int) -> list[str]:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], 'hundred']
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10])
        if n % 10:
            words.append(_ONES[n % 10])
    elif n or not words:
        words.append(_ONES[n])
    return words


def cardinal(n: int) -> list[str]:
    """123 -> ['one', 'hundred', 'twenty', 'three'] (American: no 'and')."""
    if n < 0:
        return ['minus'] + cardinal(-n)
    if n >= MAX_CARDINAL:
        return digits(str(n))
    if n < 1000:
        return _under_1000(n)
    words: list[str] = []
    for value, name in _SCALES:
        if n >= value:
            words += cardinal(n // value) + [name]
            n %= value
    if n:
        words += _under_1000(n)
    return words


def ordinal(n: int) -> list[str]:
    words = cardinal(n)
    last = words[-1]
    if last in _ORD_IRREGULAR:
        words[-1] = _ORD_IRREGULAR[last]
    elif last.endswith('y'):
        words[-1] = last[:-1] + 'ieth'
    else:
        words[-1] = last + 'th'
    return words


def plural(words: list[str]) -> list[str]:
    """'the 1850s', 'in her 30s': pluralise the last number word."""
    words = list(words)
    last = words[-1]
    words[-1] = last[:-1] + 'ies' if last.endswith('y') else (last + 'es' if last.endswith('x') else last + 's')
    return words


def year(n: int) -> list[str]:
    """1999 -> nineteen ninety nine; 2004 -> two thousand four; 1204 -> twelve oh four."""
    if n < 1000 or n > 9999:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if n % 1000 == 0 or (2000 <= n <= 2009):
        return cardinal(n)
    if lo == 0:
        return cardinal(hi) + ['hundred']
    if lo < 10:
        return cardinal(hi) + ['oh'] + cardinal(lo)
    return cardinal(hi) + cardinal(lo)


def digits(s: str) -> list[str]:
    return [DIGITS[int(c)] for c in s if c.isdigit()]


def decimal(int_part: str, frac: str) -> list[str]:
    """'3', '14' -> three point one four (fraction digits one by one)."""
    words = cardinal(int(int_part)) if int_part else ['zero']
    return words + ['\ue000point'] + digits(frac) if frac else words
