"""The one place where database engines and sessions are made.

SQLite gets WAL, foreign keys and a busy timeout on every connection. The counter's
database is encrypted at rest with SQLCipher (`sqlite+pysqlcipher`): the dialect sends
`PRAGMA key` as the very first statement of every connection, before our pragmas.
Where the key comes from is app/credentials.py's business; this module only uses it.
Migrations are applied on open, so every start runs on the current schema; a database
already at the newest revision is recognised with one cheap query (`migrate`, reading the
head from the migration files), so Alembic is imported and run only when there is something
to migrate.
"""

from __future__ import annotations

import functools
import getpass
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin, sessionmaker
from sqlalchemy.pool import QueuePool

if TYPE_CHECKING:
    from alembic.config import Config

import db.changes  # noqa: F401  (registers the outbox hook)
import db.models  # noqa: F401  (registers every model on the metadata)
import db.models_sync  # noqa: F401  (conflict decisions, see app/sync)
from db import sort_keys
from db.light import (  # noqa: F401  (the bare connections live there, without SQLAlchemy)
    PLAIN_HEADER,
    _quiet_sqlcipher,
    _quote,
    cipher_connect,
    encrypt_plain_copy,
    export_copy,
    is_plain_sqlite,
    raw_key_for,
    table_counts,
)

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SessionFactory = Callable[[], Session]


class WrongKey(Exception):
    """The database file cannot be read with this key (SQLCipher: "file is not a database")."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def cipher_url(path: Path, key: str) -> URL:
    """An encrypted database. `key` is a passphrase, or a raw key written x'<64 hex>'."""
    # URL.create, not a formatted string: a passphrase may hold any character.
    return URL.create("sqlite+pysqlcipher", password=key, database=str(Path(path).resolve()))


def _raw_key_listener(path: Path, passphrase: str, given: str | None) -> Callable[[object, object], None]:
    """SQLCipher stretches a passphrase (256,000 rounds of PBKDF2, 0.1 s here) at every new
    connection, and the window opens several. open_database gives the engine the raw key
    derived once (db/light.py `raw_key_for`); this listener covers what that key cannot: a
    database made in this process (no salt before its first write) and a restored backup
    (another salt). `PRAGMA key` again before the first read replaces the dialect's at no cost."""

    def give_raw_key(dbapi_connection: Any, _record: object) -> None:
        raw = raw_key_for(path, passphrase)
        if raw is not None and raw != given:
            dbapi_connection.execute(f"PRAGMA key = {_quote(raw)}")

    return give_raw_key


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL + NORMAL is durable across application crashes; only an OS crash/power loss
    # can lose the very last commit, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted records (an erased borrower) are overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    # SQLCipher decrypts every page it reads from the OS; a 64 MB page cache (filled only
    # as pages are read) keeps a large search from decrypting the same pages again:
    # device search over 100k devices 87 → ~45 ms (benchmarks/bench_encryption.py).
    cursor.execute("PRAGMA cache_size=-64000")
    cursor.close()
    # The sort keys' functions, called by the borrower triggers (migration 0016).
    sort_keys.register(dbapi_connection)


# -- writes under the lock ---------------------------------------------------------
# pysqlite's own transaction handling begins lazily (before the first INSERT/UPDATE),
# so a writer reads the clock, a code or the pending batch outside any lock and writes
# a stale value later. SQLAlchemy's pysqlite recipe: the driver does no transaction
# handling, and we emit BEGIN ourselves. A session's explicit `s.begin()` (every write in
# this program) takes the write lock at once with BEGIN IMMEDIATE — a second writer waits
# there (busy_timeout) before it reads anything; read-only work (autobegin) gets a plain
# deferred BEGIN, so WAL readers never wait for a writer.
SESSION_BEGINS = "digibank_session_begins"


def _driver_no_transactions(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def _engine_begin(conn) -> None:
    if conn.get_execution_options().get(SESSION_BEGINS):
        return  # the session's after_begin below emits it, knowing whether it writes
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # Core transactions here write (migrations)


def _session_begin(session: Session, transaction: SessionTransaction, connection) -> None:
    if not connection.get_execution_options().get(SESSION_BEGINS):
        return
    root = transaction
    while root.parent is not None:
        root = root.parent
    writes = root.origin is SessionTransactionOrigin.BEGIN
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_engine(url: str | URL, passphrase: str | None = None) -> Engine:
    """`passphrase`: the one an encrypted URL's raw key was derived from (open_database)."""
    if isinstance(url, URL) and url.drivername == "sqlite+pysqlcipher":
        _quiet_sqlcipher()
        # The dialect's default SingletonThreadPool would differ from the plain engine's
        # pool; keep one pool behaviour (the window's sync and backup threads share it).
        engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url)
    if passphrase and isinstance(url, URL):
        event.listen(engine, "connect", _raw_key_listener(Path(url.database or ""), passphrase, url.password))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _driver_no_transactions)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _engine_begin)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


class SchemaTooNew(Exception):
    """The database was migrated by a newer version of the program (a downgrade)."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*=\s*["\']?([^"\'\s]*)["\']?\s*$', re.M)


@functools.cache
def migration_revisions() -> tuple[frozenset[str], str]:
    """(every revision the program knows, the head) read from the migration files' own
    `revision =` lines: a cheap check at every open, without loading Alembic."""
    known: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if fields.get("revision"):
            known.add(fields["revision"])
            if fields.get("down_revision") not in (None, "", "None"):
                parents.add(fields["down_revision"])
    heads = known - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return frozenset(known), heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        found: bool
        if engine.dialect.name == "sqlite":
            found = (
                connection.execute(
                    text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
                ).first()
                is not None
            )
        else:
            from sqlalchemy import inspect

            found = inspect(connection).has_table("alembic_version")
        if not found:
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, before_upgrade: Callable[[str, str], None] | None = None) -> None:
    """Bring the database to the newest schema (creates it on first start).

    Nothing happens when it is at the head already. An existing database older than the
    program is first handed to `before_upgrade(current, head)` (the backup), then migrated.
    A database of a newer program raises SchemaTooNew and is not touched: Alembic would
    otherwise fail half-way on a revision it does not know."""
    known, head = migration_revisions()
    current = current_revision(engine)
    if current == head:
        return
    if current is not None and current not in known:
        raise SchemaTooNew(current)
    if current is not None and before_upgrade is not None:
        before_upgrade(current, head)
    from alembic import command

    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    log.info("database schema migrated from %s to %s", current or "(new)", head)


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


def check_key(engine: Engine) -> None:
    """SQLCipher accepts any key at `PRAGMA key`; the first read tells. Raises WrongKey."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
    except DatabaseError as exc:
        engine.dispose()
        if "not a database" not in str(exc.orig):
            raise  # e.g. "database is locked": not a question of the key
        raise WrongKey(str(exc.orig)) from None


def open_database(
    path: Path,
    *,
    key: str,
    actor: str | None = None,
    before_upgrade: Callable[[str, str], None] | None = None,
) -> tuple[Engine, sessionmaker[Session]]:
    """Open (or create) the encrypted database at `path`. Raises WrongKey, SchemaTooNew."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A passphrase is stretched once here, with the file's salt, not at every connection.
    engine = make_engine(cipher_url(path, raw_key_for(path, key) or key), passphrase=key)
    check_key(engine)
    try:
        migrate(engine, before_upgrade)
    except SchemaTooNew:
        engine.dispose()
        raise
    return engine, session_factory(engine, actor)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some sandboxes/services; fine, it is informative
        return ""
