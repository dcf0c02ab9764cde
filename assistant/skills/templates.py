"""Sentence templates in Home Assistant's hassil syntax, matched against a transcript.

    "<ask> {a} (times|multiplied by) {b}"

`(a|b)` is a choice, `[word]` is optional, `<rule>` expands a shared rule, and `{slot}` takes any
words: the skill reads those itself (a number, an amount, a unit). hassil ignores case and
punctuation, so "What is 12 times 11?" and "what is 12 times 11." match alike.
"""
from __future__ import annotations

import re
from typing import Iterator

from hassil import Intents, recognize_all

_SLOT = re.compile(r"\{(\w+)\}")


class Templates:
    """One skill's intents, each a list of templates; `rules` are shared `<name>` expansions."""

    def __init__(self, intents: dict[str, list[str]], rules: dict[str, str] | None = None) -> None:
        every = " ".join(t for templates in intents.values() for t in templates)
        self._intents = Intents.from_dict({
            "language": "en",
            "intents": {name: {"data": [{"sentences": templates}]} for name, templates in intents.items()},
            "lists": {slot: {"wildcard": True} for slot in set(_SLOT.findall(every))},
            "expansion_rules": rules or {},
        })

    def matches(self, text: str) -> Iterator[tuple[str, dict[str, str]]]:
        """Every reading of `text` as (intent, slot words): the skill keeps the first it can use,
        since a slot may also swallow words around it ("what is 2" for {a})."""
        for r in recognize_all(text, self._intents):
            yield r.intent.name, {name: str(e.value).strip() for name, e in r.entities.items()}
