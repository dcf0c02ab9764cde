"""Scoring for the answer benchmark: does what Whisper heard of a reply hold an accepted answer?

Both sides are normalised alike (lower case, no punctuation, number words as digits), so "Eight.",
"8" and "eight legs" all match the keyword "8"; word errors (for the echo and ASR benches) are
counted on the same normalised words. Loaded by scripts/bench_*.py and their tests; it needs only
text2num (and jiwer for word errors), no models.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from text_to_num import alpha2digit

SENTENCE_WORDS = 3  # a chat reply this long counts as a full sentence


def normalise(text: str) -> list[str]:
    """Lower-case tokens with number words as digits; "1,024" -> "1024", "8:05"/"8.05" -> "8 5"."""
    text = text.lower().replace("%", " percent ").replace("°", " degrees ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)       # thousands separators
    text = re.sub(r"[-–—]", " ", text)                    # "thirty-two", "forty—four"
    text = alpha2digit(text, "en", threshold=0)           # by default it leaves "two" and "zero" alone
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text)   # "1st" -> "1"
    text = re.sub(r"(?<=\d)[:.](?=\d)", " ", text)        # clock times and decimals split alike
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)  # "8.44pm", "h2o"
    tokens = re.findall(r"[a-z0-9']+", text)
    tokens = [t for i, t in enumerate(tokens)  # "eight oh five" is 8:05, and so is Whisper's "8 0 5"
              if not (t in ("oh", "0") and 0 < i < len(tokens) - 1 and tokens[i - 1].isdigit()
                      and len(tokens[i + 1]) == 1 and tokens[i + 1] in "123456789")]
    return [t.lstrip("0") or "0" if t.isdigit() else t for t in tokens]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word errors (substitutions, deletions, insertions) of `hypothesis` against `reference`, and
    the reference's word count, both normalised alike (jiwer, the test extra)."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not hyp:
        return len(ref), len(ref)
    if not ref:
        return len(hyp), 0
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return out.substitutions + out.deletions + out.insertions, len(ref)


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(tokens[i:i + n] == phrase for i in range(len(tokens) - n + 1))


def accepted(question: dict, now: datetime) -> list[str]:
    """The answers that pass: the question's own, or what its `expect` computes at `now`."""
    expect = question.get("expect")
    if expect == "time":  # the reply may have been written a minute or two before the check
        out = []
        for t in (now - timedelta(minutes=m) for m in range(3)):
            hour = (t.hour % 12) or 12
            out += [f"{hour} {t.minute}"] + ([f"{hour} o'clock", f"{hour} {t:%p}"] if t.minute == 0 else [])
        return out
    if expect == "date":
        return [f"{now:%B} {now.day}", f"{now.day} of {now:%B}"]
    if expect == "weekday":
        return [f"{now:%A}"]
    return list(question.get("accept", []))


def score(question: dict, heard_reply: str, now: datetime) -> int:
    """1 when `heard_reply` holds an accepted answer (any reply of SENTENCE_WORDS words for
    expect = "sentence"), else 0."""
    tokens = normalise(heard_reply)
    if question.get("expect") == "sentence":
        return int(len(tokens) >= SENTENCE_WORDS)
    return int(any(_contains(tokens, normalise(a)) for a in accepted(question, now)))
