"""Spoken names for symbols and a small, deliberate set of emoji.

Emoji that carry content (weather, objects) get a short name; faces and decoration
are dropped, because "face with tears of joy" read aloud helps nobody.
"""
from __future__ import annotations

import unicodedata

import regex

EMOJI_NAMES = {
    '☀': 'sun', '🌞': 'sun', '🌤': 'sun behind cloud', '⛅': 'sun behind cloud', '☁': 'cloud',
    '🌥': 'cloud', '🌦': 'sun and rain', '🌧': 'rain', '⛈': 'thunderstorm', '🌩': 'lightning',
    '🌨': 'snow', '❄': 'snowflake', '☃': 'snowman', '⛄': 'snowman', '🌪': 'tornado',
    '🌫': 'fog', '🌈': 'rainbow', '☔': 'umbrella', '☂': 'umbrella', '🌡': 'thermometer',
    '💨': 'wind', '🌊': 'wave', '⚡': 'lightning', '🔥': 'fire', '💧': 'droplet', '🌙': 'moon',
    '⭐': 'star', '🌟': 'star', '✨': '', '🎉': '', '🎊': '', '🥳': '',
    '📦': 'package', '📧': 'email', '📞': 'phone', '☎': 'phone', '📱': 'phone', '💻': 'laptop',
    '🖥': 'computer', '⌚': 'watch', '⏰': 'alarm clock', '⏱': 'stopwatch', '⏳': 'hourglass',
    '📅': 'calendar', '📆': 'calendar', '📍': 'pin', '📌': 'pin', '🔑': 'key', '🔒': 'locked',
    '🔓': 'unlocked', '💡': 'idea', '📝': 'note', '📚': 'books', '📖': 'book', '🎵': 'music',
    '🎶': 'music', '🎂': 'birthday cake', '🎁': 'gift', '🍕': 'pizza', '☕': 'coffee',
    '🍺': 'beer', '🍷': 'wine', '🚗': 'car', '🚕': 'taxi', '🚌': 'bus', '🚆': 'train',
    '🚇': 'metro', '✈': 'airplane', '🚲': 'bicycle', '🏠': 'home', '🏥': 'hospital',
    '💰': 'money', '💵': 'money', '💳': 'credit card', '🛒': 'shopping cart', '🐶': 'dog',
    '🐱': 'cat', '❤': 'love', '💔': 'broken heart', '⚠': 'warning', '❗': '', '❓': '',
    '✅': '', '☑': '', '✔': '', '❌': '', '✖': '', '👍': '', '👎': '', '👏': '', '🙏': '',
    '💪': '', '👋': '', '👉': '', '👈': '', '👆': '', '👇': '', '🚀': '', '💯': '',
}

SYMBOL_WORDS = {
    '&': ' and ', '+': ' plus ', '=': ' equals ', '@': ' at ', '%': ' percent ',
    '±': ' plus or minus ', '×': ' times ', '÷': ' divided by ', '≈': ' approximately ',
    '≠': ' not equal to ', '≤': ' less than or equal to ', '≥': ' greater than or equal to ',
    '<': ' less than ', '>': ' greater than ', '°': ' degrees ', '©': ' copyright ',
    '®': ' registered ', '™': ' trademark ', '§': ' section ', '~': ' tilde ',
    '\\': ' backslash ', '#': ' hash ', '$': ' dollars ', '€': ' euros ', '£': ' pounds ',
    '¥': ' yen ', '¢': ' cents ', '^': ' ', '*': ' ', '|': ', ', '_': ' ', '•': ', ', '·': ' ',
    '→': ' — ', '⇒': ' — ', '←': ' — ', '↔': ' — ', '–': ' — ', '‒': ' — ', '―': ' — ',
    '⁄': '/', '‰': ' per mille ', '√': ' square root of ', '∞': ' infinity ', 'π': ' pi ',
    'µ': ' micro ', 'Ω': ' ohms ', '′': "'", '″': '"',
}

_EMOJI = regex.compile(r'[\p{Extended_Pictographic}\p{Emoji_Presentation}\u2190-\u21ff\u2600-\u27bf]'
                       r'[\ufe0e\ufe0f\u200d\p{Emoji_Modifier}\p{Extended_Pictographic}\u20e3]*')
_SYMBOLS = regex.compile('|'.join(regex.escape(k) for k in sorted(SYMBOL_WORDS, key=len, reverse=True)))
_JOINERS = regex.compile(r'[\ufe0e\ufe0f\u200d\u200b\u200c\u2060\ufeff\u00ad]')


def _emoji(m: regex.Match) -> str:
    seq = m.group(0)
    base = seq[0]
    if base in SYMBOL_WORDS:
        return SYMBOL_WORDS[base]
    name = EMOJI_NAMES.get(base)
    if name is None:
        return ' '
    # Repeated emoji ("😂😂", "🔥🔥🔥") are decoration: say the name once.
    return f' {name} ' if name else ' '


def replace_emoji(text: str) -> str:
    text = _EMOJI.sub(_emoji, text)
    text = regex.sub(r'\b(\w+) (?:\1 )+', r'\1 ', text) if '  ' in text else text
    return _JOINERS.sub('', text)


def replace_symbols(text: str) -> str:
    return _SYMBOLS.sub(lambda m: SYMBOL_WORDS[m.group(0)], text)


def is_letter_or_mark(c: str) -> bool:
    return unicodedata.category(c)[0] in 'LM'
