"""An erasure signed for at an ordinary counter (counter-scope token) travels as a request
that takes effect once confirmed at a coordinator-scope PC or by the server's administrator
(issue 11). Until then the person is marked pending everywhere and gets no new loans; their
data is not erased anywhere (see app/erasure_requests.py for why)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.service import TOKEN_SCOPE_KEY
from db.changes import read_state
from server.models import ChangeLogEntry
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from tests.sync.test_scopes import _change, _merged, _push


def _setup(tmp_path, server, replicas):  # type: ignore[no-untyped-def]
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    person = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500", phone="0470 12 34 56"))
    a.ctx.helpdesk.log("itsme", card=person.card_number, minutes=10, notes="Jan Peeters belde")
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    a.sync(), b.sync()
    return a, b, person, tag


def test_the_handshake_tells_the_token_scope(tmp_path, sqlite_server, replicas):
    a, b, _person, _tag = _setup(tmp_path, sqlite_server, replicas)
    c = make_replica(
        tmp_path, "c", sqlite_server, sqlite_server.issue_token("Kortrijk", "COO", scope="coordinator"), "COO"
    )
    replicas.append(c)
    c.sync()
    for replica, scope in ((a, "counter"), (c, "coordinator")):
        with replica.ctx.sessions() as s:
            assert read_state(s, TOKEN_SCOPE_KEY) == scope


def test_a_counter_erasure_is_a_request_the_server_admin_approves(tmp_path, server, replicas, capsys):
    a, b, person, tag = _setup(tmp_path, server, replicas)
    outcome = a.ctx.erasure_requests.erase_borrower(person.card_number, reason="gevraagd aan de balie")
    assert not outcome.erased and outcome.pending is not None
    assert a.ctx.borrowers.get(person.card_number).first_name == "Jan"  # nothing erased yet
    assert a.sync().refused_waiting == 0
    b.sync()
    pending = b.ctx.erasure_requests.pending_for(person.id)
    assert pending is not None and pending.subject_code == person.card_number
    with pytest.raises(UserError, match="wissing"):
        b.ctx.loans.checkout(tag, person.card_number)  # no new loans meanwhile
    capsys.readouterr()
    assert server.cli("erasure", "list", "--tenant", "Kortrijk", "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["subject_code"] == person.card_number and listed["id"] == outcome.pending.id
    assert "Peeters" not in json.dumps(listed)
    assert server.cli("erasure", "approve", outcome.pending.id[:8]) == 0
    assert _merged(server, "borrower")[person.id]["erased"] is True
    for r in (a, b, a):
        r.sync()
    for r in (a, b):
        assert r.ctx.borrowers.get(person.card_number).erased
        assert r.ctx.erasure_requests.pending() == []
        assert "Peeters" not in export_json(r.ctx.sessions)
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    with server.database.sessions() as s:  # the server's history lost the values too
        logged = json.dumps([e.fields for e in s.scalars(select(ChangeLogEntry))])
    assert "Peeters" not in logged and "0470" not in logged
    capsys.readouterr()
    assert server.cli("erasure", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_coordinator_scope_pc_approves_a_request(tmp_path, server, replicas):
    a, b, person, _tag = _setup(tmp_path, server, replicas)
    outcome = a.ctx.erasure_requests.erase_borrower(person.card_number)
    assert outcome.pending is not None
    a.sync()
    with pytest.raises(UserError, match="coördinatorsleutel"):
        b.ctx.erasure_requests.approve(outcome.pending.id)  # an ordinary counter cannot
    c = make_replica(tmp_path, "c", server, server.issue_token("Kortrijk", "COO", scope="coordinator"), "COO")
    replicas.append(c)
    c.sync()
    (pending,) = c.ctx.erasure_requests.pending()
    c.ctx.erasure_requests.approve(pending.id)
    assert c.sync().refused_waiting == 0
    for r in (a, b):
        r.sync()
        assert r.ctx.borrowers.get(person.card_number).erased
        assert r.ctx.erasure_requests.pending() == []


def test_a_counter_token_cannot_approve_a_request_by_a_crafted_push(tmp_path, sqlite_server, replicas):
    a, _b, person, _tag = _setup(tmp_path, sqlite_server, replicas)
    outcome = a.ctx.erasure_requests.erase_borrower(person.card_number)
    assert outcome.pending is not None
    a.sync()
    results = _push(
        sqlite_server,
        sqlite_server.issue_token("Kortrijk", "BUS"),
        [_change("x", "erasure_request", outcome.pending.id, {"state": "approved"})],
    )
    assert (results["x"]["status"], results["x"]["reason"]) == ("rejected", "needs-coordinator")
    assert _merged(sqlite_server, "erasure_request")[outcome.pending.id]["state"] == "pending"


def test_the_server_refuses_to_approve_a_person_with_an_open_loan(tmp_path, sqlite_server, replicas, capsys):
    a, b, person, tag = _setup(tmp_path, sqlite_server, replicas)
    outcome = a.ctx.erasure_requests.erase_borrower(person.card_number)
    assert outcome.pending is not None
    a.sync()
    # Lent meanwhile at a counter that had not heard of the request yet (offline).
    b.ctx.loans.checkout(tag, person.card_number)
    b.sync()
    capsys.readouterr()
    assert sqlite_server.cli("erasure", "approve", outcome.pending.id) == 1
    err = capsys.readouterr().err
    assert "bruikleen" in err and "Traceback" not in err
    assert _merged(sqlite_server, "borrower")[person.id]["erased"] is False
    assert _merged(sqlite_server, "erasure_request")[outcome.pending.id]["state"] == "pending"


def test_a_lone_counter_erases_at_once(tmp_path):
    from app.context import open_context

    ctx = open_context(tmp_path / "lone", actor="x")
    try:
        ctx.locations.initialise("KRT", "Kortrijk")
        person = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
        outcome = ctx.erasure_requests.erase_borrower(person.card_number)
        assert outcome.erased and ctx.borrowers.get(person.card_number).erased
    finally:
        ctx.close()
