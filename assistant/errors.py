"""Errors a user can meet. Each carries a one-line message and a hint that says what to do.

The CLI prints these without a traceback and exits non-zero; anything else is a bug.
"""
from __future__ import annotations

from models.errors import UserError


class AssistantError(UserError):
    """Base for every error of the app's own that we expect users to meet."""


class ConfigError(AssistantError):
    """A configuration file or flag has a bad key or value."""


class AudioError(AssistantError):
    """No audio library, server or device; or a WAV file we cannot read."""


class InputError(AssistantError):
    """The user's input (text, file path) cannot be used."""
