"""The answer benchmark's scoring on hand-made heard replies: digits or words, case and punctuation
do not matter; a wrong answer scores 0. No models."""
from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("answer_score", Path(__file__).resolve().parents[1] / "scripts" / "answer_score.py")
answer_score = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(answer_score)

NOW = datetime(2026, 12, 1, 20, 5)
SPIDER = {"category": "fact", "text": "How many legs does a spider have?", "accept": ["8"]}
TIMES = {"category": "skill", "text": "What is twelve times eleven?", "accept": ["132"]}
MONA = {"category": "fact", "text": "Who painted the Mona Lisa?", "accept": ["leonardo", "vinci"]}
FEET = {"category": "skill", "text": "How many feet are in a mile?", "accept": ["5280"]}


@pytest.mark.parametrize("question, heard, points", [
    (SPIDER, "A spider has eight legs.", 1),
    (SPIDER, "A SPIDER HAS 8 LEGS!", 1),
    (SPIDER, "Spiders have six legs.", 0),
    (SPIDER, "It has 18 legs.", 0),                          # a number containing the answer is not it
    (TIMES, "Twelve times eleven is one hundred thirty-two.", 1),
    (TIMES, "12 times 11 is 132.", 1),
    (TIMES, "12 times 11 is 131.", 0),
    (MONA, "It was painted by Leonardo da Vinci.", 1),
    (MONA, "leonardo, da vinci", 1),
    (MONA, "Michelangelo painted it.", 0),
    (FEET, "1 mile is 5,280 feet.", 1),
    (FEET, "One mile is five thousand two hundred and eighty feet.", 1),
    ({"expect": "time"}, "It's 8:05 PM.", 1),
    ({"expect": "time"}, "It's 8.05pm.", 1),
    ({"expect": "time"}, "It is eight oh five p.m.", 1),
    ({"expect": "time"}, "It's 8 0 5 PM.", 1),                # Whisper hearing "eight oh five"
    ({"expect": "time"}, "It's 8 0 15 PM.", 0),
    ({"expect": "time"}, "It's 8:15 PM.", 0),
    ({"expect": "date"}, "Today is Tuesday, December 1st, 2026.", 1),
    ({"expect": "date"}, "Today is Tuesday, December first.", 1),
    ({"expect": "date"}, "Today is November 1st.", 0),
    ({"expect": "weekday"}, "Today is tuesday.", 1),
    ({"expect": "sentence"}, "I am doing well, thanks!", 1),
    ({"expect": "sentence"}, "Hmm.", 0),
    ({"expect": "sentence"}, "", 0),
])
def test_heard_replies_are_scored_whatever_their_spelling(question, heard, points):
    assert answer_score.score(question, heard, NOW) == points


def test_number_words_and_digits_normalise_alike():
    assert answer_score.normalise("Two to the power of ten is 1,024.") == answer_score.normalise(
        "two to the power of ten is one thousand twenty-four")
