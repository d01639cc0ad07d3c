"""Apply pulled changes to the local replica, one page per transaction.

The page's rows are read and written with Core statements (not ORM objects):
changes from elsewhere must not be recorded in the outbox again, and a new van
pulls 100,000 records in seconds this way. Foreign keys are checked at commit
(`defer_foreign_keys`), because a page may bring a loan before its device.
The cursor is written by the caller in the same transaction as the page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.sync import lww
from app.sync.protocol import LoggedChange, TableDigest
from db import clock
from db.base import Base, FieldConflict, model_for_table, synced_models
from db.changes import observe_stamp, write_state
from db.values import from_json, to_json

log = logging.getLogger(__name__)

CHUNK = 500
APPLYING_KEY = "sync_applying"


@dataclass
class PageResult:
    applied: int = 0
    conflicts: int = 0
    skipped_tables: set[str] = field(default_factory=set)
    refused: int = 0  # rows the local database would not take (logged)


def record_conflict(
    session: Session,
    table: str,
    row_id: str,
    name: str,
    kept_value: Any,
    kept_stamp: str,
    lost_value: Any,
    lost_stamp: str,
    now: dt.datetime,
) -> bool:
    """Log a losing value once (a re-pull or a retried answer must not log it twice)."""
    exists = session.scalar(
        select(FieldConflict.id).where(
            FieldConflict.table_name == table,
            FieldConflict.row_id == row_id,
            FieldConflict.field == name,
            FieldConflict.lost_stamp == lost_stamp,
        )
    )
    if exists is not None:
        return False
    session.add(
        FieldConflict(
            table_name=table,
            row_id=row_id,
            field=name,
            kept_value=kept_value,
            kept_stamp=kept_stamp,
            lost_value=lost_value,
            lost_stamp=lost_stamp,
            recorded_at=now,
        )
    )
    return True


def _defaults(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is None:
            continue
        if default.is_scalar:
            out[col.name] = default.arg
        elif default.is_callable:
            try:
                out[col.name] = default.arg({})
            except TypeError:
                out[col.name] = default.arg()
    return out


def apply_page(
    session: Session,
    changes: Iterable[LoggedChange],
    now: dt.datetime,
    log_conflicts: bool = True,
    careful: bool = False,
) -> PageResult:
    """Merge one page; `log_conflicts=False` for a re-pull from the start, where old
    values that were overwritten long ago are history, not conflicts.

    `careful=True` (after the page failed on a constraint) writes row by row in
    savepoints and skips a row the database refuses, logged and counted: one bad
    record must not block every later change.
    """
    result = PageResult()
    conn = session.connection()
    if conn.dialect.name == "sqlite" and not careful:
        # The pragma lasts until the end of the current transaction, so one must be
        # open: pysqlite only begins one at the first write.
        write_state(session, APPLYING_KEY, "")
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    by_table: dict[str, list[LoggedChange]] = defaultdict(list)
    newest = ""
    for ch in changes:
        by_table[ch.table].append(ch)
        for stamp in ch.clocks.values():
            newest = max(newest, stamp)
    # Parents before children (devices before loans) where the page allows it.
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    for table_name, table_changes in sorted(by_table.items(), key=lambda kv: order.get(kv[0], 1 << 30)):
        model = model_for_table(table_name)
        if model is None:
            log.warning("pulled changes for unknown table %s skipped", table_name)
            result.skipped_tables.add(table_name)
            continue
        _apply_table(session, model, table_changes, now, result, log_conflicts, careful)
    if newest:
        # Our clock moves past everything we have seen: later local edits order after it.
        observe_stamp(session, clock.Stamp.decode(newest))
    return result


def _apply_table(
    session: Session,
    model: type,
    changes: list[LoggedChange],
    now: dt.datetime,
    result: PageResult,
    log_conflicts: bool,
    careful: bool,
) -> None:
    conn = session.connection()
    table: Table = model.__table__  # type: ignore[attr-defined]
    names: list[str] = model.data_columns()  # type: ignore[attr-defined]
    types = {n: table.c[n].type for n in names}
    state: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
    ids = sorted({ch.row_id for ch in changes})
    for i in range(0, len(ids), CHUNK):
        for row in conn.execute(select(table).where(table.c.id.in_(ids[i : i + CHUNK]))).mappings():
            state[row["id"]] = ({n: to_json(row[n]) for n in names}, dict(row["clocks"] or {}))
    existing = set(state)
    touched: dict[str, str] = {}  # row id -> origin of the last winning change
    for ch in changes:
        fields, clocks = ch.fields, ch.clocks
        if not (fields.keys() <= types.keys() and fields.keys() <= clocks.keys()):
            # From a newer program version: keep what this version knows.
            fields = {k: v for k, v in fields.items() if k in types and k in clocks}
            clocks = {k: clocks[k] for k in fields}
        if not fields:
            continue
        cur = state.get(ch.row_id)
        outcome = lww.merge(cur[0] if cur else None, cur[1] if cur else None, fields, clocks)
        for lost in outcome.lost if log_conflicts else ():
            if record_conflict(
                session,
                table.name,
                ch.row_id,
                lost.field,
                lost.kept_value,
                lost.kept_stamp,
                lost.lost_value,
                lost.lost_stamp,
                now,
            ):
                result.conflicts += 1
        if outcome.won:
            state[ch.row_id] = (outcome.fields, outcome.clocks)
            touched[ch.row_id] = ch.origin
            result.applied += 1
    if not touched:
        return
    defaults = _defaults(table)
    required = [
        c.name
        for c in table.columns
        if not c.nullable and c.default is None and c.server_default is None and not c.primary_key
    ]
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    # Only date and datetime columns need converting from their JSON text.
    dated = [n for n in names if isinstance(types[n], Date | DateTime)]
    for row_id, origin in touched.items():
        fields, clocks = state[row_id]
        values = {n: fields[n] for n in names if n in fields}
        for n in dated:
            if n in values:
                values[n] = from_json(types[n], values[n])
        meta = {"clocks": clocks, "updated_at": max(clocks.values(), default=""), "origin": origin}
        if row_id in existing:
            row = {f"b_{n}": values.get(n) for n in names}
            row.update({f"b_{k}": v for k, v in meta.items()})
            row["b_id"] = row_id
            updates.append(row)
        elif any(values.get(n) is None for n in required):
            # Only part of a record we never saw created: the post-round check
            # notices the gap and pulls the table again from its start.
            log.warning("incomplete %s %s not inserted (missing required fields)", table.name, row_id)
            result.refused += 1
        else:
            row = {k: (v.copy() if isinstance(v, dict | list) else v) for k, v in defaults.items()}
            row.update(values)
            row.update(meta)
            row.setdefault("changed_by", "")
            row["id"] = row_id
            inserts.append(row)
    update_stmt = None
    if updates:
        cols = [*names, "clocks", "updated_at", "origin"]
        update_stmt = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in cols})
        )
    if careful:
        for stmt, rows in ((table.insert(), inserts), (update_stmt, updates)):
            for row in rows:
                try:
                    with session.begin_nested():
                        conn.execute(stmt, [row])
                except IntegrityError as exc:
                    log.warning("pulled %s row refused by the local database: %s", table.name, exc.orig)
                    result.refused += 1
        return
    if inserts:
        _bulk_insert(conn, table, inserts)
    if update_stmt is not None:
        conn.execute(update_stmt, updates)


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """One driver-level executemany with the columns' own bind processors: the same
    values SQLAlchemy would write, without its per-row bookkeeping (a new van pulls
    100,000 records)."""
    dialect = conn.dialect
    columns = list(table.columns)
    processors = [c.type.bind_processor(dialect) for c in columns]
    names = [c.name for c in columns]
    sql = "INSERT INTO {t} ({cols}) VALUES ({marks})".format(
        t=dialect.identifier_preparer.format_table(table),
        cols=", ".join(dialect.identifier_preparer.format_column(c) for c in columns),
        marks=", ".join("?" for _ in columns),
    )
    params = [
        tuple(
            value if proc is None else proc(value)
            for value, proc in zip((row.get(n) for n in names), processors, strict=True)
        )
        for row in rows
    ]
    conn.exec_driver_sql(sql, params)


def local_digests(session: Session) -> dict[str, TableDigest]:
    """Per-table count and XOR of record digests, computed like the server does."""
    conn = session.connection()
    out: dict[str, TableDigest] = {}
    for model in synced_models():
        table: Table = model.__table__  # type: ignore[attr-defined]
        names = sorted(["id", *model.data_columns()])  # type: ignore[attr-defined]
        # Only dates and nested JSON need converting; everything else hashes as read.
        convert = [i for i, n in enumerate(names) if isinstance(table.c[n].type, Date | DateTime | JSON)]
        acc = 0
        count = 0
        digest_row = lww.digest_row
        if convert:
            for row in conn.execute(select(*[table.c[n] for n in names])):
                values = list(row)
                for i in convert:
                    values[i] = lww.canonical(to_json(values[i]))
                acc ^= digest_row(tuple(values))
                count += 1
        else:
            for row in conn.execute(select(*[table.c[n] for n in names])):
                acc ^= digest_row(tuple(row))
                count += 1
        out[table.name] = TableDigest(count=count, digest=lww.digest_hex(acc))
    return out
