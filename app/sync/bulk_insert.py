"""Inserting pulled records fast: driver-level parameters and one executemany per page.

A new van pulls 100,000 records; building ORM objects (or even SQLAlchemy's per-row
bind processing) would dominate the initial sync. The values written are exactly
those SQLAlchemy would write (app/sync/merge.py decides *what* to write; this module
only writes it).
"""

from __future__ import annotations

import json
import operator
import sqlite3
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table

from db.values import from_json

CHUNK = 500
# Fewer new rows than this keep the full-text insert trigger (see bulk_insert).
FTS_BULK_MIN = 200


class InsertPlan:
    """Driver-level parameters for inserting new records: the same values that
    SQLAlchemy would write through the columns' bind processors (and that pysqlite's
    own adapters make of dates), built with as little per-value Python as possible
    (a new van pulls 100,000 records)."""

    def __init__(
        self, conn: Connection, table: Table, names: list[str], defaults: dict[str, Any], dated: list[str]
    ) -> None:
        dialect = conn.dialect
        # Content columns first, then the sync bookkeeping: a complete record's values
        # are read from its fields with one C-level itemgetter.
        data = [table.c[n] for n in names]
        meta = [c for c in table.columns if c.name not in set(names)]
        columns = data + meta
        prep = dialect.identifier_preparer
        self.sql = "INSERT INTO {t} ({cols}) VALUES ({marks})".format(
            t=prep.format_table(table),
            cols=", ".join(prep.format_column(c) for c in columns),
            marks=", ".join("?" for _ in columns),
        )
        self._n_data = len(names)
        self.id_index = [c.name for c in columns].index("id")
        self._data_getter = tuple_getter(names)
        self._base_data: dict[str, Any] = {n: defaults.get(n) for n in names}
        self._base_meta: dict[str, Any] = {c.name: defaults.get(c.name) for c in meta}
        if self._base_meta.get("changed_by", "") is None:
            self._base_meta["changed_by"] = ""
        self._mutable = [k for k, v in self._base_data.items() if isinstance(v, dict | list)]
        self._mutable_meta = [k for k, v in self._base_meta.items() if isinstance(v, dict | list)]
        self._meta_getter = tuple_getter([c.name for c in meta])
        # (index, processor, memo): booleans take few values, so their processor
        # runs once per distinct value; other values (JSON) go through it each time.
        self._procs: list[tuple[int, Any, dict[Any, Any] | None]] = [
            (i, _json_dumper(dialect, c.type, proc) if isinstance(c.type, JSON) else proc, None)
            if not isinstance(c.type, Boolean)
            else (i, proc, {})
            for i, c in enumerate(columns)
            if (proc := c.type.bind_processor(dialect)) is not None
        ]
        # A pulled record is mostly one write: every field's clock is one stamp. Its clocks'
        # JSON text is then the stamp joined between fixed pieces (exactly what the encoder
        # would write for them in column order), far cheaper than encoding the mapping.
        self._clocks_at = -1
        self._clock_pieces: list[str] = []
        self._names = frozenset(names)
        clocks_at = [c.name for c in columns].index("clocks") if "clocks" in table.c else -1
        procs = dict((i, proc) for i, proc, _memo in self._procs)
        if clocks_at >= 0 and names and _encodes_like_json_dumps(procs.get(clocks_at), dialect, table):
            self._clocks_at = clocks_at
            keys = [json.dumps(n) for n in names]
            self._clock_pieces = [f'{{{keys[0]}: "', *(f'", {k}: "' for k in keys[1:]), '"}']
        adapt = dialect.name == "sqlite"
        self._dated: list[tuple[int, str, Any, dict[Any, Any], bool]] = [
            (names.index(n), n, table.c[n].type, {}, adapt) for n in dated
        ]

    @staticmethod
    def _date_value(memo: dict[str, Any], column_type: Any, value: Any, adapt: bool) -> Any:
        """A date or datetime from its JSON text, adapted like pysqlite would adapt it
        (memoised: many records share a date)."""
        try:
            return memo[value]
        except (KeyError, TypeError):
            pass
        out = from_json(column_type, value)
        if adapt and out is not None:
            adapter = sqlite3.adapters.get((type(out), sqlite3.PrepareProtocol))
            if adapter is not None:
                out = adapter(out)
        if isinstance(value, str):
            memo[value] = out
        return out

    def params(
        self, row_id: str, origin: str, fields: dict[str, Any], clocks: dict[str, str]
    ) -> tuple[Any, ...]:
        memo: dict[Any, Any] | None
        full = len(fields) == self._n_data  # fields hold only content columns
        if full:
            values = list(self._data_getter(fields))
        else:
            row = self._base_data.copy()
            for k in self._mutable:
                row[k] = row[k].copy()
            row.update(fields)
            values = list(self._data_getter(row))
        for i, n, column_type, memo, adapt in self._dated:
            if full or n in fields:  # a default is not JSON text
                value = values[i]
                try:
                    values[i] = memo[value]
                except (KeyError, TypeError):
                    values[i] = self._date_value(memo, column_type, value, adapt)
        meta = self._base_meta.copy()
        for k in self._mutable_meta:
            meta[k] = meta[k].copy()
        stamps = set(clocks.values())
        one = len(stamps) == 1 and self._clocks_at >= 0 and clocks.keys() == self._names
        meta["clocks"] = clocks
        meta["updated_at"] = max(stamps, default="")
        meta["origin"] = origin
        meta["id"] = row_id
        values.extend(self._meta_getter(meta))
        if one:
            (stamp,) = stamps
            if '"' not in stamp and "\\" not in stamp and stamp.isascii() and stamp.isprintable():
                values[self._clocks_at] = _Encoded(stamp.join(self._clock_pieces))
        for i, proc, memo in self._procs:
            value = values[i]
            if memo is None:
                values[i] = proc(value)
            elif type(value) is bool or value is None:
                try:
                    values[i] = memo[value]
                except KeyError:
                    values[i] = memo[value] = proc(value)
            else:
                values[i] = proc(value)
        return tuple(values)


class _Encoded(str):
    """A JSON column's text already encoded (see InsertPlan's clock pieces): passed as is."""


def _encodes_like_json_dumps(proc: Any, dialect: Any, table: Table) -> bool:
    """The clocks column is written by the plain JSON dumper below (no custom serializer),
    so text built from its pieces is what it would have written."""
    column_type = table.c["clocks"].type
    return (
        proc is not None
        and isinstance(column_type, JSON)
        and dialect._json_serializer is None
        and column_type._str_impl.bind_processor(dialect) is None
        and getattr(proc, "plain_json", False)
    )


def _json_dumper(dialect: Any, column_type: JSON, proc: Any) -> Any:
    """The JSON column's bind processor, with a shortcut for an object or array: when
    the processor is SQLAlchemy's plain `json.dumps` (no custom serializer, no string
    processing), the same text straight from the C encoder that `json.dumps` uses,
    without building a new encoder per value (pulled values come from JSON, so they
    cannot be circular)."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    plain = (
        c_make_encoder is not None
        and dialect._json_serializer is None
        and column_type._str_impl.bind_processor(dialect) is None
    )
    if not plain:
        return proc
    assert c_make_encoder is not None  # `plain` holds only when it exists
    d = json.JSONEncoder()
    encode = c_make_encoder(
        None,
        d.default,
        json.encoder.encode_basestring_ascii,
        d.indent,
        d.key_separator,
        d.item_separator,
        d.sort_keys,
        d.skipkeys,
        d.allow_nan,
    )
    join = "".join

    def dump(value: Any) -> Any:
        if type(value) is dict or type(value) is list:
            return join(encode(value, 0))
        if type(value) is _Encoded:
            return str(value)
        return proc(value)

    dump.plain_json = True  # type: ignore[attr-defined]
    return dump


def tuple_getter(names: list[str]) -> Any:
    """A C-level getter of `names` from a mapping, always answering a tuple."""
    if not names:
        return lambda _row: ()
    if len(names) == 1:
        only = names[0]
        return lambda row: (row[only],)
    return operator.itemgetter(*names)


def bulk_insert(
    conn: Connection, table: Table, sql: str, params: list[tuple[Any, ...]], id_index: int
) -> None:
    """One driver-level executemany. On SQLite, a big batch into a table with a
    full-text index fills that index with one statement after the rows instead of
    by its insert trigger row by row (see _fts_insert_trigger)."""
    fts = _fts_insert_trigger(conn, table) if len(params) >= FTS_BULK_MIN else None
    if fts is None:
        conn.exec_driver_sql(sql, params)
        return
    trigger, trigger_sql, fts_table, cols = fts
    t = conn.dialect.identifier_preparer.format_table(table)
    before = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {t}").scalar_one()
    # Dropped and recreated inside the page's transaction: any failure rolls the
    # trigger back with the rows, and no other connection ever sees it missing.
    conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    conn.exec_driver_sql(sql, params)
    col_list = ", ".join(cols)
    added = conn.exec_driver_sql(f"SELECT count(*) FROM {t} WHERE rowid > ?", (before,)).scalar_one()
    if added == len(params):
        conn.exec_driver_sql(
            f"INSERT INTO {fts_table}(rowid, {col_list}) SELECT rowid, {col_list} FROM {t} WHERE rowid > ?",
            (before,),
        )
    else:  # rowids not handed out in order (the largest one was taken): by id
        ids = [p[id_index] for p in params]
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            conn.exec_driver_sql(
                f"INSERT INTO {fts_table}(rowid, {col_list}) SELECT rowid, {col_list} FROM {t} "
                f"WHERE id IN ({', '.join('?' for _ in chunk)})",
                tuple(chunk),
            )
    conn.exec_driver_sql(trigger_sql)


def _fts_insert_trigger(conn: Connection, table: Table) -> tuple[str, str, str, list[str]] | None:
    """The full-text index's insert trigger on `table` (db/migrations 0002), if it is
    exactly the known one: (trigger name, its SQL, FTS table, columns). Anything
    unexpected (another shape, no open transaction) keeps the ordinary path."""
    if conn.dialect.name != "sqlite":
        return None
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or not getattr(dbapi, "in_transaction", False):
        return None
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table.name,)
    ).all()
    for name, trigger_sql in rows:
        fts = f"{table.name}_fts"
        if name != f"{fts}_ai":
            continue
        cols = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({fts})").all()]
        if not cols or not set(cols) <= set(table.c.keys()):
            return None
        expected = (
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table.name} BEGIN "
            f"INSERT INTO {fts}(rowid, {', '.join(cols)}) VALUES "
            f"(new.rowid, {', '.join(f'new.{c}' for c in cols)}); END"
        )
        if trigger_sql != expected:
            return None
        return name, trigger_sql, fts, cols
    return None
