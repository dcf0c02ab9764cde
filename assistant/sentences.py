"""Cut a stream of LLM text pieces into sentences as soon as each one is complete."""
from __future__ import annotations

import re

# A sentence ends at . ! ? or … (plus any closing quotes/brackets) followed by white space.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s)|\n+""")
_FINAL = re.compile(r"""[.!?…]+["'”’)\]]*$""")  # the same, at the very end of the text
# A clause ends at , ; : or — followed by white space: the first chunk of a reply may end there.
_CLAUSE_MARKS = ",;:—"
_CLAUSE = re.compile(f"[{_CLAUSE_MARKS}]+(?=\\s)")
# Words that open a new phrase: a first chunk with no comma may end just before one.
_JOINERS = {"and", "but", "or", "so", "because", "that", "which", "who", "where", "when", "while",
            "with", "without", "to", "for", "in", "on", "at", "of", "from", "about", "after", "before",
            "like", "than", "if", "since", "until", "as", "by", "into", "through"}
# Words whose trailing period does not end a sentence.
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "sr", "jr", "prof", "vs", "etc", "e.g", "i.e", "no",
           "approx", "dept", "est", "fig", "inc", "ltd", "co", "mt", "ft", "jan", "feb", "mar",
           "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "u.s"}


def _is_joiner(word: str) -> bool:
    return word.lower().strip("\"'“”‘’") in _JOINERS


def _is_false_end(text: str, end: int) -> bool:
    """True when the period just before `end` belongs to an abbreviation or an initial."""
    word = re.search(r"(\S+)\.$", text[:end])
    if not word:
        return False
    w = word.group(1).lower().lstrip("(\"'“")
    return w in _ABBREV or (len(w) == 1 and w.isalpha())


class SentenceCutter:
    """Emits each sentence as soon as it is complete.

    With `first_min_words`, the first chunk may end early at a clause mark once it has
    that many words: the listener hears the reply start while its first sentence is
    still being written. With `first_max_words` too, a first sentence without a comma
    by then ends its first chunk before a phrase-opening word ("The moon is a mysterious |
    and beautiful body..."): its synthesis time is what the listener waits for. Later
    chunks are whole sentences, which sound more natural.
    """

    def __init__(self, first_min_words: int = 0, first_max_words: int = 0) -> None:
        self._buf = ""
        self._first_min_words = first_min_words
        self._first_max_words = first_max_words
        self._emitted = 0

    def push(self, piece: str) -> list[str]:
        """Add a piece of text; return the chunks it completed."""
        self._buf += piece
        out = []
        start = 0
        for m in _END.finditer(self._buf):
            if m.group().startswith(".") and _is_false_end(self._buf, m.start() + 1):
                continue
            start = self._emit(out, start, m.end())
        if not self._emitted and self._first_min_words:
            for m in _CLAUSE.finditer(self._buf, start):
                if len(self._buf[start:m.end()].split()) >= self._first_min_words:
                    start = self._emit(out, start, m.end())
                    break
        if not self._emitted and self._first_max_words:
            cut = self._phrase_break(self._buf[start:])
            if cut is not None:
                start = self._emit(out, start, start + cut)
        self._buf = self._buf[start:]
        return out

    def _phrase_break(self, text: str) -> int | None:
        """Offset of the first complete joiner word at word index min..max, if any."""
        for i, m in enumerate(re.finditer(r"\S+(?=\s)", text)):
            if i > self._first_max_words:
                break
            if i >= max(self._first_min_words, 1) and _is_joiner(m.group()):
                return m.start()
        return None

    def _emit(self, out: list[str], start: int, end: int) -> int:
        chunk = self._buf[start:end].strip()
        if chunk:
            out.append(chunk)
            self._emitted += 1
        return end

    @property
    def pending(self) -> str:
        """The text of the sentence still being written."""
        return self._buf

    def let_go(self, min_words: int = 3) -> list[str]:
        """The pending sentence's head as a chunk of its own, cut after its last clause mark, else
        before its last phrase-opening word, with at least `min_words` words; [] when it has no
        such place yet. For when playback would run dry before the sentence is written."""
        if not self._emitted:
            return []  # a first chunk has its own rules (first_min_words, first_max_words)
        words = list(re.finditer(r"\S+(?=\s)", self._buf))  # complete words only
        clause = joiner = None
        for i in range(min_words, len(words) + 1):
            if words[i - 1].group()[-1] in _CLAUSE_MARKS:
                clause = words[i - 1].end()
            if i < len(words) and _is_joiner(words[i].group()):
                joiner = words[i].start()
        cut = clause if clause is not None else joiner
        if cut is None:
            return []
        out: list[str] = []
        self._buf = self._buf[self._emit(out, 0, cut):]
        return out

    def phrase(self, text: str) -> list[str]:
        """`text` as a chunk of its own, after what was pending: the writer knows where its phrase ends."""
        out: list[str] = []
        for chunk in (self._buf, text):
            self._buf = chunk
            self._emit(out, 0, len(chunk))
        self._buf = ""
        return out

    def flush(self, cut_short: bool = False) -> list[str]:
        """The rest of the text once the reply has ended. When it was `cut_short` (the LLM hit its
        token cap), an unfinished last sentence is dropped: half a sentence, maybe half a word,
        reads as a fault. A reply that is all one unfinished sentence keeps what it has up to its
        last clause mark, ended with a period, so there is still an answer."""
        rest, self._buf = self._buf.strip(), ""
        if cut_short and rest and not ends_sentence(rest):
            rest = "" if self._emitted else _up_to_last_clause(rest)
        return [rest] if rest else []


def ends_sentence(text: str) -> bool:
    m = _FINAL.search(text)
    return bool(m) and not (m.group().startswith(".") and _is_false_end(text, m.start() + 1))


def _up_to_last_clause(text: str) -> str:
    marks = list(_CLAUSE.finditer(text + " "))
    return text[:marks[-1].start()].rstrip() + "." if marks else ""


def split_to_fit(text: str, max_chars: int, min_words: int = 3) -> tuple[str, str]:
    """(head, tail): `text` cut where a phrase ends so that the head has at most `max_chars`
    characters and each side at least `min_words` words: after the last clause mark that fits,
    else before the last phrase-opening word that fits. (text, "") when it fits whole or has no
    such place: a sentence is better spoken whole than cut inside a phrase."""
    if len(text) <= max_chars:
        return text, ""
    words = list(re.finditer(r"\S+", text))
    best, best_is_clause = None, False
    for i in range(min_words, len(words) - min_words + 1):
        m = words[i]
        if m.start() > max_chars + 1:
            break
        clause = words[i - 1].group()[-1] in _CLAUSE_MARKS
        if clause or (not best_is_clause and _is_joiner(m.group())):
            best, best_is_clause = m.start(), clause
    if best is None:
        return text, ""
    return text[:best].rstrip(), text[best:].lstrip()
