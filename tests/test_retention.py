"""Retention: people without activity for `retention_months` (default 24) are listed and,
with --apply, anonymised; a person with a device still on loan is skipped and named."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from app.borrowers import BorrowerInput
from app.helpdesk import HelpdeskService
from app.inventory import DeviceInput
from app.loans import LoanService
from db import clock
from db.models import Borrower
from tests.cli_helpers import one_line_error, run
from tests.conftest import make_ready

LONG_AGO = dt.datetime.now() - dt.timedelta(days=800)


def _registered_at(ctx, card, when):
    stamp = clock.Stamp(int(when.timestamp() * 1000), 0, "x").encode()
    with ctx.sessions() as s, s.begin():
        s.execute(update(Borrower).where(Borrower.card_number == card).values(created_at=stamp))


def _person(ctx, first, when):
    card = ctx.borrowers.add(BorrowerInput(first, "Test", "8500")).card_number
    _registered_at(ctx, card, when)
    return card


@pytest.fixture
def town(ctx):
    """old: registered and helped long ago; recent: helped last month; fresh: registered today;
    lender: borrowed long ago and never brought the device back."""
    old = _person(ctx, "Oud", LONG_AGO)
    HelpdeskService(ctx.sessions, now=lambda: LONG_AGO + dt.timedelta(days=5)).log("itsme", card=old)
    recent = _person(ctx, "Recent", LONG_AGO)
    HelpdeskService(ctx.sessions, now=lambda: dt.datetime.now() - dt.timedelta(days=30)).log(
        "bank", card=recent
    )
    fresh = ctx.borrowers.add(BorrowerInput("Nieuw", "Test", "8500")).card_number
    lender = _person(ctx, "Lener", LONG_AGO)
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "E7450", "S1"))
    make_ready(ctx, device.asset_tag)
    LoanService(ctx.sessions, ctx.settings, now=lambda: LONG_AGO).checkout(
        device.asset_tag, lender, due=(LONG_AGO + dt.timedelta(days=90)).date()
    )
    return {"old": old, "recent": recent, "fresh": fresh, "lender": lender}


def test_due_lists_who_had_no_activity_for_24_months(ctx, town):
    due = {row.card: row for row in ctx.privacy.retention_due(24, dt.date.today())}
    assert set(due) == {town["old"], town["lender"]}
    assert due[town["old"]].last_activity == (LONG_AGO + dt.timedelta(days=5)).date()
    assert due[town["lender"]].open_loans == 1


def test_cli_lists_and_applies(capsys, ctx, town):
    ctx.close()
    data = str(ctx.data_dir)
    code, out, _ = run(capsys, data, "privacy", "retention", "--json")
    assert code == 0
    assert {r["card"] for r in json.loads(out)} == {town["old"], town["lender"]}
    code, out, _ = run(capsys, data, "privacy", "retention")
    assert code == 0 and town["old"] in out and town["recent"] not in out
    code, out, err = run(capsys, data, "privacy", "retention", "--apply")
    assert code == 1
    assert town["lender"] in one_line_error(err)
    code, out, _ = run(capsys, data, "borrower", "show", town["old"], "--json")
    assert json.loads(out)["erased"] is True
    for card in (town["recent"], town["fresh"], town["lender"]):
        code, out, _ = run(capsys, data, "borrower", "show", card, "--json")
        assert json.loads(out)["erased"] is False
    # Only the lender is left, and still skipped.
    code, out, _ = run(capsys, data, "privacy", "retention", "--json")
    assert [r["card"] for r in json.loads(out)] == [town["lender"]]


def test_the_period_is_a_setting(capsys, ctx, town):
    ctx.close()
    data = str(ctx.data_dir)
    assert run(capsys, data, "settings", "set", "retention_months", "1")[0] == 0
    code, out, _ = run(capsys, data, "privacy", "retention", "--json")
    assert {r["card"] for r in json.loads(out)} == {town["old"], town["lender"], town["recent"]}


def test_nothing_due_applies_nothing(capsys, ctx):
    ctx.borrowers.add(BorrowerInput("Nieuw", "Test", "8500"))
    ctx.close()
    code, out, _ = run(capsys, str(ctx.data_dir), "privacy", "retention", "--apply")
    assert code == 0 and "Niemand" in out


def test_on_a_terminal_apply_asks_first(capsys, ctx, town, monkeypatch):
    ctx.close()
    data = str(ctx.data_dir)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out, _ = run(capsys, data, "privacy", "retention", "--apply")
    assert code == 0 and "Niets gewijzigd" in out
    code, out, _ = run(capsys, data, "borrower", "show", town["old"], "--json")
    assert json.loads(out)["erased"] is False
    monkeypatch.setattr("builtins.input", lambda prompt: "j")
    assert run(capsys, data, "privacy", "retention", "--apply")[0] == 1  # the lender is skipped
    code, out, _ = run(capsys, data, "borrower", "show", town["old"], "--json")
    assert json.loads(out)["erased"] is True
