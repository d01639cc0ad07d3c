"""The pull cursor follows the server, not its address (case 5)."""

from __future__ import annotations

import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, delete, func, select, text

from app.borrowers import BorrowerInput
from app.export import export_json
from app.sync.service import SyncService
from app.sync.transport import HttpTransport
from db.base import FieldConflict, LocalState
from server.database import MIGRATIONS
from server.models import ServerBase, Tenant
from tests.sync.conftest import make_replica


def _via(replica, url: str, token: str) -> SyncService:  # type: ignore[no-untyped-def]
    return SyncService(replica.ctx.sessions, HttpTransport(url, token))


def _conflicts(replica) -> int:  # type: ignore[no-untyped-def]
    with replica.ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(FieldConflict)) or 0


def test_the_same_server_under_another_address_continues_where_it_was(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token_b = server.issue_token("Kortrijk", "WVL")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, token_b, "WVL")
    replicas += [a, b]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync()
    for phone in ("056 11 11 11", "056 22 22 22", "056 33 33 33"):  # history to replay
        a.ctx.borrowers.edit(card, phone=phone)
        a.sync()
    b.sync()
    b.ctx.borrowers.edit(card, email="jan@example.be")
    b.sync()

    localhost = server.url.replace("127.0.0.1", "localhost")
    result = _via(b, localhost, token_b).run_once()
    assert result.pulled == 0 and result.conflicts == 0 and result.requests == 1  # a no-op round
    assert _conflicts(b) == 0
    a.ctx.borrowers.edit(card, phone="056 44 44 44")
    a.sync()
    result = _via(b, localhost, token_b).run_once()
    assert result.pulled == 1 and result.conflicts == 0
    assert b.ctx.borrowers.get(card).phone == "056 44 44 44"
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def test_a_cursor_kept_under_the_url_is_taken_over(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token_b = server.issue_token("Kortrijk", "WVL")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, token_b, "WVL")
    replicas += [a, b]
    for n in range(5):
        a.ctx.borrowers.add(BorrowerInput("Jan", f"Peeters{n}", "8500"))
    a.sync(), b.sync()
    # What a counter from before server ids has: its marks under the server's URL.
    with b.ctx.sessions() as s, s.begin():
        rows = s.execute(
            select(LocalState.key, LocalState.value).where(LocalState.key.like("sync_%@%"))
        ).all()
        s.execute(delete(LocalState).where(LocalState.key.like("sync_%@%")))
        for key, value in rows:
            s.add(LocalState(key=key.split("@")[0] + "@" + server.url, value=value))
    assert _via(b, server.url, token_b).run_once().pulled == 0
    localhost = server.url.replace("127.0.0.1", "localhost")
    assert _via(b, localhost, token_b).run_once().pulled == 0
    assert _conflicts(b) == 0


def test_server_migration_gives_existing_tenants_a_server_id(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'server.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "s0001")
            for name in ("Kortrijk", "Gent"):
                conn.execute(
                    text("INSERT INTO tenant (name, last_seq, created_at) VALUES (:n, 0, '2026-01-01')"),
                    {"n": name},
                )
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            ids = conn.execute(select(Tenant.server_id)).scalars().all()
            assert len(ids) == 2 and len(set(ids)) == 2
            assert all(uuid.UUID(i) for i in ids)
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = [d for d in compare_metadata(context, ServerBase.metadata) if "alembic" not in repr(d)]
            assert diff == []
    finally:
        engine.dispose()
