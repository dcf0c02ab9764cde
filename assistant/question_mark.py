"""Give a transcript its capital letter and question mark back before the LLM reads it.

Whisper sometimes writes a question as "who painted the mona lisa." and SmolLM2 then echoes the
statement instead of answering it. Only the LLM's input is changed; what was heard stays as heard.
"""
from __future__ import annotations

import re

# Words a spoken question starts with. "have", "may" and "must" are left out: "have a look" and
# "may the best one win" start as often as a question does, and a wrong "?" misleads more than none.
_ASKING = {
    "who", "whom", "whose", "what", "when", "where", "why", "how", "which",
    "is", "are", "am", "was", "were", "can", "could", "do", "does", "did", "will", "would", "should",
    "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't", "don't", "doesn't", "didn't",
    "won't", "wouldn't", "shouldn't",
    "what's", "who's", "where's", "when's", "why's", "how's",
}
_FIRST_WORD = re.compile(r"[\w']+")
_END = re.compile(r"[.!?…]+$")


def restore_question(text: str) -> str:
    """"who painted the mona lisa." -> "Who painted the mona lisa?"; statements only get the capital."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    first = _FIRST_WORD.match(text.replace("’", "'"))
    if first and first.group().lower() in _ASKING and not text.endswith(("?", "!")):
        text = _END.sub("", text).rstrip() + "?"
    return text
