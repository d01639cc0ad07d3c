"""The post-round count/hash check repairs drift; pull order is commit order under load."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select, text

from app.borrowers import BorrowerInput
from app.export import export_json
from db.models import TrainingSession
from tests.sync.conftest import make_replica, start_server


def test_a_drifted_table_is_detected_and_pulled_again(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500", phone="056 12 34 56")).card_number
    a.sync(), b.sync()
    # Drift that no change describes (a restored old backup, a bug, a hand edit):
    with b.ctx.engine.begin() as conn:
        conn.execute(text("UPDATE borrower SET phone = '000' WHERE card_number = :c"), {"c": card})
    a.ctx.borrowers.add(BorrowerInput("An", "Claes", "8500"))
    a.sync()
    result = b.sync()
    assert result.repulled_tables == ["borrower"] and result.mismatched_tables == []
    assert b.ctx.borrowers.get(card).phone == "056 12 34 56"
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    assert b.sync().repulled_tables == []
    # A row the server never got (not in the outbox) cannot be repaired by pulling:
    # reported, and not pulled again every round.
    with b.ctx.engine.begin() as conn:
        conn.execute(text("UPDATE borrower SET id = 'stray' WHERE card_number = :c"), {"c": card})
        conn.execute(text("DELETE FROM local_state WHERE key LIKE 'sync_repulled@%'"))  # a day later
    a.ctx.borrowers.edit(card, phone="056 99 99 99")
    a.sync()
    first = b.sync()
    assert first.repulled_tables == ["borrower"] and first.mismatched_tables == ["borrower"]
    a.ctx.borrowers.edit(card, phone="056 88 88 88")
    a.sync()
    second = b.sync()
    assert second.repulled_tables == [] and second.mismatched_tables == ["borrower"]


def test_concurrent_pushes_are_pulled_without_gaps(tmp_path, server, replicas):
    """Several counters push at once while another pulls: every change number it
    receives is contiguous, and it ends with everything (no late commit skipped)."""
    server.add_tenant("Kortrijk")
    # On PostgreSQL a second, stateless server process shares the database (as behind
    # a load balancer): counters talk to either one.
    servers = [server]
    if server.db_url.startswith("postgresql"):
        servers.append(start_server(server.db_url))
    pushers = [
        make_replica(
            tmp_path,
            f"p{i}",
            servers[i % len(servers)],
            server.issue_token("Kortrijk", f"P{chr(65 + i)}X"),
            f"P{chr(65 + i)}X",
        )
        for i in range(3)
    ]
    reader = make_replica(tmp_path, "r", servers[-1], server.issue_token("Kortrijk", "RDR"), page_size=7)
    replicas += [*pushers, reader]
    seen: list[int] = []
    original = reader.transport.inner.post

    def spy(path, body, answer):  # type: ignore[no-untyped-def]
        result = original(path, body, answer)
        if path == "/sync/pull":
            seen.extend(c.seq for c in result.changes)
        return result

    reader.transport.inner.post = spy  # type: ignore[method-assign]

    def work(r) -> None:  # type: ignore[no-untyped-def]
        for n in range(6):
            for k in range(4):
                # A name per counter: the same person registered twice would be refused.
                r.ctx.borrowers.add(BorrowerInput(f"N{n}{k}", f"Peeters {r.ctx.data_dir.name}", "8500"))
            r.sync()

    threads = [threading.Thread(target=work, args=(p,)) for p in pushers]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        reader.sync()
    for t in threads:
        t.join()
    reader.sync()
    assert seen == list(range(1, len(seen) + 1))
    assert len(seen) == 3 * (1 + 24)
    for p in pushers:
        p.sync()
    assert len({export_json(r.ctx.sessions) for r in [*pushers, reader]}) == 1
    for extra in servers[1:]:
        extra.stop()


def test_a_record_the_local_database_refuses_never_blocks_the_queue(tmp_path, sqlite_server, replicas):
    """Two vans set up offline with the same location code: the second Location row
    breaks a unique rule locally. It is refused and reported; everything else flows.
    (With the same token the handshake now stops B before any data moves, see
    test_join_location.py; a token mixed up with another code still gets this far.)"""
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "BUS"), "BUS")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "BUX"), "BUS")
    replicas += [a, b]
    a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))  # refers to A's location
    with a.ctx.sessions() as s, s.begin():
        s.add(TrainingSession(title="Veilig online", starts_at=dt.datetime(2026, 12, 1, 14, 0)))
    a.sync()
    result = b.sync()
    # A's Location (and the borrower that refers to it) refused; reported, not blocking.
    assert result.refused >= 2 and result.mismatched_tables == ["borrower", "location"]
    assert result.cursor == result.head
    with b.ctx.sessions() as s:
        assert s.scalars(select(TrainingSession.title)).all() == ["Veilig online"]
