"""Spoken names for symbols; emoji become marker words that espeak-ng names later."""
from __future__ import annotations

import unicodedata

import regex

# Emoji (and arrows, (c), (R), TM, section signs) are said the way Misaki says them:
# espeak-ng's CLDR name for the character ("party popper", "right arrow", "high
# voltage"). The normaliser leaves a marker token that carries the code points; the
# pipeline asks espeak for the name. Two corrections on Misaki: variation selectors
# and skin tones are dropped before asking (espeak truncates "red heart" to "red"
# and turns a toned thumbs-up into "thumbs medium"), and a run of the same emoji is
# named once (espeak says "face face" for two crying-laughing faces).
EMOJI_OPEN, EMOJI_CLOSE, _CP_SEP = '\ue002', '\ue003', '\ue020'
_NIBBLE = 0xE010
ESPEAK_SYMBOLS = frozenset('©®™§¶→←↔↑↓')

SYMBOL_WORDS = {
    '&': ' and ', '+': ' plus ', '=': ' equals ', '@': ' at ', '%': ' percent ',
    '±': ' plus or minus ', '×': ' times ', '÷': ' divided by ', '≈': ' approximately ',
    '≠': ' not equal to ', '≤': ' less than or equal to ', '≥': ' greater than or equal to ',
    '<': ' less than ', '>': ' greater than ', '°': ' \ue000degrees ', '~': ' ',
    '\\': ' \ue000backslash ', '#': ' hash ', '$': ' dollars ', '€': ' euros ', '£': ' pounds ',
    '¥': ' yen ', '¢': ' cents ', '^': ' ', '*': ' ', '|': ', ', '_': ' ', '•': ', ', '·': ' ',
    '⇒': ' — ', '–': ' — ', '‒': ' — ', '―': ' — ',
    '⁄': '/', '‰': ' per mille ', '√': ' square root of ', '∞': ' infinity ', 'π': ' pi ',
    'µ': ' micro ', 'Ω': ' ohms ', '′': "'", '″': '"',
}

_EMOJI = regex.compile(r'\p{Regional_Indicator}{2}'
                       r'|[\p{Extended_Pictographic}\p{Emoji_Presentation}\u2190-\u21ff\u2600-\u27bf©®™§¶]'
                       r'(?:[\ufe0e\ufe0f\p{Emoji_Modifier}\u20e3]|\u200d[\p{Extended_Pictographic}\u2640\u2642])*')
_SYMBOLS = regex.compile('|'.join(regex.escape(k) for k in sorted(SYMBOL_WORDS, key=len, reverse=True)))
_JOINERS = regex.compile(r'[\ufe0e\ufe0f\u200d\u200b\u200c\u2060\ufeff\u00ad]')
_DECORATION = regex.compile(r'[\ufe0e\ufe0f\p{Emoji_Modifier}\u20e3]')
_REPEATS = regex.compile('(' + EMOJI_OPEN + '[^' + EMOJI_CLOSE + ']+' + EMOJI_CLOSE + r')(?:\s*\1)+')


def encode_emoji(seq: str) -> str:
    """A marker word for seq that survives normalisation (private-use characters only)."""
    return EMOJI_OPEN + _CP_SEP.join(''.join(chr(_NIBBLE + int(h, 16)) for h in f'{ord(c):x}')
                                     for c in seq) + EMOJI_CLOSE


def decode_emoji(marker: str) -> str:
    body = marker.strip(EMOJI_OPEN + EMOJI_CLOSE)
    return ''.join(chr(int(''.join(f'{ord(n) - _NIBBLE:x}' for n in cp), 16))
                   for cp in body.split(_CP_SEP) if cp)


def _emoji(m: regex.Match) -> str:
    seq = _DECORATION.sub('', m.group(0)).strip('\u200d')
    if not seq:
        return ' '
    if seq in SYMBOL_WORDS and seq not in ESPEAK_SYMBOLS:
        return SYMBOL_WORDS[seq]
    return f' {encode_emoji(seq)} '


def replace_emoji(text: str) -> str:
    text = _EMOJI.sub(_emoji, text)
    if EMOJI_OPEN in text:
        text = _REPEATS.sub(r'\1', text)
    return _JOINERS.sub('', text)


def replace_symbols(text: str) -> str:
    return _SYMBOLS.sub(lambda m: SYMBOL_WORDS[m.group(0)], text)


def is_letter_or_mark(c: str) -> bool:
    return unicodedata.category(c)[0] in 'LM'
