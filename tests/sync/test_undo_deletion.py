"""A deletion (not a GDPR erasure) can be undone by a coordinator for 30 days (issue 11):
the restore is an ordinary change with a newer clock that beats the tombstone on every
replica; after 30 days the tombstone is final, on the counter and on the server."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.borrowers import BorrowerInput
from app.deletions import DeletionService
from app.errors import UserError
from app.export import export_json
from app.sync import lww
from tests.sync.conftest import make_replica
from tests.sync.test_scopes import _merged, _push

DAY_MS = 24 * 3600 * 1000


def test_a_restore_beats_the_tombstone_in_any_order():
    first = "1000000000001-000000-A"
    create = ({"notes": "x", "deleted": False}, {"notes": first, "deleted": first})
    delete = ({"deleted": True}, {"deleted": "1000000000002-000000-B"})
    restore = ({"deleted": False}, {"deleted": "1000000000003-000000-A"})
    for order in ((create, delete, restore), (restore, delete, create), (delete, restore, create)):
        fields, clocks = None, None
        for f, c in order:
            out = lww.merge(fields, clocks, f, c)
            fields, clocks = out.fields, out.clocks
        assert fields is not None and fields["deleted"] is False
    # An old value of `deleted` (a creation sent again) never brings a record back.
    out = lww.merge(*(lww.merge(None, None, *delete).fields, {"deleted": delete[1]["deleted"]}), *create)
    assert out.fields["deleted"] is True


def _pair(tmp_path, server, replicas, wall_clock=None):  # type: ignore[no-untyped-def]
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    a = make_replica(tmp_path, "a", server, token, "KRT", wall_clock=wall_clock)
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    return a, b


def test_a_deleted_visit_is_restored_and_the_restore_syncs(tmp_path, server, replicas):
    a, b = _pair(tmp_path, server, replicas)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    visit = a.ctx.helpdesk.log("itsme", card=card, minutes=10)
    a.sync(), b.sync()
    a.ctx.helpdesk.undo(visit.id)
    a.sync(), b.sync()
    assert b.ctx.helpdesk.day().count == 0
    deletions = DeletionService(b.ctx.sessions, now=b.ctx.now)
    (row,) = deletions.list()
    assert (row.table, row.id) == ("helpdesk_visit", visit.id)
    deletions.restore("helpdesk_visit", visit.id)
    assert b.sync().refused_waiting == 0
    a.sync()
    for r in (a, b):
        assert r.ctx.helpdesk.day().count == 1
        assert DeletionService(r.ctx.sessions).list() == []
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    with pytest.raises(UserError):
        deletions.restore("helpdesk_visit", visit.id)  # nothing to restore any more


def test_a_tombstone_older_than_30_days_is_final(tmp_path, sqlite_server, replicas):
    then = lambda: int(time.time() * 1000) - 40 * DAY_MS  # noqa: E731
    a, _b = _pair(tmp_path, sqlite_server, replicas, wall_clock=then)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    visit = a.ctx.helpdesk.log("itsme", card=card, minutes=10)
    a.ctx.helpdesk.undo(visit.id)
    a.sync()
    now = dt.datetime.now()
    deletions = DeletionService(a.ctx.sessions, now=lambda: now)
    assert deletions.list() == []  # past the 30 days: no longer offered
    with pytest.raises(UserError, match="30 dagen"):
        deletions.restore("helpdesk_visit", visit.id)
    stamp = f"{int(time.time() * 1000):013d}-000000-attacker"
    change = {
        "change_id": "r1",
        "table": "helpdesk_visit",
        "row_id": visit.id,
        "stamp": stamp,
        "fields": {"deleted": False},
        "clocks": {"deleted": stamp},
    }
    boss = sqlite_server.issue_token("Kortrijk", "HQ", scope="coordinator")
    results = _push(sqlite_server, boss, [change])
    assert (results["r1"]["status"], results["r1"]["reason"]) == ("rejected", "tombstone-final")
    assert _merged(sqlite_server, "helpdesk_visit")[visit.id]["deleted"] is True


def test_only_what_the_program_deletes_can_be_restored(tmp_path):
    from app.context import open_context

    ctx = open_context(tmp_path / "lone", actor="x")
    try:
        ctx.locations.initialise("KRT", "Kortrijk")
        person = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
        deletions = DeletionService(ctx.sessions)
        with pytest.raises(UserError, match="herstel"):
            deletions.restore("borrower", person.id)
        with pytest.raises(UserError):
            deletions.restore("helpdesk_visit", "no-such-id")
    finally:
        ctx.close()
