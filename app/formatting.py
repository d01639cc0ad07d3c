"""Belgian presentation of dates and money (dd/mm/jjjj, € 12,50)."""

from __future__ import annotations

import datetime as dt
import re

from app.errors import UserError
from app.i18n import _

# No single device, repair or deposit costs more than this; larger is a typing mistake.
MAX_AMOUNT_CENTS = 100_000_000


def date_be(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def datetime_be(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y %H:%M")


def euro(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, rest = divmod(cents, 100)
    whole_text = f"{whole:,}".replace(",", ".")
    return f"{sign}€ {whole_text},{rest:02d}"


def check_year(day: dt.date) -> None:
    """Year 1 or 9999 is a typo, and the day after 9999-12-31 does not exist (OverflowError)."""
    if not 1900 <= day.year <= 2999:
        raise UserError(
            _("{day} ligt buiten de jaren 1900–2999; kijk het jaartal na.").format(day=date_be(day))
        )


def parse_iso_date(text: str, what: str | None = None) -> dt.date:
    """YYYY-MM-DD (command line) or dd/mm/jjjj (counter), with a clear message otherwise."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        check_year(day)
        return day
    label = what or _("datum")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/-]\d{1,2}[/-]\d{4}", text):
        raise UserError(
            _("De {what} {text} bestaat niet; kijk dag en maand na.").format(what=label, text=text)
        )
    raise UserError(
        _("Ongeldige {what} '{text}': gebruik JJJJ-MM-DD, bv. 2026-03-12.").format(what=label, text=text)
    )


def parse_euro(text: str) -> int:
    """'12,50', '12.50', '€ 12' → cents."""
    cleaned = (text or "").replace("€", "").replace(" ", "").strip()
    if not cleaned:
        return 0
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = round(float(cleaned) * 100)
    except (ValueError, OverflowError):  # also 'nan' and 'inf', which float() accepts
        raise UserError(_("Ongeldig bedrag '{text}': bv. 25,00.").format(text=text)) from None
    if value < 0:
        raise UserError(_("Een bedrag kan niet negatief zijn."))
    if value > MAX_AMOUNT_CENTS:
        raise UserError(_("Een bedrag boven {max} is vast een tikfout.").format(max=euro(MAX_AMOUNT_CENTS)))
    return value
