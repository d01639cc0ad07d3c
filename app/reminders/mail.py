"""Sending reminders: e-mail through the digibank's own SMTP server, and a seam for SMS.

The SMTP password lives in the OS keychain (never in settings.json): `digibank reminders
smtp-password` stores it; scripts may pass DIGIBANK_SMTP_PASSWORD instead. Nothing here logs
an address or a text: the log gets counts and the server's name only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from app.config import Settings
from app.credentials import SERVICE, CredentialStore
from app.errors import UserError
from app.i18n import _

log = logging.getLogger(__name__)

ENV_SMTP_PASSWORD = "DIGIBANK_SMTP_PASSWORD"
TIMEOUT_S = 30


class EmailSender(Protocol):
    """Opened once for a run of reminders (`with sender:`), then `send` per message."""

    def __enter__(self) -> EmailSender: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, message: EmailMessage) -> None:
        """Send one message; raise `RecipientRefused` when only this one cannot be delivered."""


class SmsSender(Protocol):
    """A text-message provider, for a digibank that has one. None is built in: the program
    sends no SMS until a provider is plugged in here (ReminderService(sms=…))."""

    def send(self, phone: str, text: str) -> None: ...


class RecipientRefused(Exception):
    """The server refused this one address; the others still go."""


def _account(settings: Settings) -> str:
    return f"smtp@{settings.smtp_user}@{settings.smtp_host}"


def store_smtp_password(settings: Settings, password: str, store: CredentialStore | None = None) -> None:
    if not settings.smtp_host:
        raise UserError(_("Stel eerst de mailserver in: digibank settings set smtp_host …"))
    keychain = (store or CredentialStore())._keychain()  # refuses when no safe keychain exists
    keychain.set_password(SERVICE, _account(settings), password)


def smtp_password(settings: Settings, store: CredentialStore | None = None) -> str:
    env = os.environ.get(ENV_SMTP_PASSWORD)
    if env:
        return env
    if not settings.smtp_user:
        return ""
    try:
        keychain = (store or CredentialStore())._keychain()
        return keychain.get_password(SERVICE, _account(settings)) or ""
    except UserError:
        raise UserError(
            _(
                "Het wachtwoord van de mailserver staat niet in een veilige sleutelhanger: meld aan in een "
                "gewone bureaubladsessie, of geef het in scripts mee via DIGIBANK_SMTP_PASSWORD."
            ),
            code="no-keyring",
        ) from None


def check_mail_settings(settings: Settings) -> None:
    if not settings.smtp_host or not settings.smtp_from:
        raise UserError(
            _(
                "E-mail is nog niet ingesteld: vul de mailserver (smtp_host) en de afzender (smtp_from) "
                "in bij de instellingen."
            ),
            code="no-smtp",
        )


class SmtpSender:
    """One SMTP connection for a run: plain (loopback tests, an internal relay), STARTTLS or TLS,
    certificates always verified."""

    def __init__(self, settings: Settings, password: str = "") -> None:
        check_mail_settings(settings)
        self._settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        cfg = self._settings
        try:
            smtp = self._open()
        except smtplib.SMTPAuthenticationError:
            raise UserError(
                _("De mailserver weigert de gebruikersnaam of het wachtwoord: kijk ze na."), code="smtp-auth"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("smtp connect to %s failed: %s", cfg.smtp_host, type(exc).__name__)
            raise UserError(
                _("De mailserver {host}:{port} is niet bereikbaar ({reason}).").format(
                    host=cfg.smtp_host, port=cfg.smtp_port, reason=type(exc).__name__
                ),
                code="smtp-unreachable",
            ) from None
        self._smtp = smtp
        return self

    def _open(self) -> smtplib.SMTP:
        cfg = self._settings
        context = ssl.create_default_context()
        if cfg.smtp_security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT_S, context=context
            )
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT_S)
        try:
            if cfg.smtp_security == "starttls":
                smtp.starttls(context=context)
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, self._password)
        except BaseException:
            smtp.close()  # a refused login must not leave the connection open
            raise
        return smtp

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        assert self._smtp is not None, "use `with sender:`"
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise RecipientRefused(type(exc).__name__) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise UserError(
                _("De verbinding met de mailserver viel weg ({reason}).").format(reason=type(exc).__name__),
                code="smtp-lost",
            ) from None
