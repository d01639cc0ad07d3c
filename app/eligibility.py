"""Who may borrow, and age: the proof a counter checked (never the proof itself) and until
when it holds, and a birth year or an age band (never a full birth date). Rules only: the
borrower service (app/borrowers.py) applies them with the counter's settings and today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import UserError
from app.i18n import _
from db.models import AGE_BANDS, ELIGIBILITY_PROOFS


def eligibility_names() -> dict[str, str]:
    return {
        "": _("(niet opgegeven)"),
        "verhoogde-tegemoetkoming": _("verhoogde tegemoetkoming"),
        "leefloon-ocmw": _("leefloon / OCMW"),
        "budgetbegeleiding": _("budgetbegeleiding of -beheer"),
        "schuldbemiddeling": _("schuldbemiddeling"),
        "igo": _("IGO (inkomensgarantie voor ouderen)"),
        "inkomensvervangende-tegemoetkoming": _("inkomensvervangende tegemoetkoming"),
        "dringende-medische-hulp": _("dringende medische hulp / Fedasil"),
        "inkomen-onder-grens": _("inkomen onder de grens"),
        "doorverwezen-zonder-attest": _("doorverwezen zonder attest"),
        "andere": _("andere"),
    }


def age_band_names() -> dict[str, str]:
    names = {band: _("{band} jaar").format(band=band) for band in AGE_BANDS if band}
    names[""] = _("(niet opgegeven)")
    return names


def age_band_for(birth_year: int, on: dt.date) -> str:
    """The band of someone born in `birth_year`, at their age reached in the year of `on`."""
    age = on.year - birth_year
    for band in AGE_BANDS[1:]:
        low, _sep, high = band.rstrip("+").partition("-")
        if int(low) <= age and (not high or age <= int(high)):
            return band
    return AGE_BANDS[1]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("a month has at least 28 days")


@dataclass(frozen=True)
class Eligibility:
    """How the counter checked that someone may borrow (never the proof itself)."""

    code: str = ""
    referrer: str = ""
    checked_on: dt.date | None = None
    valid_until: dt.date | None = None


def clean_eligibility(
    given: Eligibility, referrers: Sequence[str], valid_months: int, today: dt.date
) -> Eligibility:
    """Checked codes and dates; a valid-until defaults to the check plus `valid_months`; a
    referrer must be one of `referrers` (the settings' list), written as it stands there."""
    code = (given.code or "").strip()
    if code not in ELIGIBILITY_PROOFS:
        raise UserError(
            _("Onbekend bewijs '{code}'. Kies uit: {choices}.").format(
                code=code, choices=", ".join(c for c in ELIGIBILITY_PROOFS if c)
            )
        )
    referrer = " ".join((given.referrer or "").split())
    if referrer:
        known = {r.casefold(): r for r in referrers}
        if referrer.casefold() not in known:
            raise UserError(
                _(
                    "'{referrer}' staat niet in de lijst van doorverwijzers. Kies uit: {choices} "
                    "(of voeg hem toe in de instellingen)."
                ).format(referrer=referrer, choices=", ".join(referrers))
            )
        referrer = known[referrer.casefold()]
    if not code:  # no proof recorded: nothing was checked, nothing can expire
        return Eligibility("", referrer, None, None)
    checked = given.checked_on
    if checked is None:
        checked = today
    if checked is not None and checked > today:
        raise UserError(_("De controledatum ligt in de toekomst."))
    valid = given.valid_until or add_months(checked, valid_months)
    if valid < checked:
        raise UserError(_("'Geldig tot' ligt voor de controledatum."))
    return Eligibility(code, referrer, checked, valid)


def clean_age(birth_year: int | str | None, band: str, today: dt.date) -> tuple[int | None, str]:
    """(birth year, band): a birth year gives its band today; a band alone keeps no year."""
    band = (band or "").strip()
    if birth_year not in (None, ""):
        try:
            year = int(str(birth_year).strip())
        except ValueError:
            raise UserError(
                _("Geboortejaar '{year}' klopt niet: vier cijfers, bv. 1984.").format(year=birth_year)
            ) from None
        this_year = today.year
        if not this_year - 120 <= year <= this_year:
            raise UserError(
                _("Geboortejaar {year} klopt niet: tussen {low} en {high}.").format(
                    year=year, low=this_year - 120, high=this_year
                )
            )
        return year, age_band_for(year, today)
    if band not in AGE_BANDS:
        raise UserError(
            _("Onbekende leeftijdsgroep '{band}'. Kies uit: {choices}.").format(
                band=band, choices=", ".join(b for b in AGE_BANDS if b)
            )
        )
    return None, band
