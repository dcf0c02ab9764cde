"""The LLM reads questions with their capital letter and question mark restored."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from assistant.question_mark import restore_question


@pytest.mark.parametrize("heard, asked", [
    ("who painted the mona lisa.", "Who painted the mona lisa?"),
    ("what is the capital of france", "What is the capital of france?"),
    ("how are you...", "How are you?"),
    ("what’s the time.", "What’s the time?"),
    ("is it raining", "Is it raining?"),
    ("Does it hurt?", "Does it hurt?"),
    ("tell me a story about a cat.", "Tell me a story about a cat."),  # a request, not a question
    ("what a lovely day!", "What a lovely day!"),                      # an exclamation stays one
    ("whoever said that was right.", "Whoever said that was right."),  # a word that only starts like one
    ("  ", ""),
])
def test_questions_get_their_capital_and_question_mark(heard, asked):
    assert restore_question(heard) == asked


_STARTS = st.sampled_from(["who", "what", "when", "where", "why", "how", "is", "are", "can", "do", "does",
                           "did", "will", "would", "could", "should", "which"])
_WORDS = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz'", min_size=1, max_size=8), max_size=8)


@given(_STARTS, _WORDS, st.sampled_from(["", ".", "..", " .", "?", "!"]))
def test_a_question_always_ends_with_one_question_mark_or_keeps_its_exclamation(start, words, end):
    asked = restore_question(" ".join([start, *words]) + end)
    assert asked[0] == start[0].upper()
    assert asked.endswith("!") if end == "!" else (asked.endswith("?") and not asked.endswith("??"))
    assert asked[:-1].rstrip(" .?!") == " ".join([start.capitalize(), *words]).rstrip(" .?!")


def _tail_off(text: str) -> str:
    return re.sub(r"[\s.?!…]+$", "", text)


@given(st.text())
def test_only_the_first_letter_and_the_end_ever_change_and_twice_is_once(text):
    asked = restore_question(text)
    assert restore_question(asked) == asked
    core = text.strip()
    if core:
        head = core[0].upper()
        assert asked.startswith(head) and _tail_off(asked[len(head):]) == _tail_off(core[1:])
