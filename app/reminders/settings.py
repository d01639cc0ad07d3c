"""The reminder and e-mail settings: their checks and how `digibank settings` shows them.

The SMTP password is not a setting: it lives in the OS keychain (app/reminders/mail.py).
"""

from __future__ import annotations

import re

from app.config import Settings
from app.errors import UserError
from app.i18n import _

REMINDER_SETTINGS = (
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_from",
    "reminder_days_before",
    "reminder_late_steps",
)
SMTP_SECURITY = ("none", "starttls", "tls")
MAX_LATE_DAY = 365
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def describe_reminder_settings(settings: Settings) -> list[tuple[str, str, str]]:
    return [
        ("smtp_host", settings.smtp_host, _("mailserver voor herinneringen (leeg = geen e-mail)")),
        ("smtp_port", str(settings.smtp_port), _("poort van de mailserver (587 starttls, 465 tls)")),
        ("smtp_security", settings.smtp_security, _("beveiliging: none, starttls of tls")),
        (
            "smtp_user",
            settings.smtp_user,
            _("gebruikersnaam bij de mailserver (wachtwoord in de sleutelhanger)"),
        ),
        ("smtp_from", settings.smtp_from, _("afzender van de herinneringen, bv. balie@digibank.be")),
        (
            "reminder_days_before",
            str(settings.reminder_days_before),
            _("dagen vóór de terugbrengdatum voor een eerste herinnering (0 = geen)"),
        ),
        (
            "reminder_late_steps",
            settings.reminder_late_steps,
            _("dagen te laat waarop een herinnering vertrekt, bv. 1,7"),
        ),
    ]


def parse_late_steps(value: str) -> list[int]:
    """ "1,7" -> [1, 7]; refuses anything that is not increasing whole days from 1 to 365."""
    parts = [p.strip() for p in (value or "").split(",") if p.strip()]
    try:
        days = [int(p) for p in parts]
    except ValueError:
        days = []
    if not parts or not days or any(not 1 <= d <= MAX_LATE_DAY for d in days) or days != sorted(set(days)):
        raise UserError(
            _(
                "'{value}' past niet voor reminder_late_steps: oplopende dagen van 1 tot {high}, "
                "gescheiden door komma's, bv. 1,7."
            ).format(value=value, high=MAX_LATE_DAY)
        )
    return days


def _whole(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise UserError(
            _("'{value}' past niet voor {name}: een geheel getal van {low} tot {high}.").format(
                value=value, name=name, low=low, high=high
            )
        )
    return number


def change_reminder_setting(settings: Settings, name: str, value: str) -> None:
    value = (value or "").strip()
    if name == "smtp_host":
        if re.search(r"[\s/]", value):
            raise UserError(
                _("'{value}' is geen naam van een mailserver (bv. smtp.digibank.be).").format(value=value)
            )
        settings.smtp_host = value
    elif name == "smtp_port":
        settings.smtp_port = _whole(name, value, 1, 65535)
    elif name == "smtp_security":
        if value.lower() not in SMTP_SECURITY:
            raise UserError(_("smtp_security moet none, starttls of tls zijn."))
        settings.smtp_security = value.lower()
    elif name == "smtp_user":
        settings.smtp_user = value
    elif name == "smtp_from":
        if value and not EMAIL.match(value):
            raise UserError(_("'{value}' is geen e-mailadres.").format(value=value))
        settings.smtp_from = value
    elif name == "reminder_days_before":
        settings.reminder_days_before = _whole(name, value, 0, 60)
    elif name == "reminder_late_steps":
        parse_late_steps(value)
        settings.reminder_late_steps = ",".join(str(d) for d in parse_late_steps(value))
