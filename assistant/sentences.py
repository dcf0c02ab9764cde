"""Cut a stream of LLM text pieces into sentences as soon as each one is complete."""
from __future__ import annotations

import re

# A sentence ends at . ! ? or … (plus any closing quotes/brackets) followed by white space.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s)|\n+""")
# Words whose trailing period does not end a sentence.
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "sr", "jr", "prof", "vs", "etc", "e.g", "i.e", "no",
           "approx", "dept", "est", "fig", "inc", "ltd", "co", "mt", "ft", "jan", "feb", "mar",
           "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "u.s"}


def _is_false_end(text: str, end: int) -> bool:
    """True when the period just before `end` belongs to an abbreviation or an initial."""
    word = re.search(r"(\S+)\.$", text[:end])
    if not word:
        return False
    w = word.group(1).lower().lstrip("(\"'“")
    return w in _ABBREV or (len(w) == 1 and w.isalpha())


class SentenceCutter:
    def __init__(self) -> None:
        self._buf = ""

    def push(self, piece: str) -> list[str]:
        """Add a piece of text; return the sentences it completed."""
        self._buf += piece
        out = []
        start = 0
        for m in _END.finditer(self._buf):
            if m.group().startswith(".") and _is_false_end(self._buf, m.start() + 1):
                continue
            sentence = self._buf[start:m.end()].strip()
            if sentence:
                out.append(sentence)
            start = m.end()
        self._buf = self._buf[start:]
        return out

    def flush(self) -> list[str]:
        rest, self._buf = self._buf.strip(), ""
        return [rest] if rest else []
