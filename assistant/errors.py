"""Errors a user can meet. Each carries a one-line message and a hint that says what to do.

The CLI prints these without a traceback and exits non-zero; anything else is a bug.
"""
from __future__ import annotations


class AssistantError(Exception):
    """Base for every error we expect users to meet."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(AssistantError):
    """A configuration file or flag has a bad key or value."""


class AudioError(AssistantError):
    """No audio library, server or device; or a WAV file we cannot read."""


class InputError(AssistantError):
    """The user's input (text, file path) cannot be used."""
