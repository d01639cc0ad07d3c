"""Server engine, migrations and the write lock.

PostgreSQL serialises pushes of one tenant with `SELECT ... FOR UPDATE` on the
tenant's counter row, so several server processes can share one database. SQLite
(one process, a small digibank on one PC) serialises writes — and the reads that
must see one consistent moment — with a process lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and rewritten content is overwritten with zeros, so an erased person's
    # old values do not linger in free pages of the file (GDPR erasure).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    # hide_parameters: a database error in the server's log never carries the values.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


# Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
MIGRATION_LOCK = 0x64696769  # "digi"


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several server processes starting at once on one database: one migrates, the
            # others wait here and then find the schema at head (the lock ends with the
            # transaction). SQLite has one process and its own file lock.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._lock = threading.Lock()

    def migrate(self) -> None:
        migrate(self.engine)

    @contextlib.contextmanager
    def serialised(self) -> Iterator[None]:
        """Held around writes (and consistent reads) on SQLite; a no-op on PostgreSQL."""
        if not self.is_sqlite:
            yield
            return
        with self._lock:
            yield

    @contextlib.contextmanager
    def snapshot(self, session: Session) -> Iterator[None]:
        """One consistent view of the data for a multi-statement read."""
        if self.is_sqlite:
            with self.serialised():
                yield
            return
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield

    def dispose(self) -> None:
        self.engine.dispose()
