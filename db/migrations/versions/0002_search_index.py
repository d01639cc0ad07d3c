"""Full-text search (SQLite FTS5) over devices and borrowers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

External-content FTS tables keyed on the records' rowid and kept current by
triggers, so search stays a few milliseconds on 100,000 devices and 50,000
borrowers. Other databases (the server's PostgreSQL) skip this: they never
serve the counter's search.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKENIZE = "unicode61 remove_diacritics 2"
INDEXES = {
    "device_fts": ("device", ("asset_tag", "serial", "brand", "model")),
    "borrower_fts": (
        "borrower",
        ("card_number", "first_name", "last_name", "email", "phone", "municipality"),
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts, (table, columns) in INDEXES.items():
        cols = ", ".join(columns)
        new_vals = ", ".join(f"new.{c}" for c in columns)
        old_vals = ", ".join(f"old.{c}" for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
            f"content_rowid='rowid', tokenize='{TOKENIZE}')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new_vals}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old_vals}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old_vals}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new_vals}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts in INDEXES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
