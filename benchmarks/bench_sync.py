"""Sync benchmarks against a real uvicorn server on loopback.

1. Initial sync of a new van: N records (default 100,000) pulled into an empty
   replica, in records/s, and as a ratio to a raw bulk insert of the same rows
   (Core `insert`, one transaction) measured in the same run. Goal ≥ 20k records/s.
2. A no-op round right after: requests, bytes, ms. Goal ≤ 2 requests, ≤ 2 KB, ≤ 50 ms.
3. 1,000 local changes pushed (and their echo pulled and checked).

The server's data is generated straight into its tables (a benchmark generator may
bypass the ORM; the generated rows are what pushes would have left behind).

    python -m benchmarks.bench_sync [--records 100000] [--db URL] [--plain]

The van's database is encrypted (SQLCipher) as the program makes it; `--plain` makes it
an unencrypted SQLite file as before, to measure what encryption costs (see
bench_encryption.py). DIGIBANK_PASSPHRASE is set to a bench passphrase when absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from app import config
from app.context import AppContext, open_context
from app.sync import lww
from app.sync.service import SyncService
from app.sync.transport import HttpTransport
from db.base import model_for_table
from db.engine import make_engine, migrate, session_factory, sqlite_url
from db.models import Borrower
from db.rules import defaults_for
from db.values import from_json
from server.database import Database
from server.models import ChangeLogEntry, LocationToken, MergedRecord, TableDigestRow, Tenant
from server.security import hash_token, new_token
from server.store import digest_names

NODE = "00000000-0000-4000-8000-00000000b0b0"
BENCH_PASSPHRASE = "bench-wachtwoord-balie"


def _stamp(i: int) -> str:
    return f"{1795000000000 + i:013d}-000000-{NODE}"


def generate(n: int, seed: int = 1) -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, fields) in creation order: 1 location, then devices, borrowers, loans."""
    rng = random.Random(seed)
    loc = str(uuid.UUID(int=rng.getrandbits(128)))
    rows: list[tuple[str, str, dict[str, Any]]] = [
        (
            "location",
            loc,
            {
                "code": "KRT",
                "name": "Kortrijk balie",
                "kind": "fixed",
                "address": "",
                "postcode": "8500",
                "municipality": "Kortrijk",
                "phone": "",
                "email": "",
            },
        )
    ]
    devices, borrowers = [], []
    n_dev, n_bor = int(n * 0.3), int(n * 0.5)
    for i in range(n_dev):
        did = str(uuid.UUID(int=rng.getrandbits(128)))
        devices.append(did)
        rows.append(
            (
                "device",
                did,
                {
                    "asset_tag": f"KRT-{i + 1:06d}",
                    "kind": "laptop",
                    "brand": "Lenovo",
                    "model": "T480",
                    "serial": f"SN{i:08d}",
                    "source": "donation",
                    "donation_id": None,
                    "intake_date": "2026-01-05",
                    "status": "ready",
                    "location_id": loc,
                    "acquisition_cost_cents": 0,
                    "specs": {"ram_gb": 8},
                    "accessories": "",
                    "notes": "",
                    "given_to_borrower_id": None,
                    "given_on": None,
                },
            )
        )
    for i in range(n_bor):
        bid = str(uuid.UUID(int=rng.getrandbits(128)))
        borrowers.append(bid)
        rows.append(
            (
                "borrower",
                bid,
                {
                    "card_number": f"KRT-B-{i + 1:07d}",
                    "first_name": f"Voornaam{i}",
                    "last_name": f"Naam{i % 977}",
                    "phone": "056 12 34 56",
                    "email": "",
                    "street": "Kerkstraat 1",
                    "postcode": "8500",
                    "municipality": "Kortrijk",
                    "province": "West-Vlaanderen",
                    "language": "nl",
                    "target_group": "",
                    "eligibility_proof": "",
                    "consent_date": "2026-01-05",
                    "blocked": False,
                    "blocked_reason": "",
                    "notes": "",
                    "erased": False,
                    "location_id": loc,
                },
            )
        )
    for _ in range(n - 1 - n_dev - n_bor):
        rows.append(
            (
                "loan",
                str(uuid.UUID(int=rng.getrandbits(128))),
                {
                    "device_id": rng.choice(devices),
                    "borrower_id": rng.choice(borrowers),
                    "out_location_id": loc,
                    "in_location_id": loc,
                    "out_at": "2026-02-01T10:00:00",
                    "in_at": "2026-03-01T10:00:00",
                    "due_date": "2026-05-01",
                    "state": "returned",
                    "deposit_cents": 0,
                    "deposit_refunded_cents": 0,
                    "deposit_method": "",
                    "deposit_reason": "",
                    "deposit_kept_reason": "",
                    "extensions": 0,
                    "contract_version": "",
                    "contract_printed": True,
                    "signed_on_paper": True,
                    "signature_png": "",
                    "condition_out": "",
                    "condition_in": "",
                    "conflict": "",
                },
            )
        )
    out = []
    for i, (table, rid, fields) in enumerate(rows):
        # Every column a counter's insert fills (db/rules.py), also those added after this was written.
        full = {**defaults_for(table), **fields, "created_at": _stamp(i), "deleted": False}
        out.append((table, rid, full))
    return out


def load_server(database: Any, tenant: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    with database.sessions() as s, s.begin():
        tid = s.scalar(select(Tenant.id).where(Tenant.name == tenant))
        log, recs = [], []
        xor: dict[str, int] = defaultdict(int)
        count: dict[str, int] = defaultdict(int)
        for seq, (table, rid, fields) in enumerate(rows, start=1):
            clocks = {k: _stamp(seq - 1) for k in fields}
            d = lww.record_digest({"id": rid, **fields}, digest_names(table))
            xor[table] ^= d
            count[table] += 1
            log.append(
                {
                    "tenant_id": tid,
                    "seq": seq,
                    "table_name": table,
                    "row_id": rid,
                    "origin": NODE,
                    "fields": fields,
                    "clocks": clocks,
                }
            )
            recs.append(
                {
                    "tenant_id": tid,
                    "table_name": table,
                    "row_id": rid,
                    "fields": fields,
                    "clocks": clocks,
                    "digest": lww.digest_hex(d),
                }
            )
        for i in range(0, len(log), 5000):
            s.execute(insert(ChangeLogEntry), log[i : i + 5000])
            s.execute(insert(MergedRecord), recs[i : i + 5000])
        s.execute(
            insert(TableDigestRow),
            [
                {"tenant_id": tid, "table_name": t, "count": count[t], "digest": lww.digest_hex(xor[t])}
                for t in xor
            ],
        )
        s.execute(update(Tenant).where(Tenant.id == tid).values(last_seq=len(rows)))


def open_van(folder: Path, plain: bool = False) -> AppContext:
    """The counter's data folder: encrypted as the program makes it, or plain (--plain) as the
    release before encryption did, to measure what SQLCipher costs."""
    if not plain:
        return open_context(folder, actor="bench")
    config.secure_folder(folder)
    engine = make_engine(sqlite_url(folder / config.DB_FILE))
    migrate(engine)
    return AppContext(folder, engine, session_factory(engine, "bench"), config.Settings.load(folder))


def raw_insert_seconds(
    folder: Path, rows: list[tuple[str, str, dict[str, Any]]], plain: bool = False
) -> float:
    ctx = open_van(folder, plain)
    try:
        by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i, (table, rid, fields) in enumerate(rows):
            model = model_for_table(table)
            cols = model.__table__.c  # type: ignore[union-attr]
            values = {k: from_json(cols[k].type, v) for k, v in fields.items()}
            by_table[table].append(
                {
                    **values,
                    "id": rid,
                    "updated_at": _stamp(i),
                    "origin": NODE,
                    "changed_by": "",
                    "clocks": {k: _stamp(i) for k in fields},
                }
            )
        started = time.perf_counter()
        with ctx.engine.begin() as conn:
            for table in ("location", "device", "borrower", "loan"):
                conn.execute(model_for_table(table).__table__.insert(), by_table[table])  # type: ignore[union-attr]
        return time.perf_counter() - started
    finally:
        ctx.close()


def start(db_url: str) -> tuple[str, subprocess.Popen[bytes]]:
    """The server in its own process (as in production: its own cores, its own GIL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "--db", db_url, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health").status_code == 200:
                return url, proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--db", help="server database URL (default: a temporary SQLite file)")
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument(
        "--plain", action="store_true", help="counter database unencrypted (for the cost of SQLCipher)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DIGIBANK_PASSPHRASE", BENCH_PASSPHRASE)
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    db_url = args.db or f"sqlite:///{tmp / 'server.db'}"
    database = Database(db_url)
    database.migrate()
    figures: dict[str, Any] = {"records": args.records, "counter_db": "plain" if args.plain else "sqlcipher"}
    proc = None
    try:
        token = new_token()
        with database.sessions() as s, s.begin():
            t = Tenant(name="Bench", last_seq=0)
            s.add(t)
            s.flush()
            s.add(LocationToken(tenant_id=t.id, location_code="BUS", token_hash=hash_token(token)))
        rows = generate(args.records)
        load_server(database, "Bench", rows)
        url, proc = start(db_url)

        raw = raw_insert_seconds(tmp / "raw", rows, args.plain)
        van = open_van(tmp / "van", args.plain)
        service = SyncService(van.sessions, HttpTransport(url, token), page_size=args.page)
        started = time.perf_counter()
        result = service.run_once()
        took = time.perf_counter() - started
        assert result.pulled == args.records and not result.mismatched_tables, result
        figures["initial_sync_s"] = round(took, 2)
        figures["initial_records_per_s"] = round(args.records / took)
        figures["raw_bulk_insert_s"] = round(raw, 2)
        figures["ratio_to_raw_insert"] = round(took / raw, 1)
        figures["initial_requests"] = result.requests

        noop = []
        for _ in range(5):
            r = service.run_once()
            noop.append((r.requests, r.bytes_sent + r.bytes_received, r.duration_ms))
        figures["noop_requests"] = noop[-1][0]
        figures["noop_bytes"] = noop[-1][1]
        figures["noop_ms_median"] = round(statistics.median(x[2] for x in noop), 1)

        van.locations.initialise("BUS", "Bus")
        with van.sessions() as s, s.begin():
            for b in s.scalars(select(Borrower).limit(1000)):
                b.notes = "bijgewerkt"
        started = time.perf_counter()
        r = service.run_once()
        figures["push_1000_s"] = round(time.perf_counter() - started, 2)
        figures["push_1000_requests"] = r.requests
        figures["push_1000_pushed"] = r.pushed
        van.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        database.dispose()
    figures["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    json.dump(figures, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
