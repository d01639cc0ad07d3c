"""Alembic environment: runs on the connection the program hands it (see db/engine.py)."""

from __future__ import annotations

from alembic import context

import db.models  # noqa: F401
import db.models_sync  # noqa: F401
from db.base import Base

FTS_PREFIXES = ("device_fts", "borrower_fts")


def include_object(obj, name, type_, reflected, compare_to):
    # Full-text tables and their shadow tables are made by hand-written migrations.
    return not (type_ == "table" and name and name.startswith(FTS_PREFIXES))


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = context.config.attributes["engine"]
        with engine.begin() as conn:
            _configure_and_run(conn)
    else:
        _configure_and_run(connection)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
