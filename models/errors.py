"""The one exception type the model store raises."""
from __future__ import annotations


class ModelError(Exception):
    """A model file is missing, corrupt or cannot be fetched. Carries a hint that says what to do."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message
