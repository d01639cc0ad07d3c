"""A table's search at each key typed (issue 13): the first page of a search is the start of the
whole search, whichever plan the service picks; statements built once still bind each search's
own values; a page's light rows show what the records hold."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import event, insert, update

from app.borrowers import BorrowerInput
from db.base import new_id
from db.models import Borrower, Device


def _devices(ctx, count: int, lenovo_every: int = 2) -> None:
    """Core inserts (no outbox), in a shuffled tag order: rowid order is not tag order."""
    location = ctx.locations.current()
    numbers = list(range(1, count + 1))
    random.Random(7).shuffle(numbers)
    rows = [
        {
            "asset_tag": f"KRT-{i:06d}",
            "kind": "laptop",
            "brand": "Lenovo" if i % lenovo_every == 0 else "Dell",
            "model": f"Model {i}",
            "serial": f"SN{i:06d}",
            "intake_date": dt.date(2026, 1, 5),
            "status": "intake" if i % 3 else "ready",
            "location_id": location.id,
            "specs": {},
        }
        for i in numbers
    ]
    with ctx.sessions() as s, s.begin():
        s.execute(insert(Device), rows)
        # A deleted device among the hits, in the middle of the newest tags.
        s.execute(update(Device).where(Device.asset_tag == f"KRT-{count - 4:06d}").values(deleted=True))


def _statements(ctx) -> list[str]:
    seen: list[str] = []
    event.listen(ctx.engine, "before_cursor_execute", lambda _c, _cur, stmt, *_a: seen.append(stmt))
    return seen


def test_a_first_page_of_many_hits_is_the_start_of_the_whole_search(ctx):
    _devices(ctx, 600)
    everything = ctx.devices.search_ids("lenovo")
    assert len(everything) == 299  # 300 Lenovos, one deleted
    seen = _statements(ctx)
    for limit in (1, 10, 50):
        assert ctx.devices.search_ids("lenovo", limit=limit) == everything[:limit]
        # Many hits (≥ 4 a row asked): the tag index is walked, hits as a filter.
        assert any("+device.rowid IN" in stmt for stmt in seen), limit
        seen.clear()
    ascending = ctx.devices.search_ids("lenovo", order="tag")
    assert ascending == everything[::-1]
    assert ctx.devices.search_ids("lenovo", limit=20, order="tag") == ascending[:20]


def test_a_first_page_of_few_hits_is_the_start_of_the_whole_search(ctx):
    _devices(ctx, 600, lenovo_every=50)
    everything = ctx.devices.search_ids("lenovo")
    assert len(everything) == 12
    seen = _statements(ctx)
    assert ctx.devices.search_ids("lenovo", limit=10) == everything[:10]
    assert not any("+device.rowid IN" in stmt for stmt in seen)  # few hits: their rows, sorted
    # Other orders and the status filter keep SQLite's own plan, with the same start.
    for kwargs in ({"order": "brand"}, {"order": "-serial"}, {"status": "ready"}):
        whole = ctx.devices.search_ids("lenovo", **kwargs)
        assert ctx.devices.search_ids("lenovo", limit=3, **kwargs) == whole[:3], kwargs


def test_statements_built_once_bind_each_searchs_own_values(ctx):
    _devices(ctx, 40)
    assert {d.brand for d in ctx.devices.by_id(ctx.devices.search_ids("lenovo"))} == {"Lenovo"}
    assert {d.brand for d in ctx.devices.by_id(ctx.devices.search_ids("dell"))} == {"Dell"}
    ready = ctx.devices.search_ids("", status="ready")
    intake = ctx.devices.search_ids("", status="intake")
    assert ready and intake and not set(ready) & set(intake)
    assert len(ctx.devices.search_ids("", limit=7)) == 7
    assert len(ctx.devices.search_ids("", limit=3)) == 3

    ctx.borrowers.add(BorrowerInput("Els", "Peeters", "8500", phone="0470 12 34 56"))
    ctx.borrowers.add(BorrowerInput("Ilse", "Claes", "8500", phone="0470 99 88 77"))
    ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8790"))

    def names(query: str, **kwargs) -> list[str]:
        return [b.first_name for b in ctx.borrowers.by_id(ctx.borrowers.search_ids(query, **kwargs))]

    assert names("peeters") == ["Els", "Jan"]
    assert names("claes") == ["Ilse"]
    assert names("0470998877") == ["Ilse"]
    assert names("0470123456") == ["Els"]
    assert names("peeters", limit=1) == ["Els"]
    assert names("peeters", order="-first_name") == ["Jan", "Els"]
    assert names("", limit=2) == ["Ilse", "Els"]


def test_table_rows_show_what_the_records_hold_in_the_order_asked(ctx):
    _devices(ctx, 30)
    ids = ctx.devices.search_ids("", order="brand")
    asked = [ids[5], "missing", ids[0], ids[17]]
    rows = ctx.devices.table_rows(asked)
    records = ctx.devices.by_id(asked)
    assert [r.id for r in rows] == [d.id for d in records] == [ids[5], ids[0], ids[17]]
    for row, device in zip(rows, records, strict=True):
        for name in ctx.devices.TABLE_COLUMNS:
            assert getattr(row, name) == getattr(device, name), name
    assert isinstance(rows[0].intake_date, dt.date)
    assert ctx.devices.table_rows([]) == []

    ctx.borrowers.add(BorrowerInput("Els", "Peeters", "8500", phone="0470 12 34 56"))
    blocked = ctx.borrowers.add(BorrowerInput("Ilse", "Claes", "8500"))
    ctx.borrowers.block(blocked.card_number, "test")
    ids = ctx.borrowers.search_ids("")
    rows = ctx.borrowers.table_rows(ids)
    records = ctx.borrowers.by_id(ids)
    for row, person in zip(rows, records, strict=True):
        assert isinstance(person, Borrower)
        for name in ctx.borrowers.TABLE_COLUMNS:
            assert getattr(row, name) == getattr(person, name), name
    assert [r.blocked for r in rows] == [True, False]


def _borrowers(ctx, count: int) -> None:
    """Core inserts in a shuffled order (the sort keys come from the triggers); every third
    person lives in Kortrijk, the rest in Gent; one Kortrijk person is deleted."""
    location = ctx.locations.current()
    numbers = list(range(count))
    random.Random(3).shuffle(numbers)
    names = ["Peeters", "Özdemir", "Claes", "de Smet", "Çelik", "Olivier", "Maes", "Janssens"]
    rows = [
        {
            "id": new_id(),
            "card_number": f"KRT-B-{i:05d}",
            "first_name": f"Voornaam{i % 37}",
            "last_name": names[i % len(names)],
            "postcode": "8500" if i % 3 == 0 else "9000",
            "municipality": "Kortrijk" if i % 3 == 0 else "Gent",
            "location_id": location.id,
            "created_at": "x",
            "updated_at": "x",
            "origin": location.id,
            "clocks": {},
            "deleted": i == 300,
        }
        for i in numbers
    ]
    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        s.execute(insert(Borrower), rows)


def test_a_first_page_of_many_people_is_the_start_of_the_whole_search(ctx):
    _borrowers(ctx, 900)
    seen = _statements(ctx)
    for query in ("kortrijk", "gent"):
        for order in (None, "-name", "first_name", "-first_name"):
            everything = ctx.borrowers.search_ids(query, order=order)
            assert len(everything) == (299 if query == "kortrijk" else 600)
            for limit in (5, 50):
                assert ctx.borrowers.search_ids(query, limit=limit, order=order) == everything[:limit]
                assert any("CROSS JOIN" in stmt for stmt in seen), (query, order, limit)  # walked
                seen.clear()
    # Few hits, or an order without a name index: the plain plan, the same start.
    everything = ctx.borrowers.search_ids("kortrijk", order="card")
    assert ctx.borrowers.search_ids("kortrijk", limit=50, order="card") == everything[:50]
    everything = ctx.borrowers.search_ids("kortrijk")
    assert ctx.borrowers.search_ids("kortrijk", limit=100) == everything[:100]
    assert not any("CROSS JOIN" in stmt for stmt in seen)
