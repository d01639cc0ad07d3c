"""Alembic environment of the server database (separate from the counter's)."""

from __future__ import annotations

from alembic import context

from server.models import ServerBase

VERSION_TABLE = "server_alembic_version"


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=ServerBase.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table=VERSION_TABLE,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
