"""Split normalised text into words and the punctuation Kokoro uses for prosody."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex

_TOKEN = regex.compile(
    r"(?P<acr>(?:\p{L}\.){2,}|\p{Lu}\.(?=\s|$))"            # U.S., a.m., single initial "B."
    r"|(?P<emoji>\ue002[\ue010-\ue020]+\ue003)"                # emoji marker (see symbols.py)
    r"|(?P<word>[\p{L}\p{M}\ue000'](?:[\p{L}\p{M}'\-\ue000\ue001]*[\p{L}\p{M}'])?)"
    r"|(?P<punct>[;:,.!?—…\"()“”])")


@dataclass
class Token:
    text: str
    kind: str              # 'word', 'acronym', 'emoji' or 'punct'
    space_before: bool
    phonemes: Optional[str] = None
    tag: Optional[str] = None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    last = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        s = m.group(0)
        if kind == 'word':
            s = s.strip('-')
            if s.strip("'") == '':
                continue
            if s.startswith("'") and not s[1:2].isalpha():
                s = s.lstrip("'")
        tokens.append(Token(s, 'acronym' if kind == 'acr' else kind, m.start() > last))
        last = m.end()
    return tokens
