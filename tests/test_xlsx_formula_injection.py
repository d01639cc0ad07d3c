"""Every workbook the program writes keeps formula-like text as text: a borrower named
=HYPERLINK(...) is stored as typed and exported as a string cell, never a formula."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from app.reports.periods import custom
from tests.conftest import make_ready

EVIL = '=HYPERLINK("http://x";"klik")'
PERIOD = custom(dt.date.today() - dt.timedelta(days=30), dt.date.today() + dt.timedelta(days=1))


def _seed(tmp_path):
    from app.context import open_context

    ctx = open_context(tmp_path / "data", actor="test")
    ctx.locations.initialise("KRT", EVIL)  # a location name from the first start
    person = ctx.borrowers.add(BorrowerInput(EVIL, "=1+1", "8500", consent=True))
    device = ctx.devices.add(
        DeviceInput("laptop", "Dell", "=cmd|' /C calc'!A0", "S1", acquisition_cost_cents=100)
    )
    make_ready(ctx, device.asset_tag)
    ctx.loans.checkout(device.asset_tag, person.card_number)
    return ctx, person


def _cells(path):
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.data_type, c.value) for ws in wb for r in ws.iter_rows() for c in r]


def test_a_formula_like_name_is_stored_as_typed(tmp_path):
    ctx, person = _seed(tmp_path)
    try:
        assert ctx.borrowers.get(person.card_number).first_name == EVIL
    finally:
        ctx.close()


def test_every_workbook_writes_formula_like_text_as_string_cells(tmp_path):
    ctx, _person = _seed(tmp_path)
    try:
        books = {
            "people": ctx.reports.export_people(PERIOD, tmp_path / "people.xlsx"),
            "reach": ctx.reports.export_reach(PERIOD, tmp_path / "reach.xlsx"),
            "cost": ctx.reports.export_costs(PERIOD, tmp_path / "cost.xlsx"),
        }
    finally:
        ctx.close()
    for kind, path in books.items():
        cells = _cells(path)
        named = [c for c in cells if isinstance(c[3], str) and EVIL in c[3]]
        assert named, f"{kind}: the formula-like name should be in the workbook"
        assert [c for c in named if c[2] != "s"] == [], kind
        assert [c for c in cells if c[2] == "f"] == [], kind  # no formula anywhere
    people = load_workbook(books["people"]).active
    names = {(r[1].value, r[2].value): (r[1].data_type, r[2].data_type) for r in people.iter_rows(min_row=2)}
    assert names[(EVIL, "=1+1")] == ("s", "s")
    reach_locations = [c.value for ws in load_workbook(books["reach"]) for row in ws.iter_rows() for c in row]
    assert EVIL in reach_locations
