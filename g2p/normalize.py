"""Written text -> speakable text: every digit, symbol and abbreviation becomes words.

The order matters: markup first, then things whose punctuation would confuse later
steps (URLs, e-mails, abbreviations), then numbers, then leftover symbols.
"""
from __future__ import annotations

import unicodedata

import regex

from .abbreviations import expand_abbreviations
from .markdown import strip_markdown
from .quantities import expand_numbers
from .symbols import replace_emoji, replace_symbols
from .web import expand_web

_PRIVATE = regex.compile(r'[\p{Co}\p{Cs}\p{Cn}]')
_CONTROL = regex.compile(r'[\p{Cc}\p{Cf}&&[^\n\t]]', regex.V1)
_SPACES = regex.compile(r'[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+')
_APOS_IN_WORD = regex.compile(r"(?<=\w)[’‘`´](?=\w)|(?<=\w)[’‘](?=\s|$|[,.;:!?])|(?<=\s|^)[’‘](?=\d)")
_SINGLE_QUOTED = regex.compile(r"(?<![\w])['‘’]((?:[^'‘’\n]|(?<=\w)['‘’](?=\w))+?)['‘’](?![\w])")
_DOUBLE = regex.compile(r'"')
_ELLIPSIS = regex.compile(r'\.{3,}|…+')
_DASHES = regex.compile(r'\s*(?:--+|—+|―)\s*|\s+[-–]\s+')
_BRACKETS = str.maketrans({'[': '(', ']': ')', '{': '(', '}': ')', '«': '“', '»': '”', '„': '“',
                           '‟': '“', '〈': '(', '〉': ')', '⟨': '(', '⟩': ')'})
# Private-use \ue000-\ue0ff are the normaliser's own markers (user text loses its
# private-use characters first): internal words, glue between the parts of an
# address, emoji code points.
_LEFTOVER = regex.compile(r"[^\p{L}\p{M}\d\s'.,;:!?—…\"()“”\-\ue000-\ue0ff]")
_DUP_HASHTAG = regex.compile(r'\bhashtag\s+hashtag\b', regex.I)
_ANY_DIGIT = regex.compile(r'[\d\p{No}]')  # regex's Unicode may be newer than unicodedata's
_WORD_SLASH = regex.compile(r'(?<=\p{L})/(?=\p{L})')


def _curly_doubles(text: str) -> str:
    # Straight quotes alternate open/close; Kokoro learned the curly pair.
    out = []
    opening = True
    for part in _DOUBLE.split(text):
        out.append(part)
        out.append('“' if opening else '”')
        opening = not opening
    return ''.join(out[:-1])


def _ascii_numerals(text: str) -> str:
    # Every later pattern assumes ASCII digits; other scripts' digits, superscripts
    # and vulgar fractions are rewritten to them (½ -> 1/2, ² -> 2, ٣ -> 3).
    out = []
    for c in text:
        if c.isdigit() or unicodedata.category(c) == 'No' or _ANY_DIGIT.match(c):
            if '0' <= c <= '9':
                out.append(c)
                continue
            d = unicodedata.decimal(c, None)
            if d is not None:
                out.append(str(d))
                continue
            k = unicodedata.normalize('NFKC', c).replace('\u2044', '/')
            out.append(k if k.isascii() else ' ')
        else:
            out.append(c)
    return ''.join(out)


def normalize(text: str) -> str:
    text = unicodedata.normalize('NFC', text)
    if not text.isascii():
        text = _ascii_numerals(text)
    text = _PRIVATE.sub('', text)
    text = text.replace('\r', '\n').replace('\t', ' ')
    text = strip_markdown(text)
    text = replace_emoji(text)
    text = _CONTROL.sub('', text)
    text = _APOS_IN_WORD.sub("'", text)
    text = _SINGLE_QUOTED.sub(lambda m: '“' + m.group(1) + '”', text)
    text = text.replace('’', "'").replace('‘', "'")
    if '"' in text:
        text = _curly_doubles(text)
    text = text.translate(_BRACKETS)
    text = _ELLIPSIS.sub('…', text)
    text = expand_web(text)
    text = _DUP_HASHTAG.sub('hashtag', text)
    text = expand_abbreviations(text)
    text = expand_numbers(text)
    text = _DASHES.sub(' — ', text)
    text = _WORD_SLASH.sub(' or ', text)
    text = replace_symbols(text)
    text = _LEFTOVER.sub(' ', text)
    return _SPACES.sub(' ', text).strip()
