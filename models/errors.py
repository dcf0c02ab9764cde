"""Errors a user can meet, with a one-line message and a hint that says what to do.

The base lives here, at the bottom of the layers, so the model store and the app share it; the CLI
prints any of them without a traceback and exits non-zero.
"""
from __future__ import annotations


class UserError(Exception):
    """Base for every error we expect users to meet."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ModelError(UserError):
    """A model file is missing, corrupt or cannot be fetched."""
