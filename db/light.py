"""The database without SQLAlchemy: bare SQLCipher connections, and reading for the light path.

Backups, the conversion of a plain database and its checks use DB-API connections
(`cipher_connect`, `export_copy`); db/engine.py re-exports them. The command line's light
read path (app/cli/light.py) reads through them too: `open_for_reading` opens an encrypted
database only when it is at the schema the light queries were compiled for, and `fetch`
runs such a query and turns each stored value into the Python value the ORM would hand out.
Importing SQLAlchemy and the models costs a read command about a quarter of a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from db import sort_keys

PLAIN_HEADER = b"SQLite format 3\x00"


class NotLight(Exception):
    """This database cannot be read the light way (other schema, wrong key, …): the caller
    takes the normal path, which migrates, asks or explains."""


def is_plain_sqlite(path: Path) -> bool:
    """An unencrypted SQLite file starts with its magic header; an SQLCipher file with salt."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == PLAIN_HEADER
    except FileNotFoundError:
        return False


@functools.cache
def _quiet_sqlcipher() -> None:
    """SQLCipher writes its own "hmac check failed …" lines straight to stderr (fd 2) on a
    wrong key; the person must see one plain line, and the error arrives as an exception
    anyway. The log level is process-wide, so it is set once on a throw-away connection
    (every real connection still starts with PRAGMA key)."""
    import sqlcipher3

    scratch = sqlcipher3.connect(":memory:")
    try:
        scratch.execute("PRAGMA cipher_log_level = NONE")
    finally:
        scratch.close()


# SQLCipher 4's key derivation (its defaults, which every database here is made with):
# PBKDF2-HMAC-SHA512, 256,000 rounds, a 32-byte key, the file's first 16 bytes as salt.
_KDF_ROUNDS = 256_000
_RAW_KEY = re.compile(r"^x'[0-9A-Fa-f]{64}([0-9A-Fa-f]{32})?'$")


@functools.lru_cache(maxsize=8)
def _stretched(passphrase: str, salt: bytes) -> str:
    import hashlib

    digest = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, _KDF_ROUNDS, 32)
    return f"x'{digest.hex()}{salt.hex()}'"


def raw_key_for(path: Path, key: str) -> str | None:
    """The raw key SQLCipher would derive from passphrase `key` for the file at `path`,
    derived once per process and salt; None when there is nothing to gain (a raw key
    already, no file or salt yet, a plain file). SQLCipher stretches a passphrase at every
    new connection (0.1 s here) and the window opens several."""
    if not key or _RAW_KEY.match(key):
        return None
    try:
        with open(path, "rb") as fh:
            salt = fh.read(16)
    except OSError:
        return None
    if len(salt) < 16 or salt == PLAIN_HEADER:
        return None
    return _stretched(key, salt)


def cipher_connect(path: Path, key: str, readonly: bool = False):
    """A bare DB-API connection to an encrypted file (backups, conversion, checks).

    An empty key opens a plain file (only to read an old unencrypted one).
    """
    import sqlcipher3

    _quiet_sqlcipher()
    if readonly:
        connection = sqlcipher3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    else:
        connection = sqlcipher3.connect(str(path))
    if key:
        connection.execute(f"PRAGMA key = {_quote(key)}")  # first statement, always
    sort_keys.register(connection)  # a write of a borrower runs its triggers (migration 0016)
    return connection


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_counts(connection) -> dict[str, int]:
    names = [
        r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    ]
    return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def encrypt_plain_copy(plain: Path, target: Path, key: str) -> None:
    """Write an encrypted copy of a plain SQLite file and verify it (every table, every row).

    `target` must be absent or an empty file. Raises RuntimeError when the copy differs.
    """
    export_copy(plain, "", target, key)


def export_copy(source: Path, source_key: str, target: Path, target_key: str) -> None:
    """Copy `source` (read with `source_key`, "" = plain) into `target` encrypted with
    `target_key`, with SQLCipher's `sqlcipher_export`, in one read transaction; then check
    the copy: integrity and the number of rows of every table must match.
    """
    import sqlcipher3

    connection = cipher_connect(source, source_key)
    connection.isolation_level = None  # explicit BEGIN/COMMIT below
    try:
        if not source_key:
            # A plain database left in WAL mode may still have committed pages in its -wal.
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(target), target_key))
        connection.execute("BEGIN")  # one consistent snapshot, also while others write
        expected = table_counts(connection)
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE encrypted")
    except sqlcipher3.DatabaseError as exc:
        raise RuntimeError(f"copy of {source.name} failed: {exc}") from exc
    finally:
        connection.close()
    check = cipher_connect(target, target_key)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        copied = table_counts(check)
    finally:
        check.close()
    if ok != "ok" or copied != expected:
        raise RuntimeError(f"encrypted copy of {source.name} differs from the original")


def open_for_reading(path: Path, key: str, head: str):
    """A read-only connection to the encrypted database at `path`, at schema revision `head`
    (checked the way db/engine.py's `migrate` checks it). NotLight when it cannot be."""
    import sqlcipher3

    try:
        connection = cipher_connect(path, key)
    except sqlcipher3.Error as exc:
        raise NotLight(str(exc)) from None
    try:
        connection.execute("PRAGMA query_only = ON")  # this connection never writes
        connection.execute("PRAGMA busy_timeout = 10000")  # as the engine's connections
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        revision = found and connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if not revision or revision[0] != head:
            raise NotLight(f"schema {revision[0] if revision else None}, not {head}")
    except sqlcipher3.Error as exc:  # "file is not a database": a wrong key
        connection.close()
        raise NotLight(str(exc)) from None
    except NotLight:
        connection.close()
        raise
    return connection


def local_state(connection, key: str) -> str | None:
    row = connection.execute("SELECT value FROM local_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


class Record:
    """One row of one table, with the attributes (and `data_columns`) of its model."""

    _data_columns: tuple[str, ...] = ()

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)

    @classmethod
    def data_columns(cls) -> list[str]:
        return list(cls._data_columns)


@functools.cache
def record_class(table: str, data_columns: tuple[str, ...]) -> type[Record]:
    return type(f"{table}_record", (Record,), {"_data_columns": data_columns})


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _json(value: Any) -> Any:
    return None if value is None else json.loads(value)


def _date(value: Any) -> Any:
    return None if value is None else dt.date.fromisoformat(value)


def _datetime(value: Any) -> Any:
    return None if value is None else dt.datetime.fromisoformat(value)


# The ORM's result processing on SQLite, per column kind (app/cli/light_build.py names them).
CONVERT: dict[str, Callable[[Any], Any]] = {
    "plain": lambda value: value,
    "bool": _bool,
    "json": _json,
    "date": _date,
    "datetime": _datetime,
}


def _bind(value: Any) -> Any:
    # The SQLite dialect stores a date as YYYY-MM-DD, and so compares it.
    return value.isoformat() if isinstance(value, dt.date) else value


def fetch(
    connection,
    query: Mapping[str, Any],
    arguments: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Record]]:
    """Run one compiled query; per row, one Record per table it selects.

    `tables[name]` has "columns" ((attribute, kind) in select order) and "data_columns"."""
    params = [_bind(arguments[v]) if kind == "arg" else v for kind, v in query["params"]]
    plan = [
        (
            name,
            record_class(name, tuple(tables[name]["data_columns"])),
            [(key, CONVERT[kind]) for key, kind in tables[name]["columns"]],
        )
        for name in query["tables"]
    ]
    rows: list[dict[str, Record]] = []
    for raw in connection.execute(query["sql"], params):
        row: dict[str, Record] = {}
        values = iter(raw)
        for name, cls, columns in plan:
            row[name] = cls({key: convert(next(values)) for key, convert in columns})
        if next(values, _END) is not _END:
            raise ValueError("more columns than the tables have")
        rows.append(row)
    return rows


_END = object()
