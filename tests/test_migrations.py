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


def test_0014_and_the_repair_fill_nis_codes_and_fix_provinces_of_existing_people(tmp_path):
    """People registered before the NIS codes: Zwijndrecht was counted in Antwerp province,
    and pre-2025 names (Borsbeek, Melle, Kortessem) stood apart from their merged municipality."""
    engine = make_engine(sqlite_url(tmp_path / "old.db"))
    try:
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0010")
            people = [
                ("1", "2070", "Zwijndrecht", "ANT"),
                ("2", "2150", "Borsbeek", "ANT"),
                ("3", "9090", "Melle", "OVL"),
                ("4", "3720", "Kortessem", "LIM"),
                ("5", "8500", "Kortrijk", "WVL"),
                ("6", "8999", "Nergensdorp", "WVL"),  # not in the table: left as it was
            ]
            for row_id, postcode, town, province in people:
                conn.execute(
                    text(
                        "INSERT INTO borrower (id, created_at, updated_at, origin, changed_by, deleted,"
                        " clocks, card_number, first_name, last_name, phone, email, street, postcode,"
                        " municipality, province, language, target_group, eligibility_proof, blocked,"
                        " blocked_reason, notes, erased) VALUES (:id, '', '', 'o', 't', 0, '{}', :card,"
                        " 'A', 'B', '', '', '', :pc, :town, :prov, 'nl', '', '', 0, '', '', 0)"
                    ),
                    {
                        "id": row_id,
                        "card": f"KRT-B-0000{row_id}",
                        "pc": postcode,
                        "town": town,
                        "prov": province,
                    },
                )
        migrate(engine)
        from app.borrowers import BorrowerService
        from db.engine import session_factory

        with engine.begin() as conn:
            conn.execute(text("INSERT INTO local_state (key, value) VALUES ('location_id', 'KRT')"))
        service = BorrowerService(session_factory(engine, "test"))
        assert service.repair_municipalities() == 5
        assert service.repair_municipalities() == 0  # nothing twice
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, nis_code, municipality, province FROM borrower ORDER BY id")
            ).fetchall()
            # Through the outbox: the corrections reach the server and the other counters.
            synced = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
        assert synced is not None and synced >= 5
        assert [tuple(r) for r in rows] == [
            ("1", "46030", "Beveren-Kruibeke-Zwijndrecht", "OVL"),
            ("2", "11002", "Antwerpen", "ANT"),
            ("3", "44088", "Merelbeke-Melle", "OVL"),
            ("4", "71072", "Hasselt", "LIM"),
            ("5", "34022", "Kortrijk", "WVL"),
            ("6", "", "Nergensdorp", "WVL"),
        ]
        assert _diff(engine) == []
    finally:
        engine.dispose()
