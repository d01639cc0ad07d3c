"""The eligibility and age rules on their own (app/eligibility.py), without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from app.eligibility import Eligibility, add_months, age_band_for, clean_age, clean_eligibility
from app.errors import UserError

TODAY = dt.date(2026, 3, 31)
REFERRERS = ("OCMW Kortrijk", "CAW")


def test_add_months_ends_on_the_last_day_of_a_shorter_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)


def test_age_bands_at_the_age_reached_this_year():
    assert age_band_for(2026 - 18, TODAY) == "18-24"
    assert age_band_for(2026 - 17, TODAY) == "0-17"
    assert age_band_for(2026 - 75, TODAY) == "75+"
    assert age_band_for(2026 - 64, TODAY) == "55-64"


def test_a_proof_gets_todays_check_and_the_settings_months():
    got = clean_eligibility(Eligibility("igo", "caw"), REFERRERS, 12, TODAY)
    assert got == Eligibility("igo", "CAW", TODAY, dt.date(2027, 3, 31))  # written as in the list
    given = Eligibility("igo", "", dt.date(2026, 1, 5), dt.date(2026, 6, 1))
    assert clean_eligibility(given, REFERRERS, 12, TODAY) == given
    # No proof: nothing was checked, nothing can expire (a referrer alone is kept).
    assert clean_eligibility(Eligibility("", "CAW", TODAY), REFERRERS, 12, TODAY) == Eligibility("", "CAW")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (Eligibility("attest"), "Onbekend bewijs"),
        (Eligibility("igo", "Buurman"), "lijst van doorverwijzers"),
        (Eligibility("igo", checked_on=TODAY + dt.timedelta(days=1)), "toekomst"),
        (Eligibility("igo", checked_on=TODAY, valid_until=TODAY - dt.timedelta(days=1)), "Geldig tot"),
    ],
)
def test_wrong_proofs_are_refused(given, message):
    with pytest.raises(UserError, match=message):
        clean_eligibility(given, REFERRERS, 12, TODAY)


def test_age_is_a_birth_year_with_its_band_or_a_band_alone():
    assert clean_age(" 1984 ", "", TODAY) == (1984, "35-44")
    assert clean_age(1984, "75+", TODAY) == (1984, "35-44")  # the year decides
    assert clean_age(None, "25-34", TODAY) == (None, "25-34")
    assert clean_age("", "", TODAY) == (None, "")
    for year, message in (("84a", "vier cijfers"), (1900, "tussen 1906 en 2026"), (2027, "tussen")):
        with pytest.raises(UserError, match=message):
            clean_age(year, "", TODAY)
    with pytest.raises(UserError, match="Onbekende leeftijdsgroep"):
        clean_age(None, "30-40", TODAY)
