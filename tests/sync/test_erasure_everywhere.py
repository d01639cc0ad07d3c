"""After an erasure at one counter, the server keeps no earlier copy of the person:
a brand-new counter's first sync downloads only the anonymised record, and the
server's own database file holds no trace (SQLite with secure_delete)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.export import export_json
from db.base import FieldConflict, OutboxEntry
from server.models import AppliedBatch, ChangeLogEntry, ConflictRecord
from tests.sync.conftest import make_replica

NAME = "Uniekenaam"


def _files_contain(folder: Path, needle: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_new_counter_receives_no_trace_of_an_erased_person(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    card = a.ctx.borrowers.add(
        BorrowerInput("Zeynep", NAME, "8500", phone="0470 99 88 77", email="zeynep@uniek.be",
                      notes=f"{NAME} komt op dinsdag", target_group="nieuwkomer", consent=True)
    ).card_number  # fmt: skip
    a.ctx.helpdesk.log("itsme", card=card, notes=f"itsme geactiveerd voor Zeynep {NAME}")
    a.ctx.waiting_list.add(card, notes=f"{NAME} wil ook een scherm")
    a.sync()
    b.sync()
    # Two counters edit her notes at once: B's (older) value loses on the server and is
    # kept there as a conflict and in the stored answer of B's batch.
    b.ctx.borrowers.edit(card, notes=f"{NAME}-B mailt liever")
    a.ctx.borrowers.edit(card, notes=f"{NAME}-A belt liever")
    a.sync()
    b.sync()
    with server.database.sessions() as s:
        assert any(NAME in json.dumps(c.lost_value) for c in s.scalars(select(ConflictRecord)))
        assert any(NAME in json.dumps(x.answer) for x in s.scalars(select(AppliedBatch)))
    with b.ctx.sessions() as s:
        assert any(NAME in json.dumps(x.lost_value) for x in s.scalars(select(FieldConflict)))
    period = a.ctx.reports.period("year")
    counts = a.ctx.reports.reach(period).to_json()

    a.ctx.privacy.erase(card)
    a.sync()
    b.sync()
    a.sync()

    c = make_replica(tmp_path, "c", server, server.issue_token("Kortrijk", "BUS"), "BUS")
    replicas.append(c)
    c.sync()
    exported = export_json(c.ctx.sessions)
    assert NAME not in exported and "0470 99" not in exported and "zeynep@" not in exported
    assert '"erased": true' in exported
    for r in (a, b, c):  # C's own location record reaches the others: quiescence
        r.sync()
    assert export_json(c.ctx.sessions) == export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    assert c.ctx.reports.reach(period).to_json() == counts == a.ctx.reports.reach(period).to_json()

    with b.ctx.sessions() as s:  # the other counter's conflict log and outbox lost her too
        local = [json.dumps([x.kept_value, x.lost_value]) for x in s.scalars(select(FieldConflict))]
        local += [json.dumps(e.payload, ensure_ascii=False) for e in s.scalars(select(OutboxEntry))]
    assert not [t for t in local if NAME in t]
    with server.database.sessions() as s:
        stored = [json.dumps(e.fields, ensure_ascii=False) for e in s.scalars(select(ChangeLogEntry))]
        stored += [json.dumps([x.kept_value, x.lost_value]) for x in s.scalars(select(ConflictRecord))]
        stored += [json.dumps(x.answer, ensure_ascii=False) for x in s.scalars(select(AppliedBatch))]
    assert not [t for t in stored if NAME in t or "0470 99" in t]

    c.ctx.engine.dispose()
    assert _files_contain(c.ctx.data_dir, NAME.encode()) == []
    if server.db_url.startswith("sqlite"):
        path = Path(server.db_url.removeprefix("sqlite:///"))
        with server.database.serialised():
            con = sqlite3.connect(path)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
        assert NAME.encode() not in path.read_bytes()
        wal = Path(str(path) + "-wal")
        assert not wal.exists() or NAME.encode() not in wal.read_bytes()


def test_linked_records_are_scrubbed_whatever_batch_they_arrive_in(
    tmp_path, sqlite_server, replicas, monkeypatch
):
    from app.sync import outbox, service

    # One change per batch: the person's erasure and the clearing of her helpdesk note
    # reach the server in separate pushes.
    monkeypatch.setattr(service, "next_batch", lambda s, after_seq=0: outbox.next_batch(s, after_seq, size=1))
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    replicas.append(a)
    card = a.ctx.borrowers.add(BorrowerInput("Zeynep", NAME, "8500")).card_number
    a.ctx.helpdesk.log("itsme", card=card, notes=f"hulp voor {NAME}")
    a.sync()
    a.ctx.privacy.erase(card)
    a.sync()
    with server.database.sessions() as s:
        stored = [json.dumps(e.fields, ensure_ascii=False) for e in s.scalars(select(ChangeLogEntry))]
    assert len(stored) >= 4 and not [t for t in stored if NAME in t]


def test_the_receiving_counter_drops_the_persons_log_lines(tmp_path, sqlite_server, replicas):
    import logging
    import logging.handlers

    from app.context import setup_logging

    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    card = a.ctx.borrowers.add(BorrowerInput("Zeynep", NAME, "8500")).card_number
    other = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync()
    b.sync()
    root = logging.getLogger()
    saved = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    for h in saved:
        root.removeHandler(h)
    try:
        setup_logging(b.ctx.data_dir)  # this process now logs as counter B would
        logging.getLogger("test").info("checkout KRT-000001 -> %s due 2027-01-01", card)
        logging.getLogger("test").info("checkout KRT-000002 -> %s due 2027-01-01", other)
        a.ctx.privacy.erase(card)
        a.sync()
        b.sync()
        text = (b.ctx.data_dir / "digibank.log").read_text(encoding="utf-8")
        assert f"-> {card} due" not in text and f"-> {other} due" in text
    finally:
        for h in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
            root.removeHandler(h)
            h.close()
        for h in saved:
            root.addHandler(h)
