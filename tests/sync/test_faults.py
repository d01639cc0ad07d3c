"""Lost acknowledgements, crashes in the middle of a pull, per-field merges, double loans."""

from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.domain_conflicts import DOUBLE_LOAN, ConflictService
from app.sync.transport import DroppedRequest
from db.base import FieldConflict, OutboxEntry
from db.changes import read_state
from db.models import Borrower
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from tests.sync.helpers import server_snapshot


def _waiting(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).where(OutboxEntry.pushed_batch.is_(None)))


def test_lost_acknowledgement_retried_five_times_changes_nothing_twice(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    drops = {"n": 0}

    def plan(path: str, _call: int) -> str | None:
        if path == "/sync/push" and drops["n"] < 6:
            drops["n"] += 1
            return "after"  # the server commits, the answer is lost
        return None

    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT", plan=plan)
    replicas.append(a)
    for n in range(4):
        a.ctx.borrowers.add(BorrowerInput(f"P{n}", "Peeters", "8500"))
    a.ctx.borrowers.edit("KRT-B-00001", phone="0470 12 34 56")
    with pytest.raises(DroppedRequest):
        a.service.run_once()
    once = server_snapshot(server.database, "Kortrijk")
    assert len(once["log"]) == 6 and len(once["batches"]) == 1
    for _ in range(5):
        with pytest.raises(DroppedRequest):
            a.service.run_once()
        assert server_snapshot(server.database, "Kortrijk") == once
        assert _waiting(a.ctx) == 6  # still not acknowledged: kept
    result = a.service.run_once()
    assert result.pushed == 6 and _waiting(a.ctx) == 0
    assert server_snapshot(server.database, "Kortrijk") == once
    # A fresh counter pulls exactly one copy of everything.
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"))
    replicas.append(b)
    assert b.sync().pulled == 6
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    # A new van pulls first, then names its own location (the code check sees KRT).
    b.ctx.locations.initialise("WVL", "Bus West-Vlaanderen", "mobile")
    assert b.sync().pushed == 1


class Crash(Exception):
    pass


@pytest.mark.parametrize("where", ["in-page", "between-pages"])
def test_killed_mid_pull_never_moves_the_cursor_past_the_data(tmp_path, sqlite_server, replicas, where):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    for n in range(45):
        a.ctx.borrowers.add(BorrowerInput(f"P{n}", "Peeters", "8500"))
    a.sync()
    pages = {"n": 0}

    def crash(point: str) -> None:
        if point == where:
            pages["n"] += 1
            if pages["n"] == 3:
                raise Crash(point)

    b = make_replica(
        tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), page_size=10, crash_hook=crash
    )
    replicas.append(b)
    with pytest.raises(Crash):
        b.service.run_once()
    with b.ctx.sessions() as s:
        cursor = int(read_state(s, b.service.cursor_key) or 0)
        have = s.scalar(select(func.count()).select_from(Borrower))
    # In-page: the third page rolled back with its cursor; between pages: it committed.
    assert cursor == (20 if where == "in-page" else 30)
    # The cursor describes exactly the applied data (1 location + 45 borrowers, in log order).
    assert have == cursor - 1
    b.sync()
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def _pair(tmp_path, server, replicas, clock_b=None):  # type: ignore[no-untyped-def]
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL", wall_clock=clock_b)
    replicas += [a, b]
    return a, b


def test_different_fields_both_kept_same_field_one_winner(tmp_path, server, replicas):
    a, b = _pair(tmp_path, server, replicas, clock_b=lambda: int(time.time() * 1000) + 60_000)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync(), b.sync()
    a.ctx.borrowers.edit(card, phone="056 11 11 11")
    b.ctx.borrowers.edit(card, email="jan@voorbeeld.be")
    a.sync(), b.sync(), a.sync()
    for r in (a, b):
        person = r.ctx.borrowers.get(card)
        assert (person.phone, person.email) == ("056 11 11 11", "jan@voorbeeld.be")
    # Same field: B's edit carries the later stamp (its clock runs a minute ahead).
    a.ctx.borrowers.edit(card, street="Astraat 1")
    b.ctx.borrowers.edit(card, street="Bstraat 2")
    a.sync(), b.sync(), a.sync()
    assert {r.ctx.borrowers.get(card).street for r in (a, b)} == {"Bstraat 2"}
    lost = []
    for r in (a, b):
        with r.ctx.sessions() as s:
            lost += [(c.field, c.lost_value, c.kept_value) for c in s.scalars(select(FieldConflict))]
    assert lost == [("street", "Astraat 1", "Bstraat 2")]
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    # A person puts the losing value back: an ordinary change that wins everywhere.
    for r in (a, b):
        service = ConflictService(r.ctx.sessions)
        for f in service.fields():
            service.resolve_field(f.id, "restore")
    a.sync(), b.sync(), a.sync()
    assert {r.ctx.borrowers.get(card).street for r in (a, b)} == {"Astraat 1"}
    assert [ConflictService(r.ctx.sessions).fields() for r in (a, b)] == [[], []]


def test_double_loan_flagged_once_everywhere_and_resolvable(tmp_path, server, replicas):
    a, b = _pair(tmp_path, server, replicas)
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    p1 = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    p2 = a.ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    a.sync(), b.sync()
    a.ctx.loans.checkout(tag, p1)  # both offline: the same laptop leaves twice
    b.ctx.loans.checkout(tag, p2)
    a.sync(), b.sync(), a.sync()
    flagged = [ConflictService(r.ctx.sessions).domain() for r in (a, b)]
    assert len(flagged[0]) == 1 and flagged[0] == flagged[1]
    conflict = flagged[0][0]
    assert conflict.kind == DOUBLE_LOAN
    assert a.ctx.loans.open_count() == b.ctx.loans.open_count() == 2  # both loans kept
    ConflictService(b.ctx.sessions).resolve_domain(DOUBLE_LOAN, conflict.subject_id, "keep")
    b.sync(), a.sync(), b.sync(), a.sync()
    for r in (a, b):
        assert ConflictService(r.ctx.sessions).domain() == []
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def test_concurrent_resolutions_make_one_decision(tmp_path, sqlite_server, replicas):
    a, b = _pair(tmp_path, sqlite_server, replicas)
    t1 = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN-9")).asset_tag
    a.sync(), b.sync()
    b.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "sn-9"), duplicate_ok=True)  # other record
    b.sync(), a.sync()
    (conflict,) = ConflictService(a.ctx.sessions).domain()
    assert conflict.kind == "duplicate-serial" and ConflictService(b.ctx.sessions).domain() == [conflict]
    for r in (a, b):
        ConflictService(r.ctx.sessions).resolve_domain(conflict.kind, conflict.subject_id, "keep")
    a.sync(), b.sync(), a.sync()
    assert export_json(a.ctx.sessions).count('"duplicate-serial"') == 1
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    assert t1.startswith("KRT-")


def test_random_drops_seeded_and_repeatable(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(
        tmp_path,
        "a",
        server,
        server.issue_token("Kortrijk", "KRT"),
        "KRT",
        rng=random.Random(7),
        drop_before=0.3,
        drop_after=0.3,
    )
    replicas.append(a)
    for n in range(30):
        a.ctx.borrowers.add(BorrowerInput(f"P{n}", "Peeters", "8500"))
    a.sync()
    assert (a.transport.dropped_before, a.transport.dropped_after) != (0, 0)
    assert len(server_snapshot(server.database, "Kortrijk")["log"]) == 31
