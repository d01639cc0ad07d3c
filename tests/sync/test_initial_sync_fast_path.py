"""The fast path of a big pull (new records inserted in bulk, the full-text index
filled after the rows instead of by its trigger, digests read at the driver level)
stores exactly what the row-by-row path stores, and search finds pulled records."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Date, DateTime, select
from sqlalchemy.exc import IntegrityError

from app.context import AppContext, open_context
from app.inventory import DeviceInput
from app.sync import lww
from app.sync.bulk_insert import FTS_BULK_MIN
from app.sync.merge import apply_page, local_digests
from app.sync.protocol import LoggedChange, TableDigest
from benchmarks.bench_sync import NODE, generate, load_server
from db.base import synced_models
from db.engine import cipher_connect
from db.values import to_json
from tests.sync.conftest import make_replica

NOW = dt.datetime(2026, 11, 27, 12, 0)
TABLES = ("location", "device", "borrower", "loan")


def _changes(n: int, seed: int = 1) -> list[LoggedChange]:
    """`n` creations (as a new van pulls them), plus later edits of some of them
    by another location (dates, booleans, JSON and searchable text)."""
    rows = generate(n, seed)
    out = [
        LoggedChange(
            seq=i + 1,
            table=t,
            row_id=rid,
            origin=NODE,
            fields=fields,
            clocks={k: f"{1795000000000 + i:013d}-000000-{NODE}" for k in fields},
        )
        for i, (t, rid, fields) in enumerate(rows)
    ]
    rng = random.Random(seed)
    edits = {
        "device": [
            ("serial", "ZZ-EDITED"),
            ("specs", {"ram_gb": 16, "ssd": [256, "nvme"]}),
            ("given_on", "2026-06-01"),
        ],
        "borrower": [("last_name", "Vanhecke"), ("blocked", True), ("consent_date", "2026-07-02")],
        "loan": [("in_at", "2026-08-03T09:15:00"), ("signed_on_paper", False)],
    }
    seq = len(out)
    for _ in range(n // 10):
        table, rid, _fields = rows[rng.randrange(1, len(rows))]
        name, value = rng.choice(edits[table])
        seq += 1
        out.append(
            LoggedChange(
                seq=seq,
                table=table,
                row_id=rid,
                origin="other",
                fields={name: value},
                clocks={name: f"{1796000000000 + seq:013d}-000000-other"},
            )
        )
    return out


def _apply(ctx: AppContext, pages: list[list[LoggedChange]]) -> None:
    for page in pages:
        with ctx.sessions() as s, s.begin():
            s.info["applying_remote"] = True
            apply_page(s, page, NOW)


def _db_file(ctx: AppContext) -> Path:
    return Path(ctx.engine.url.database or "")


def _contents(ctx: AppContext) -> dict[str, Any]:
    """Every synced record as SQLAlchemy reads it (a datetime written by an update is
    stored with microseconds, one written by an insert without: both read the same),
    the triggers, and the full-text indexes as stored."""
    out: dict[str, Any] = {}
    with ctx.sessions() as s:
        for model in synced_models():
            table = model.__table__  # type: ignore[attr-defined]
            if table.name in TABLES:
                out[table.name] = sorted(map(tuple, s.execute(select(table))), key=repr)
    with cipher_connect(_db_file(ctx), ctx.db_key) as conn:
        out["triggers"] = sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        for fts in ("device_fts", "borrower_fts"):
            conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")  # raises when out of step
            out[fts] = sorted(conn.execute(f"SELECT rowid, * FROM {fts}").fetchall(), key=repr)
    return out


def _reference_digests(ctx: AppContext) -> dict[str, TableDigest]:
    """The digests as computed before (ORM-typed reads of every row)."""
    out: dict[str, TableDigest] = {}
    with ctx.sessions() as s:
        conn = s.connection()
        for model in synced_models():
            table = model.__table__  # type: ignore[attr-defined]
            names = sorted(["id", *model.data_columns()])  # type: ignore[attr-defined]
            convert = [i for i, n in enumerate(names) if isinstance(table.c[n].type, Date | DateTime | JSON)]
            acc = count = 0
            for row in conn.execute(select(*[table.c[n] for n in names])):
                values = list(row)
                for i in convert:
                    values[i] = lww.canonical(to_json(values[i]))
                acc ^= lww.digest_row(tuple(values))
                count += 1
            out[table.name] = TableDigest(count=count, digest=lww.digest_hex(acc))
    return out


def test_bulk_pages_store_what_row_by_row_stores(tmp_path: Path) -> None:
    changes = _changes(1500)
    bulk = open_context(tmp_path / "bulk", actor="t")
    single = open_context(tmp_path / "single", actor="t")
    try:
        _apply(bulk, [changes[i : i + 1000] for i in range(0, len(changes), 1000)])
        # One change per page: never enough new rows for the bulk full-text path.
        _apply(single, [[ch] for ch in changes])
        assert _contents(bulk) == _contents(single)
        with bulk.sessions() as s:
            digests = local_digests(s)
        assert digests == _reference_digests(bulk)
        with single.sessions() as s:
            assert local_digests(s) == digests
        assert digests["device"].count == 450 and digests["borrower"].count == 750
    finally:
        bulk.close()
        single.close()


def test_search_finds_records_of_a_bulk_page_and_later_edits(tmp_path: Path) -> None:
    ctx = open_context(tmp_path / "van", actor="t")
    try:
        changes = _changes(1000)[:1000]  # the creations only
        assert sum(ch.table == "device" for ch in changes) >= FTS_BULK_MIN
        _apply(ctx, [changes])
        assert len(ctx.devices.search_ids("SN00000123")) == 1
        assert len(ctx.devices.search_ids("lenovo")) == 300
        assert len(ctx.borrowers.search_ids("Voornaam420")) == 1
        # The triggers are back: records written later are found too.
        ctx.devices.edit(f"KRT-{7:06d}", serial="NIEUW-SERIE-99")
        assert len(ctx.devices.search_ids("NIEUW-SERIE-99")) == 1
        assert ctx.devices.search_ids("SN00000006") == []
        ctx.locations.initialise("BUS", "Bus")
        ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "NIEUWER-77"))
        assert len(ctx.devices.search_ids("NIEUWER-77")) == 1
        assert len(ctx.devices.search_ids("NIEUW")) == 2
    finally:
        ctx.close()


def test_refused_bulk_page_rolls_the_trigger_back(tmp_path: Path) -> None:
    ctx = open_context(tmp_path / "van", actor="t")
    try:
        changes = _changes(1000)
        devices = [ch for ch in changes if ch.table == "device" and ch.seq <= 1000]
        bad = devices[-1].model_copy(
            update={"fields": {**devices[-1].fields, "asset_tag": devices[0].fields["asset_tag"]}}
        )
        page = [ch for ch in changes[:1000] if ch is not devices[-1]] + [bad]
        with pytest.raises(IntegrityError), ctx.sessions() as s, s.begin():
            apply_page(s, page, NOW)
        before = _contents(ctx)
        assert before["device"] == [] and len([t for t in before["triggers"] if "_fts_" in t[0]]) == 6
        # The service then applies the page row by row: the bad record is refused.
        with ctx.sessions() as s, s.begin():
            result = apply_page(s, page, NOW, careful=True)
        assert result.refused >= 1  # the device, and any loan of it
        assert len(ctx.devices.search_ids("lenovo")) == len(devices) - 1
        _contents(ctx)  # full-text index consistent
    finally:
        ctx.close()


def test_initial_sync_through_the_server_is_searchable(tmp_path: Path, sqlite_server, replicas) -> None:
    sqlite_server.add_tenant("Bench")
    token = sqlite_server.issue_token("Bench", "BUS")
    load_server(sqlite_server.database, "Bench", generate(2000))
    van = make_replica(tmp_path, "van", sqlite_server, token, page_size=1000)
    replicas.append(van)
    result = van.sync()
    assert result.pulled == 2000 and result.mismatched_tables == [] and result.repulled_tables == []
    assert len(van.ctx.devices.search_ids("SN00000599")) == 1
    assert len(van.ctx.borrowers.search_ids("Voornaam999")) == 1
    assert van.sync().requests == 1


def test_bulk_page_after_the_largest_rowid_was_taken(tmp_path: Path) -> None:
    """SQLite then hands out rowids at random: the full-text rows are found by id."""
    ctx = open_context(tmp_path / "van", actor="t")
    try:
        changes = _changes(1000)[:1000]
        _apply(ctx, [changes[:1]])  # the location
        ctx.locations.initialise("BUS", "Bus")
        ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "EERSTE-1"))
        with cipher_connect(_db_file(ctx), ctx.db_key) as conn:
            conn.execute("UPDATE device SET rowid = 9223372036854775807")
        _apply(ctx, [changes[1:]])
        assert len(ctx.devices.search_ids("lenovo")) == 300
        assert len(ctx.devices.search_ids("SN00000299")) == 1
        assert len(ctx.borrowers.search_ids("Voornaam420")) == 1
        _contents(ctx)  # full-text index consistent
    finally:
        ctx.close()
