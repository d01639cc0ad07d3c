"""Consent that was asked: the program never invents a privacy-consent date."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.borrowers import BorrowerInput
from app.demo import load_demo
from tests.cli_helpers import export, run


@pytest.fixture
def ready(capsys, tmp_path):
    data = str(tmp_path / "data")
    code, _out, _err = run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk")
    assert code == 0
    return data


def _borrowers(capsys, data):
    records = json.loads(export(capsys, data))
    return {r["card_number"]: r for r in records["borrower"]}


def test_cli_add_without_consent_leaves_consent_date_empty(capsys, ready):
    code, out, _ = run(capsys, ready, "borrower", "add", "--first-name", "Jan", "--last-name", "Peeters",
                       "--postcode", "8500")  # fmt: skip
    assert code == 0
    assert _borrowers(capsys, ready)[out.strip()]["consent_date"] is None


def test_cli_add_with_consent_records_today(capsys, ready):
    code, out, _ = run(capsys, ready, "borrower", "add", "--first-name", "Jan", "--last-name", "Peeters",
                       "--postcode", "8500", "--consent")  # fmt: skip
    assert code == 0
    assert _borrowers(capsys, ready)[out.strip()]["consent_date"] == dt.date.today().isoformat()


def test_service_never_invents_a_consent(ctx):
    assert ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).consent_date is None
    asked = ctx.borrowers.add(BorrowerInput("Els", "Maes", "9000", consent=True))
    assert asked.consent_date == dt.date.today()


def test_demo_people_without_consent_have_no_date(ctx):
    load_demo(ctx)
    from sqlalchemy import select

    from db.models import Borrower

    with ctx.sessions() as s:
        dates = [b.consent_date for b in s.scalars(select(Borrower))]
    # The demo shows both cases: people who were asked, and one who was not.
    assert None in dates
    assert any(d is not None for d in dates)
