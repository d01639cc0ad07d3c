"""The one place where database engines and sessions are made.

SQLite gets WAL, foreign keys and a busy timeout on every connection. Encryption
at rest (SQLCipher) will be a change here only: the URL scheme and the key.
Migrations are applied on open, so every start runs on the current schema.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin, sessionmaker

import db.changes  # noqa: F401  (registers the outbox hook)
import db.models  # noqa: F401  (registers every model on the metadata)
import db.models_sync  # noqa: F401  (conflict decisions, see app/sync)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SessionFactory = Callable[[], Session]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL + NORMAL is durable across application crashes; only an OS crash/power loss
    # can lose the very last commit, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# -- writes under the lock ---------------------------------------------------------
# pysqlite's own transaction handling begins lazily (before the first INSERT/UPDATE),
# so a writer reads the clock, a code or the pending batch outside any lock and writes
# a stale value later. SQLAlchemy's pysqlite recipe: the driver does no transaction
# handling, and we emit BEGIN ourselves. A session's explicit `s.begin()` (every write in
# this program) takes the write lock at once with BEGIN IMMEDIATE — a second writer waits
# there (busy_timeout) before it reads anything; read-only work (autobegin) gets a plain
# deferred BEGIN, so WAL readers never wait for a writer.
SESSION_BEGINS = "digibank_session_begins"


def _driver_no_transactions(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None


def _engine_begin(conn) -> None:  # type: ignore[no-untyped-def]
    if conn.get_execution_options().get(SESSION_BEGINS):
        return  # the session's after_begin below emits it, knowing whether it writes
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # Core transactions here write (migrations)


def _session_begin(session: Session, transaction: SessionTransaction, connection) -> None:  # type: ignore[no-untyped-def]
    if not connection.get_execution_options().get(SESSION_BEGINS):
        return
    root = transaction
    while root.parent is not None:
        root = root.parent
    writes = root.origin is SessionTransactionOrigin.BEGIN
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _driver_no_transactions)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _engine_begin)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creates it on first start)."""
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def session_factory(engine: Engine, actor: str | None = None) -> sessionmaker[Session]:
    """Sessions for one unit of work each: `with factory() as s, s.begin(): ...`."""
    who = actor if actor is not None else _default_actor()
    if engine.dialect.name != "sqlite":
        return sessionmaker(engine, expire_on_commit=False, info={"actor": who})
    factory = sessionmaker(
        engine, expire_on_commit=False, info={"actor": who}, execution_options={SESSION_BEGINS: True}
    )
    event.listen(factory, "after_begin", _session_begin)
    return factory


def open_database(path: Path, actor: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(sqlite_url(path))
    migrate(engine)
    return engine, session_factory(engine, actor)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some sandboxes/services; fine, it is informative
        return ""
