"""Round trips between two counters through a real server."""

from __future__ import annotations

from app.borrowers import BorrowerInput
from app.export import export_json
from app.inventory import DeviceInput
from tests.sync.conftest import make_replica


def test_two_counters_converge(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1"))
    a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    b.ctx.borrowers.add(BorrowerInput("An", "Claes", "9000"))
    ra = a.sync()
    assert ra.pushed == 3 and ra.tenant == "Kortrijk" and ra.location_code == "KRT"
    rb = b.sync()
    assert rb.repulled_tables == [] and rb.mismatched_tables == []  # hashes agree
    assert a.sync().repulled_tables == []
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    assert '"Claes"' in export_json(a.ctx.sessions)
    assert a.sync().requests == 1  # nothing new: one handshake


def test_token_for_another_location_code_is_reported(tmp_path, sqlite_server, replicas):
    sqlite_server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", sqlite_server, sqlite_server.issue_token("Kortrijk", "KRT"), "WVL")
    replicas.append(a)
    assert a.sync().location_mismatch is True


def test_only_acknowledged_outbox_entries_are_pruned(tmp_path, sqlite_server, replicas):
    import time

    from sqlalchemy import select

    from app.sync.outbox import prune_acknowledged
    from db.base import OutboxEntry

    sqlite_server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", sqlite_server, sqlite_server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    a.sync()
    a.ctx.borrowers.add(BorrowerInput("An", "Claes", "9000"))  # not pushed yet
    with a.ctx.sessions() as s, s.begin():
        assert prune_acknowledged(s, int(time.time() * 1000) + 60_000) == 2
    with a.ctx.sessions() as s:
        left = list(s.scalars(select(OutboxEntry)))
    assert len(left) == 1 and left[0].pushed_batch is None
