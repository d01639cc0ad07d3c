"""Errors a person can act on. Their text is already translated and shown as is."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: the message says what happened and what to do."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="not-found")


class NotInitialised(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="not-initialised")
