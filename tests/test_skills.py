"""The local skills on their own: what they answer, what they leave to the LLM, and that no
transcript can make them raise. No models are loaded."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant import config
from assistant.errors import ConfigError
from assistant.skills import Skills
from assistant.skills.spoken_numbers import digits, number, say

NOON = datetime(2025, 12, 25, 15, 5, 9).astimezone()  # a Thursday


class Clock:
    """A clock the test moves by hand: timers are checked without sleeping."""

    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(scope="module")
def skills():
    return Skills(config.SKILL_NAMES, clock=Clock())


def ask(skills, text):
    answer = skills.answer(text)
    return None if answer is None else answer.text


# ---- numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("heard, normal", [
    ("What is twelve times eleven?", "what is 12 times 11?"),
    ("one hundred and five plus twenty-one", "105 plus 21"),
    ("12 x 11", "12 times 11"), ("12x11", "12 times 11"), ("3 * -4", "3 times -4"),
    ("7/2", "7 divided by 2"), ("5 - 3", "5 minus 3"), ("-5 + 3", "-5 plus 3"), ("2^10", "2 to the power of 10"),
    ("what is 15 % of 80", "what is 15 percent of 80"), ("1,000 plus 2,500.5", "1000 plus 2500.5"),
    ("two point five", "2.5"), ("set a timer for one second", "set a timer for 1 second"),  # not "1 2nd"
    ("What’s the time?", "what's the time?"), ("100°F", "100 degrees fahrenheit"),
])
def test_transcripts_get_digits_and_operator_words(heard, normal):
    assert digits(heard) == normal


@pytest.mark.parametrize("words, value", [
    ("12", 12), ("-5", -5), ("minus 2.5", -2.5), ("negative 3", -3), ("a 100", 100),
    ("what is 2", None), ("1.2.3", None), ("", None), ("two", None),
])
def test_an_operand_is_one_number_or_nothing(words, value):
    assert number(words) == value


@pytest.mark.parametrize("x, said", [
    (132, "132"), (1024, "1,024"), (3000.0, "3,000"), (37.7777, "37.8"), (-2, "-2"), (3.5, "3.5"),
    (8.04672, "8.05"), (1609.344, "1,609"), (0.1 + 0.2, "0.3"), (1 / 3, "0.333"), (99.96, "100"),
    (2 ** 100, "1.27 times 10 to the power of 30"),
])
def test_results_are_written_for_the_g2p_and_rounded_sensibly(x, said):
    assert say(x) == said


# ---- arithmetic -----------------------------------------------------------------------------
@pytest.mark.parametrize("question, result", [
    ("what is twelve times eleven", "132"), ("What is twelve times eleven?", "132"), ("12 x 11", "132"),
    ("twelve multiplied by eleven", "132"), ("what is 15 % of 80", "12"), ("fifteen percent of eighty", "12"),
    ("the square root of 144", "12"), ("What's the square root of 144?", "12"), ("7 divided by 2", "3.5"),
    ("2 to the power of 10", "1,024"), ("minus five plus three", "-2"), ("What is 3 minus 5?", "-2"),
    ("What is one hundred and five plus twenty-one?", "126"), ("what is 2.5 times 4", "10"),
    ("what is 1,000 times 3", "3,000"), ("What is 2 + 2?", "4"), ("what is five squared", "25"),
    ("subtract 3 from 10", "7"), ("what is 10 divided by 3", "3.33"),
])
def test_arithmetic_answers(skills, question, result):
    answer = skills.answer(question)
    assert answer is not None and answer.skill == "arithmetic", question
    assert answer.text.endswith(f" is {result}."), answer.text


def test_the_answer_repeats_the_question_in_digits(skills):
    assert ask(skills, "What is 12 times 11.") == "12 times 11 is 132."
    assert ask(skills, "the square root of one hundred forty four") == "The square root of 144 is 12."


def test_what_arithmetic_cannot_say_is_said_or_left_to_the_llm(skills):
    assert "cannot divide by zero" in ask(skills, "what is 10 divided by 0")
    assert ask(skills, "what is 10 to the power of 1000") is None  # overflows: no guess
    assert ask(skills, "what is 5 plus 3 times 2") is None  # one operation per question


def _spelled(n: int) -> str:
    """An integer as Whisper may write it out: "minus one thousand two hundred and five"."""
    ones = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
           "sixteen seventeen eighteen nineteen".split()
    tens = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
    if n < 0:
        return "minus " + _spelled(-n)
    if n < 20:
        return ones[n]
    if n < 100:
        return tens[n // 10] + ("" if n % 10 == 0 else "-" + ones[n % 10])
    if n < 1000:
        rest = n % 100
        return ones[n // 100] + " hundred" + ("" if rest == 0 else " and " + _spelled(rest))
    rest = n % 1000
    return _spelled(n // 1000) + " thousand" + ("" if rest == 0 else " " + _spelled(rest))


_OPS = {"times": lambda a, b: a * b, "plus": lambda a, b: a + b, "minus": lambda a, b: a - b,
        "divided by": lambda a, b: a / b, "percent of": lambda a, b: a / 100 * b}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.integers(-999_999, 999_999), b=st.integers(-999_999, 999_999), op=st.sampled_from(sorted(_OPS)),
       written=st.sampled_from(["words", "digits", "separators"]))
def test_any_two_numbers_spoken_or_written_give_the_right_value(skills, a, b, op, written):
    if op == "divided by" and b == 0:
        b = 7
    if op == "percent of" and a < 0:
        a = -a  # "minus five percent of" is not how anyone asks
    form = {"words": _spelled, "digits": str, "separators": lambda n: f"{n:,}"}[written]
    answer = skills.answer(f"what is {form(a)} {op} {form(b)}")
    assert answer is not None and answer.skill == "arithmetic", (a, op, b)
    assert answer.text.endswith(f" is {say(_OPS[op](a, b))}."), (a, op, b, answer.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.integers(0, 30), b=st.integers(0, 12), spoken=st.booleans())
def test_powers_spoken_or_written(skills, a, b, spoken):
    form = _spelled if spoken else str
    assert ask(skills, f"{form(a)} to the power of {form(b)}").endswith(f" is {say(float(a) ** b)}.")


# ---- units ----------------------------------------------------------------------------------
@pytest.mark.parametrize("question, result", [
    ("How many minutes are there in two hours?", "120 minutes"), ("how many minutes are in two hours", "120 minutes"),
    ("convert 5 miles to kilometers", "8.05 kilometers"), ("how many ounces in a pound", "16 ounces"),
    ("what is 100 degrees fahrenheit in celsius", "37.8 degrees Celsius"),
    ("60 miles per hour in kilometers per hour", "96.6 kilometers per hour"),
    ("how many feet are in a mile", "5,280 feet"), ("How many seconds are in a minute?", "60 seconds"),
    ("how many cups in a gallon", "16 cups"), ("what is 30 celsius in fahrenheit", "86 degrees Fahrenheit"),
    ("how many minutes in two hours and thirty minutes", "150 minutes"), ("convert 2.5 kilos to pounds", "5.51 pounds"),
    ("what is 60 mph in km/h", "96.6 kilometers per hour"), ("how many liters are in 2 cubic meters", "2,000 liters"),
])
def test_unit_conversions(skills, question, result):
    answer = skills.answer(question)
    assert answer is not None and answer.skill == "units", question
    assert answer.text.endswith(f" is {result}."), answer.text


def test_a_conversion_says_both_sides_in_words_the_g2p_reads(skills):
    assert ask(skills, "what is 100 degrees fahrenheit in celsius") == \
        "100 degrees Fahrenheit is 37.8 degrees Celsius."
    assert ask(skills, "how many ounces in a pound") == "1 pound is 16 ounces."


@pytest.mark.parametrize("question", [
    "how many miles are in an hour",        # the dimensions differ
    "how many legs are in a spider",        # not units
    "what is 90 degrees in radians",        # angles are not among the kinds it converts
    "what is the weather in paris",
])
def test_conversions_that_make_no_sense_fall_through(skills, question):
    assert skills.answer(question) is None


# ---- time and date --------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["what time is it", "What time is it?", "what's the time",
                                      "do you know what time it is", "tell me the time please"])
def test_the_time(question):
    assert ask(Skills(["time"], clock=Clock()), question) == "It's 3:05 PM."


def test_the_time_around_midnight_and_noon():
    assert ask(Skills(["time"], clock=Clock(datetime(2025, 1, 1, 0, 7))), "what time is it") == "It's 12:07 AM."
    assert ask(Skills(["time"], clock=Clock(datetime(2025, 1, 1, 12, 0))), "what time is it") == "It's 12:00 PM."


@pytest.mark.parametrize("question", ["what day is it", "what's the date today", "What day of the week is it?",
                                      "what is today's date", "what day is today"])
def test_the_date(question):
    assert ask(Skills(["date"], clock=Clock()), question) == "Today is Thursday, December 25th, 2025."


def test_the_day_of_the_week_of_christmas_is_the_next_one():
    before = Skills(["date"], clock=Clock(datetime(2025, 3, 1, 9)))
    assert ask(before, "What day of the week is Christmas?") == \
        "Christmas is on a Thursday this year, December 25th."
    after = Skills(["date"], clock=Clock(datetime(2025, 12, 26, 9)))
    assert ask(after, "what day of the week is christmas") == "Christmas is on a Friday next year, December 25th."
    assert ask(after, "what day of the week is my birthday") is None


# ---- timers ---------------------------------------------------------------------------------
def answer_and_commit(skills, text):
    answer = skills.answer(text)
    if answer.commit:
        answer.commit()
    return answer.text


def test_a_timer_counts_down_fires_once_and_is_gone():
    clock = Clock()
    skills = Skills(["timer"], clock=clock)
    assert answer_and_commit(skills, "set a timer for ten minutes") == "Timer set for 10 minutes."
    clock.advance(seconds=30)
    assert ask(skills, "how long is left") == "9 minutes and 30 seconds left."
    assert ask(skills, "How much time is left on the timer?") == "9 minutes and 30 seconds left."
    assert skills.due() == []
    clock.advance(minutes=9, seconds=29.5)
    assert ask(skills, "how long is left") == "1 second left."  # rounded up until it has ended
    clock.advance(seconds=1)
    assert skills.due() == ["Your timer for 10 minutes is done."]
    assert skills.due() == []
    assert ask(skills, "how long is left") == "There is no timer running."


def test_timers_are_cancelled_and_several_can_run():
    clock = Clock()
    skills = Skills(["timer"], clock=clock)
    answer_and_commit(skills, "set a timer for one and a half minutes")
    answer_and_commit(skills, "set a 5 minute timer")
    assert ask(skills, "how much time is left") == ("Your timer for 1 minute and 30 seconds has 1 minute and "
                                                    "30 seconds left. Your timer for 5 minutes has 5 minutes left.")
    assert answer_and_commit(skills, "cancel the timers") == "2 timers cancelled."
    clock.advance(hours=1)
    assert skills.due() == []
    assert ask(skills, "cancel the timer") == "There is no timer to cancel."


def test_a_timer_starts_only_when_its_answer_is_committed():
    skills = Skills(["timer"], clock=Clock())
    answer = skills.answer("set a timer for 2 minutes")
    assert answer.text == "Timer set for 2 minutes." and skills.timers.running == []
    answer.commit()
    assert [t.length for t in skills.timers.running] == [timedelta(minutes=2)]


def test_timers_without_a_length_or_too_long_are_not_set():
    skills = Skills(["timer"], clock=Clock())
    assert skills.answer("set a timer for ten") is None  # no unit: not sure, so the LLM hears it
    assert skills.answer("set a timer for 5 miles") is None
    assert ask(skills, "set a timer for 3 days") == "I can only set timers for up to 24 hours."


# ---- what is left to the LLM, and what never breaks ------------------------------------------
@pytest.mark.parametrize("question", [
    "who painted the mona lisa", "tell me a story about a cat", "what is the capital of france", "how are you",
    "Who painted the Mona Lisa?", "how many legs does a spider have", "what is love", "set the table",
    "how many people live in london", "what time does the bakery open", "what day did the war end", "",
])
def test_questions_that_are_not_skills_fall_through(skills, question):
    assert skills.answer(question) is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_no_text_makes_the_skills_raise(skills, text):
    answer = skills.answer(text)
    assert answer is None or answer.text.strip()


_VOCAB = ["what", "is", "how", "many", "much", "a", "an", "the", "of", "in", "to", "for", "and", "times", "x",
          "plus", "minus", "divided", "by", "percent", "%", "square", "root", "power", "squared", "timer", "set",
          "cancel", "left", "minutes", "hours", "seconds", "degrees", "celsius", "fahrenheit", "miles", "per",
          "kilometers", "convert", "cubic", "half", "one", "twenty-one", "hundred", "1,000", "2.5", "-3", "0",
          "1e400", "°", "/", "*", "+", "-", "^", "?", ".", ",", "christmas", "day", "date", "time", "it"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_VOCAB), max_size=12))
def test_sentences_built_from_the_skills_own_words_never_raise(skills, words):
    answer = skills.answer(" ".join(words))
    assert answer is None or answer.text.strip()


@pytest.mark.parametrize("question", [
    "convert " + "9" * 400 + " miles to kilometers",          # the amount is no finite number
    "convert " + "9" * 300 + " light years to nanometers",    # the result is none
    "what is " + "9" * 400 + " times 2",
    "set a timer for " + "9" * 400 + " minutes",
])
def test_numbers_too_big_for_a_float_never_raise(skills, question):
    answer = skills.answer(question)
    assert answer is None or answer.text.strip()


def test_only_the_configured_skills_answer_in_their_order():
    assert Skills(["time"]).answer("what is 2 plus 2") is None
    assert Skills(["arithmetic"]).answer("what is 2 plus 2").skill == "arithmetic"
    every = Skills(config.SKILL_NAMES)
    assert [s.name for s in every.skills] == list(config.SKILL_NAMES)  # the config's names are the skills'


# ---- configuration --------------------------------------------------------------------------
def test_skills_are_on_by_default_with_every_skill():
    cfg = config.load()
    assert cfg.skills.enabled and cfg.skills.list == config.SKILL_NAMES


@pytest.mark.parametrize("raw, message", [
    ({"skills": {"list": ["time", "weather"]}}, "skills.list = ['time', 'weather'] is not allowed: use a list of "
                                                "'time', 'date', 'timer', 'arithmetic', 'units'"),
    ({"skills": {"list": "time"}}, "skills.list = 'time' must be a list of names"),
    ({"skills": {"enabled": "yes"}}, "skills.enabled"),
    ({"skills": {"order": []}}, "skills.order"),
])
def test_bad_skills_config_is_refused_with_the_key(raw, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        config.from_dict(raw)


def test_a_skill_that_raises_leaves_the_question_to_the_llm():
    from assistant.skills import Skills

    skills = Skills(["arithmetic"])

    class Broken:
        name = "broken"

        def answer(self, heard, now):
            raise RuntimeError("a parse nobody foresaw")

    skills.skills.insert(0, Broken())
    assert skills.answer("tell me a story") is None
    assert skills.answer("what is 12 times 11").text == "12 times 11 is 132."
