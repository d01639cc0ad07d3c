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
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import JSON, ColumnDefault, Date, DateTime, Table, Update, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.sync import lww
from app.sync.bulk_insert import CHUNK, InsertPlan, bulk_insert, tuple_getter
from app.sync.page_check import tables_that_pass
from app.sync.protocol import STAMP_PATTERN, LoggedChange, TableDigest
from app.sync.set_aside import set_aside
from db import clock, rules
from db.base import Base, FieldConflict, LocalState, model_for_table, synced_models
from db.changes import observe_stamp, write_state
from db.values import from_json, to_json

log = logging.getLogger(__name__)

APPLYING_KEY = "sync_applying"
STAMP = re.compile(STAMP_PATTERN)


@dataclass
class PageResult:
    applied: int = 0
    conflicts: int = 0
    skipped_tables: set[str] = field(default_factory=set)
    refused: int = 0  # rows the local database would not take (logged)
    set_aside: int = 0  # changes kept in sync_set_aside to retry (app/sync/set_aside.py)


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
            out[col.name] = cast(ColumnDefault, default).arg
        elif default.is_callable:
            try:
                out[col.name] = cast(ColumnDefault, default).arg({})
            except TypeError:
                out[col.name] = cast(ColumnDefault, default).arg()
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
    if conn.dialect.name == "sqlite":
        # The pragma lasts until the end of the current transaction, so one must be
        # open: pysqlite only begins one at the first write. In the careful path too:
        # a savepoint outside a transaction would be its own transaction, committed
        # at its release whatever a deferred check says.
        write_state(session, APPLYING_KEY, "")
        conn.exec_driver_sql(f"PRAGMA defer_foreign_keys={'OFF' if careful else 'ON'}")
    by_table: dict[str, list[LoggedChange]] = defaultdict(list)
    newest = ""
    erasures: list[tuple[str, str]] = []
    changes = list(changes)
    passing = tables_that_pass(changes)  # the same rules, a whole table's column at once
    for ch in changes:
        why = None if ch.table in passing else _cannot_apply(ch)
        if why is not None:
            # One bad record must not stop the page: it waits, everything else applies.
            if set_aside(session, ch.table, ch.row_id, ch.origin, ch.fields, ch.clocks, why, now):
                result.set_aside += 1
            continue
        by_table[ch.table].append(ch)
        if ch.fields.get("erased") is True:
            erasures.append((ch.table, ch.row_id))
        if ch.clocks:
            stamp = max(ch.clocks.values())
            if stamp > newest:
                newest = stamp
    # Parents before children (devices before loans) where the page allows it.
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    for table_name, table_changes in sorted(by_table.items(), key=lambda kv: order.get(kv[0], 1 << 30)):
        model = model_for_table(table_name)
        if model is None:
            log.warning("pulled changes for unknown table %s skipped", table_name)
            result.skipped_tables.add(table_name)
            continue
        _apply_table(session, model, table_changes, now, result, log_conflicts, careful)
    if erasures:
        from app.privacy import scrub_after_pulled_erasure  # the GDPR rules live there

        scrub_after_pulled_erasure(session, erasures)
    if "borrower" in by_table:
        # A pulled person may lack a current NIS code (an older program made them): the next
        # open checks the people again (BorrowerService.repair_municipalities_if_due).
        from app.postcodes import CHECKED_KEY

        table = LocalState.__table__
        session.connection().execute(table.delete().where(table.c.key == CHECKED_KEY))
    if newest:
        # Our clock moves past everything we have seen: later local edits order after it.
        observe_stamp(session, clock.Stamp.decode(newest))
    return result


def _cannot_apply(ch: LoggedChange) -> str | None:
    """Why a pulled change fails the field rules (its known fields; a newer program's
    fields are left out as before), or None."""
    table_rules = rules.rules_for(ch.table)
    if table_rules is None:
        return None  # a newer program's table: skipped and logged by apply_page
    if not (rules.check_identifier(ch.row_id) and rules.check_identifier(ch.origin)):
        return "bad-id"
    fields = ch.fields
    if not (fields.keys() <= table_rules.keys() and fields.keys() <= ch.clocks.keys()):
        fields = {k: v for k, v in fields.items() if k in table_rules and k in ch.clocks}
    seen: set[str] = set()  # a change's fields mostly share one stamp: checked once
    for name in fields:
        stamp = ch.clocks[name]
        if stamp in seen:
            continue
        if type(stamp) is not str or not STAMP.fullmatch(stamp):
            return f"bad-clocks: {ch.table}.{name}"
        seen.add(stamp)
    problems = rules.check_fields(ch.table, fields)
    return f"bad-value: {problems[0].describe()}" if problems else None


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
    row: Any  # a fetched mapping here, an insert's or an update's parameters below
    ids = sorted({ch.row_id for ch in changes})
    if conn.dialect.name == "sqlite":
        # Which of them exist, at the driver level (a new van's pages find none), then
        # the full records of those through SQLAlchemy as before.
        t = conn.dialect.identifier_preparer.format_table(table)
        found: list[str] = []
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            found.extend(
                r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {t} WHERE id IN ({marks})", tuple(chunk))
            )
        ids = sorted(found)
    for i in range(0, len(ids), CHUNK):
        for row in conn.execute(select(table).where(table.c.id.in_(ids[i : i + CHUNK]))).mappings():
            state[row["id"]] = ({n: to_json(row[n]) for n in names}, dict(row["clocks"] or {}))
    existing = set(state)
    touched: dict[str, str] = {}  # row id -> origin of the last winning change
    known = types.keys()
    for ch in changes:
        fields, clocks = ch.fields, ch.clocks
        if not (fields.keys() <= known and fields.keys() <= clocks.keys()):
            # From a newer program version: keep what this version knows.
            fields = {k: v for k, v in fields.items() if k in types and k in clocks}
            clocks = {k: clocks[k] for k in fields}
        if not fields:
            continue
        cur = state.get(ch.row_id)
        if cur is None:
            # A record this replica has not seen: every field is taken as it comes,
            # exactly what lww.merge answers for an unknown record (nothing can be
            # lost), without building its Outcome. The change's dicts are not
            # mutated later (a merge copies them), so they are kept as they are.
            if tuple(clocks) != tuple(fields):
                clocks = {k: clocks[k] for k in fields}
            state[ch.row_id] = (fields, clocks)
            touched[ch.row_id] = ch.origin
            result.applied += 1
            continue
        outcome = lww.merge(cur[0], cur[1], fields, clocks)
        # A model whose records two counters are meant to write alike (a reminder sent at
        # both) merges as usual, but its losing values are no conflict for a person.
        quiet = getattr(model, "SAME_RECORD_EXPECTED", False)
        for lost in outcome.lost if log_conflicts and not quiet else ():
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
    required_keys = frozenset(required)
    required_values = tuple_getter(required)
    # Only date and datetime columns need converting from their JSON text.
    dated = [n for n in names if isinstance(types[n], Date | DateTime)]
    plan = InsertPlan(conn, table, names, defaults, dated)
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for row_id, origin in touched.items():
        fields, clocks = state[row_id]
        if row_id in existing:
            values = {n: fields[n] for n in names if n in fields}
            for n in dated:
                if n in values:
                    values[n] = from_json(types[n], values[n])
            meta = {"clocks": clocks, "updated_at": max(clocks.values(), default=""), "origin": origin}
            row = {f"b_{n}": values.get(n) for n in names}
            row.update({f"b_{k}": v for k, v in meta.items()})
            row["b_id"] = row_id
            updates.append(row)
        elif not (required_keys <= fields.keys()) or None in required_values(fields):
            # Only part of a record we never saw created (its creation may be set
            # aside): kept to retry with it; the post-round check notices the gap.
            log.warning("incomplete %s %s not inserted (missing required fields)", table.name, row_id)
            result.refused += 1
            if set_aside(session, table.name, row_id, origin, fields, clocks, "incomplete", now):
                result.set_aside += 1
        else:
            inserts.append(plan.params(row_id, origin, fields, clocks))
    update_stmt = None
    if updates:
        cols = [*names, "clocks", "updated_at", "origin"]
        update_stmt = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in cols})
        )
    if careful:
        id_at = {True: plan.id_index, False: "b_id"}
        for stmt, rows, driver in ((plan.sql, inserts, True), (update_stmt, updates, False)):
            for row in rows:
                try:
                    with session.begin_nested():
                        if driver:
                            conn.exec_driver_sql(cast(str, stmt), row)
                        else:
                            conn.execute(cast(Update, stmt), [row])
                except IntegrityError as exc:
                    log.warning("pulled %s row refused by the local database: %s", table.name, exc.orig)
                    result.refused += 1
                    row_id = row[id_at[driver]]
                    fields, clocks = state[row_id]
                    why = f"refused: {exc.orig}"
                    if set_aside(session, table.name, row_id, touched[row_id], fields, clocks, why, now):
                        result.set_aside += 1
        return
    if inserts:
        bulk_insert(conn, table, plan.sql, inserts, plan.id_index)
    if update_stmt is not None:
        conn.execute(update_stmt, updates)


def local_digests(session: Session) -> dict[str, TableDigest]:
    """Per-table count and XOR of record digests, computed like the server does.

    Rows are read at the driver level; a column that SQLAlchemy converts on reading
    (booleans, dates, JSON) goes through that same result processor (and `to_json` and
    `canonical` for dates and JSON) once per distinct stored value, so every record
    hashes exactly as its ORM-read values would."""
    conn = session.connection()
    dialect = conn.dialect
    prep = dialect.identifier_preparer
    out: dict[str, TableDigest] = {}
    digest_row = lww.digest_row
    for model in synced_models():
        table: Table = model.__table__
        names = sorted(["id", *model.data_columns()])
        convert: list[tuple[int, dict[Any, Any], Any]] = []
        for i, n in enumerate(names):
            column_type = table.c[n].type
            proc = column_type._cached_result_processor(dialect, None)
            canon = isinstance(column_type, Date | DateTime | JSON)
            if proc is not None or canon:
                convert.append((i, {}, _reader(proc, canon)))
        sql = "SELECT {cols} FROM {t}".format(
            cols=", ".join(prep.format_column(table.c[n]) for n in names), t=prep.format_table(table)
        )
        acc = 0
        count = 0
        # The driver's own cursor, in this session's transaction: plain tuples.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            if convert:
                for row in cursor:  # type: ignore[union-attr]  # driver cursors iterate; DBAPICursor omits it
                    values = list(row)
                    for i, memo, read in convert:
                        raw = values[i]
                        try:
                            values[i] = memo[raw]
                        except KeyError:
                            values[i] = memo[raw] = read(raw)
                        except TypeError:  # not hashable (a driver would not return one)
                            values[i] = read(raw)
                    acc ^= digest_row(tuple(values))
                    count += 1
            else:
                for row in cursor:  # type: ignore[union-attr]  # driver cursors iterate; DBAPICursor omits it
                    acc ^= digest_row(tuple(row))
                    count += 1
        finally:
            cursor.close()
        out[table.name] = TableDigest(count=count, digest=lww.digest_hex(acc))
    return out


def _reader(proc: Any, canon: bool) -> Any:
    """Stored value -> the value hashed: as SQLAlchemy reads it, then (dates, JSON)
    as JSON text in canonical form."""

    def read(raw: Any) -> Any:
        value = proc(raw) if proc is not None else raw
        return lww.canonical(to_json(value)) if canon else value

    return read
