"""The Alembic migrations and the models describe the same schema."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from db.base import Base
from db.engine import MIGRATIONS, alembic_config, make_engine, migrate, sqlite_url


def _env_include_object():
    """env.py's own `include_object` (env.py cannot be imported outside a migration run)."""
    tree = ast.parse(Path(MIGRATIONS / "env.py").read_text(encoding="utf-8"))
    keep = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "include_object")
        or (
            isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "FTS_PREFIXES" for t in node.targets)
        )
    ]
    namespace: dict = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "env.py", "exec"), namespace)  # noqa: S102
    return namespace["include_object"]


include_object = _env_include_object()


def _diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, Base.metadata)


def test_alembic_head_matches_db_models(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "fresh.db"))
    try:
        migrate(engine)
        assert _diff(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert {"device", "borrower", "loan", "location", "outbox", "local_state"} <= tables
        # The FTS tables exist but are excluded from the comparison by env.py's include_object.
        assert {"device_fts", "borrower_fts"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_the_comparison_notices_a_missing_column(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "fresh.db"))
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE device DROP COLUMN accessories"))
        diff = _diff(engine)
        assert any(d[0] == "add_column" and d[3].name == "accessories" for d in diff)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "roundtrip.db"))
    try:
        migrate(engine)
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        left = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        migrate(engine)
        assert _diff(engine) == []
        migrate(engine)  # applying again on a current database is a no-op
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_search_index_works_after_a_migration_roundtrip(tmp_path):
    from app.context import open_context
    from app.inventory import DeviceInput

    ctx = open_context(tmp_path / "data", actor="test")
    try:
        ctx.locations.initialise("KRT", "Kortrijk balie")
        device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF1X"))
        assert ctx.devices.search_ids("thinkp") == [device.id]
    finally:
        ctx.close()
