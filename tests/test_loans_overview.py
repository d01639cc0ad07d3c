"""The loans overview: open loans only, filters, full-text search, sorting in SQL, a page of rows."""

from __future__ import annotations

import datetime as dt

import pytest

from app.borrowers import BorrowerInput
from app.context import open_context
from app.inventory import DeviceInput
from tests.conftest import make_ready
from tests.test_reminders import Clock

START = dt.datetime(2026, 3, 2, 10, 0, 0)


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def shop(tmp_path, clock):
    ctx = open_context(tmp_path / "ov", actor="test", now=clock)
    ctx.locations.initialise("KRT", "Kortrijk balie")
    loans = {}
    people = [
        ("Jan", "Peeters", 5, 0),
        ("Els", "Maes", 20, 2500),
        ("Öznur", "Aydin", 40, 1000),
        ("Tom", "Wouters", 3, 0),
    ]
    for number, (first, last, days, deposit) in enumerate(people):
        device = ctx.devices.add(
            DeviceInput("laptop", "Dell" if number % 2 else "Lenovo", f"M{number}", f"S{number}")
        )
        make_ready(ctx, device.asset_tag)
        card = ctx.borrowers.add(
            BorrowerInput(first, last, "8500", phone=f"0470 11 22 3{number}" if number != 3 else "")
        ).card_number
        view = ctx.loans.checkout(
            device.asset_tag, card, due=START.date() + dt.timedelta(days=days), deposit_cents=deposit
        )
        loans[last] = view.loan.id
    # One returned loan never shows.
    device = ctx.devices.add(DeviceInput("laptop", "HP", "X", "SX"))
    make_ready(ctx, device.asset_tag)
    card = ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    ctx.loans.checkout(device.asset_tag, card)
    ctx.loans.return_device(device.asset_tag)
    clock.advance(days=10)  # Peeters (due +5) and Wouters (+3) are late now; Maes due in 10 days
    yield ctx, loans
    ctx.close()


def names(ctx, ids):
    return [row.name.split()[-1] for row in ctx.loan_overview.rows(ids)]


def test_filters(shop):
    ctx, _loans = shop
    ov = ctx.loan_overview
    assert names(ctx, ov.search_ids()) == ["Wouters", "Peeters", "Maes", "Aydin"]  # by due date
    assert names(ctx, ov.search_ids(filter="late")) == ["Wouters", "Peeters"]
    assert names(ctx, ov.search_ids(filter="calls")) == ["Peeters"]  # Wouters has no phone
    assert names(ctx, ov.search_ids(filter="week")) == []
    location = ov.locations()[0][0]
    assert len(ov.search_ids(location_id=location)) == 4
    assert ov.search_ids(location_id="elsewhere") == []


def test_search_by_person_or_device(shop):
    ctx, _loans = shop
    ov = ctx.loan_overview
    assert names(ctx, ov.search_ids("maes")) == ["Maes"]
    assert names(ctx, ov.search_ids("KRT-000001")) == ["Peeters"]
    assert names(ctx, ov.search_ids("dell")) == ["Wouters", "Maes"]
    assert ov.search_ids("claes") == []  # returned: not in the overview


def test_sorting(shop):
    ctx, _loans = shop
    ov = ctx.loan_overview
    assert names(ctx, ov.search_ids(sort="name")) == ["Aydin", "Maes", "Peeters", "Wouters"]
    assert names(ctx, ov.search_ids(sort="name", descending=True)) == ["Wouters", "Peeters", "Maes", "Aydin"]
    assert names(ctx, ov.search_ids(sort="late", descending=True)) == ["Wouters", "Peeters", "Maes", "Aydin"]
    assert names(ctx, ov.search_ids(sort="late"))[-2:] == ["Peeters", "Wouters"]
    assert names(ctx, ov.search_ids(sort="deposit", descending=True))[:2] == ["Maes", "Aydin"]


def test_rows_show_days_late_deposit_and_reminders(shop, clock):
    ctx, loans = shop
    [row] = ctx.loan_overview.rows([loans["Wouters"]])
    assert (row.days_late, row.location, row.last_call, row.last_reminder) == (7, "KRT", "", None)
    [row] = ctx.loan_overview.rows([loans["Maes"]])
    assert (row.days_late, row.deposit_cents) == (0, 2500)
    ctx.reminders.log_call(loans["Peeters"], "reached")
    [row] = ctx.loan_overview.rows([loans["Peeters"]])
    assert row.last_call == "reached"


def test_the_last_reminder_is_a_moment(shop, tmp_path):
    ctx, loans = shop
    ctx.reminders.write_letters(tmp_path / "b.pdf")
    [row] = ctx.loan_overview.rows([loans["Peeters"]])
    assert isinstance(row.last_reminder, dt.datetime)
    # Only the two late loans got a letter: they come first when sorted by the last reminder.
    newest_first = names(ctx, ctx.loan_overview.search_ids(sort="reminder", descending=True))
    assert set(newest_first[:2]) == {"Wouters", "Peeters"}
