"""Local skills a turn asks before the LLM: the time, the date, timers, arithmetic, unit conversions.

    Skills(["time", "arithmetic"]).answer("what is twelve times eleven")  # -> Answer("arithmetic", "12 times 11 is 132.")

A question no skill is sure of gets None and goes to the LLM.
"""
from assistant.skills.answer import Answer
from assistant.skills.router import Skills

__all__ = ["Answer", "Skills"]
