"""Errors a person can act on. Their text is already translated and shown as is."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refused action: the message says what happened and what to do.

    `message` says where to do it in the window; `command` (optional) is the command that
    does it, which the command line adds in brackets (`cli_message`)."""

    def __init__(self, message: str, *, code: str = "refused", command: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.command = command

    @property
    def cli_message(self) -> str:
        return f"{self.message} ({self.command})" if self.command else self.message

    def __str__(self) -> str:
        return self.message


class NotFound(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="not-found")


class NotInitialised(UserError):
    def __init__(self, message: str, *, command: str = "") -> None:
        super().__init__(message, code="not-initialised", command=command)


def os_error_message(exc: OSError) -> str:
    """A file-system error in plain words, with the file it is about."""
    import errno

    from app.i18n import _

    where = exc.filename or ""
    reasons = {
        errno.ENOENT: _("{path} bestaat niet."),
        errno.EISDIR: _("{path} is een map; geef een bestandsnaam."),
        errno.ENOTDIR: _("{path}: een deel van dit pad is geen map."),
        errno.EEXIST: _("{path} bestaat al; kies een andere naam."),
        errno.EACCES: _("Geen toegang tot {path}."),
        errno.EPERM: _("Geen toegang tot {path}."),
        errno.ENOSPC: _("De schijf is vol; {path} kon niet geschreven worden."),
        errno.EROFS: _("{path} staat op een schijf waarop niet geschreven kan worden."),
    }
    template = reasons.get(exc.errno or 0, _("Probleem met bestand {path} ({reason})."))
    return template.format(path=where, reason=exc.strerror or type(exc).__name__)


class InvalidValue(UserError):
    """A value the field rules (db/rules.py) refuse: one sentence with the field's label
    and its limit. Raised for every local write by db/changes.py (installed below)."""

    def __init__(self, problem: Any) -> None:
        from app.validation import problem_message

        super().__init__(problem_message(problem), code="invalid-value")
        self.problem = problem


def _install_violation_error() -> None:
    import db.violations

    db.violations.installed = InvalidValue


_install_violation_error()
