"""Names sorted as people expect, phone numbers found without spaces, postcodes found.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-01

`borrower_sort` holds each borrower's folded name keys and phone digits (db/sort_keys.py),
kept by triggers on `borrower`, and indexed: tables sort by them in SQL. `borrower_fts` is
made again with the postcode among its columns. SQLite only (the server never serves the
counter's tables).
"""

import sqlalchemy as sa
from alembic import op

from db import sort_keys

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None

TOKENIZE = "unicode61 remove_diacritics 2"
OLD_FTS = ("card_number", "first_name", "last_name", "email", "phone", "municipality")
NEW_FTS = ("card_number", "first_name", "last_name", "email", "phone", "postcode", "municipality")


INSERT = "INSERT OR REPLACE INTO borrower_sort (borrower_rowid, name_key, first_key, phone_key)"


def _keys(row: str) -> str:
    """The keys of a borrower row (SQL functions of db/sort_keys.py, on every connection)."""
    last, first = f"digibank_fold({row}.last_name)", f"digibank_fold({row}.first_name)"
    return f"{row}.rowid, {last} || ' ' || {first}, {first} || ' ' || {last}, digibank_phone_key({row}.phone)"


def _trigger(name: str, event: str) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON borrower BEGIN {INSERT} SELECT {_keys('new')}; END"


def _fts(columns: tuple[str, ...]) -> None:
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS borrower_fts_{suffix}")
    op.execute("DROP TABLE IF EXISTS borrower_fts")
    cols = ", ".join(columns)
    new_vals = ", ".join(f"new.{c}" for c in columns)
    old_vals = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE borrower_fts USING fts5({cols}, content='borrower', "
        f"content_rowid='rowid', tokenize='{TOKENIZE}')"
    )
    op.execute(
        f"CREATE TRIGGER borrower_fts_ai AFTER INSERT ON borrower BEGIN "
        f"INSERT INTO borrower_fts(rowid, {cols}) VALUES (new.rowid, {new_vals}); END"
    )
    op.execute(
        f"CREATE TRIGGER borrower_fts_ad AFTER DELETE ON borrower BEGIN "
        f"INSERT INTO borrower_fts(borrower_fts, rowid, {cols}) VALUES ('delete', old.rowid, {old_vals}); END"
    )
    op.execute(
        f"CREATE TRIGGER borrower_fts_au AFTER UPDATE OF {cols} ON borrower BEGIN "
        f"INSERT INTO borrower_fts(borrower_fts, rowid, {cols}) VALUES ('delete', old.rowid, {old_vals}); "
        f"INSERT INTO borrower_fts(rowid, {cols}) VALUES (new.rowid, {new_vals}); END"
    )
    op.execute("INSERT INTO borrower_fts(borrower_fts) VALUES ('rebuild')")


def upgrade() -> None:
    op.create_table(
        "borrower_sort",
        sa.Column("borrower_rowid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("first_key", sa.Text(), nullable=False),
        sa.Column("phone_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_rowid"),
    )
    op.create_index("ix_borrower_sort_name", "borrower_sort", ["name_key"])
    op.create_index("ix_borrower_sort_first", "borrower_sort", ["first_key"])
    op.create_index("ix_borrower_sort_phone", "borrower_sort", ["phone_key"])
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Normally registered by db/engine.py on connect; also here for a connection made elsewhere.
    sort_keys.register(bind.connection.driver_connection)
    op.execute(_trigger("borrower_sort_ai", "INSERT"))
    op.execute(_trigger("borrower_sort_au", "UPDATE OF first_name, last_name, phone"))
    op.execute(
        "CREATE TRIGGER borrower_sort_ad AFTER DELETE ON borrower BEGIN "
        "DELETE FROM borrower_sort WHERE borrower_rowid = old.rowid; END"
    )
    op.execute(f"{INSERT} SELECT {_keys('borrower')} FROM borrower")
    _fts(NEW_FTS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "au", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS borrower_sort_{suffix}")
        _fts(OLD_FTS)
    op.drop_index("ix_borrower_sort_phone", table_name="borrower_sort")
    op.drop_index("ix_borrower_sort_first", table_name="borrower_sort")
    op.drop_index("ix_borrower_sort_name", table_name="borrower_sort")
    op.drop_table("borrower_sort")
