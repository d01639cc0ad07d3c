"""The page-wide field check (app/sync/page_check.py) says "every change passes" only when each
change's own check (merge._cannot_apply) finds nothing; else the changes are checked one by one."""

from __future__ import annotations

import random

from app.sync.merge import _cannot_apply
from app.sync.page_check import tables_that_pass
from app.sync.protocol import LoggedChange
from benchmarks.bench_sync import NODE, generate

STAMP = f"1795000000000-000000-{NODE}"

# One bad value per kind of rule (db/rules.py), each a reason to set a change aside.
BAD = [
    ("device", "brand", "Len\x00ovo"),
    ("device", "brand", "x\ud800"),
    ("device", "brand", "x" * 100_000),
    ("device", "brand", 7),
    ("device", "status", "gestolen"),
    ("device", "kind", None),
    ("device", "intake_date", "2026-02-30"),
    ("device", "intake_date", "5 januari"),
    ("device", "acquisition_cost_cents", True),
    ("device", "acquisition_cost_cents", 2**63),
    ("device", "acquisition_cost_cents", "12"),
    ("device", "specs", {"ram_gb": float("nan")}),
    ("device", "specs", {"x": "\x00"}),
    ("borrower", "blocked", 1),
    ("borrower", "blocked", None),
    ("borrower", "first_name", "Zoë\x00"),
    ("loan", "out_at", "2026-02-01 10:00"),
    ("loan", "deposit_cents", 1.5),
]


def _page(n: int, seed: int) -> list[LoggedChange]:
    return [
        LoggedChange(seq=i + 1, table=t, row_id=rid, origin=NODE, fields=f, stamp=STAMP)
        for i, (t, rid, f) in enumerate(generate(n, seed))
    ]


def test_a_clean_page_passes_whole_and_each_change_agrees():
    page = _page(400, 1)
    # Edits carry a few fields only (another shape of record on the same page).
    page.append(
        LoggedChange(seq=401, table="device", row_id=page[5].row_id, fields={"notes": "é"}, stamp=STAMP)
    )
    page.append(
        LoggedChange(
            seq=402, table="borrower", row_id=page[200].row_id, fields={"phone": "056 00 00 00"}, stamp=STAMP
        )
    )
    assert tables_that_pass(page) == {"location", "device", "borrower", "loan"}
    assert all(_cannot_apply(ch) is None for ch in page)


def test_one_bad_value_anywhere_sends_its_table_to_the_change_by_change_check():
    rng = random.Random(5)
    for table, name, value in BAD:
        page = _page(300, rng.randrange(1000))
        victims = [i for i, ch in enumerate(page) if ch.table == table]
        i = rng.choice(victims)
        bad = page[i]
        # The whole record, or an edit of that one field.
        fields = {**bad.fields, name: value} if rng.random() < 0.5 else {name: value}
        page[i] = LoggedChange(
            seq=bad.seq, table=table, row_id=bad.row_id, origin=bad.origin, fields=fields, stamp=STAMP
        )
        assert _cannot_apply(page[i]) is not None, (name, value)
        passing = tables_that_pass(page)
        assert table not in passing, (name, value)
        assert {ch.table for ch in page} - {table} <= passing


def test_bad_identifiers_and_stamps_are_not_waved_through():
    for change in (
        LoggedChange(seq=1, table="location", row_id="x" * 65, fields={"name": "K"}, stamp=STAMP),
        LoggedChange(seq=1, table="location", row_id="r\x00", fields={"name": "K"}, stamp=STAMP),
        LoggedChange(
            seq=1, table="location", row_id="r", origin="ü\ud800", fields={"name": "K"}, stamp=STAMP
        ),
        LoggedChange(seq=1, table="location", row_id="r", fields={"name": "K"}, stamp="gisteren"),
        LoggedChange(seq=1, table="location", row_id="r", fields={"name": "K"}, clocks={"code": STAMP}),
    ):
        assert tables_that_pass([change]) == set()
    # A newer program's table or field: left to the change-by-change path (which skips it).
    for unknown in (
        LoggedChange(seq=1, table="from_a_newer_program", row_id="r", fields={"x": 1}, stamp=STAMP),
        LoggedChange(seq=1, table="location", row_id="r", fields={"name": "K", "new_field": 1}, stamp=STAMP),
    ):
        assert tables_that_pass([unknown]) == set() and _cannot_apply(unknown) is None
