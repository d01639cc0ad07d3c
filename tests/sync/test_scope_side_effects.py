"""What a counter-scope token may still do: undo a checkout that already synced and resolve
domain conflicts (a loan flagged twice, a duplicate device record). And what it may not: blank
every personal field of a person by ordinary edits (an erasure in disguise)."""

from __future__ import annotations

from app.borrowers import BorrowerInput
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.domain_conflicts import DOUBLE_LOAN, DUPLICATE_SERIAL, ConflictService
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from tests.sync.test_scopes import _change, _merged, _push


def _pair(tmp_path, server, replicas):  # type: ignore[no-untyped-def]
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    return a, b


def test_counter_scope_undoes_a_synced_checkout(tmp_path, sqlite_server, replicas):
    a, b = _pair(tmp_path, sqlite_server, replicas)
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    view = a.ctx.loans.checkout(tag, card)
    a.sync()  # the window syncs in the background: the checkout reached the server
    a.ctx.loans.undo_checkout(view.loan.id)
    result = a.sync()
    assert result.refused_waiting == 0
    b.sync()
    assert b.ctx.devices.get(tag).status == "ready"
    assert b.ctx.loans.open_count() == 0
    assert b.ctx.loans.list() == []  # an undone checkout is no loan in any list or report
    a.sync()
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def test_counter_scope_resolves_a_double_loan_and_a_duplicate_device(tmp_path, sqlite_server, replicas):
    a, b = _pair(tmp_path, sqlite_server, replicas)
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    p1 = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    p2 = a.ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    a.ctx.devices.add(DeviceInput("laptop", "Dell", "E7470", "SN-9"))
    # Booked in again at B before B heard of A's (a local duplicate is asked about at once).
    b.ctx.devices.add(DeviceInput("laptop", "Dell", "E7470", "sn-9"))
    a.sync(), b.sync()
    a.ctx.loans.checkout(tag, p1)  # both offline: the same laptop leaves twice
    b.ctx.loans.checkout(tag, p2)
    a.sync(), b.sync(), a.sync()
    conflicts = {c.kind: c for c in ConflictService(a.ctx.sessions).domain()}
    assert set(conflicts) == {DOUBLE_LOAN, DUPLICATE_SERIAL}
    service = ConflictService(a.ctx.sessions)
    service.resolve_domain(DOUBLE_LOAN, conflicts[DOUBLE_LOAN].subject_id, "cancel")
    service.resolve_domain(DUPLICATE_SERIAL, conflicts[DUPLICATE_SERIAL].subject_id, "delete")
    assert a.sync().refused_waiting == 0
    b.sync(), a.sync()
    for r in (a, b):
        assert ConflictService(r.ctx.sessions).domain() == []
        assert r.ctx.loans.open_count() == 1
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def test_counter_scope_cannot_delete_the_only_record_of_a_serial(tmp_path, sqlite_server, replicas):
    a, _b = _pair(tmp_path, sqlite_server, replicas)
    device = a.ctx.devices.add(DeviceInput("laptop", "Dell", "E7470", "SN-9"))
    a.sync()
    results = _push(
        sqlite_server,
        sqlite_server.issue_token("Kortrijk", "BUS"),
        [_change("x", "device", device.id, {"deleted": True})],
    )
    assert (results["x"]["status"], results["x"]["reason"]) == ("rejected", "needs-coordinator")


def test_counter_scope_cannot_blank_a_person_by_edits(tmp_path, server, replicas):
    a, b = _pair(tmp_path, server, replicas)
    person = a.ctx.borrowers.add(
        BorrowerInput("Jan", "Peeters", "8500", phone="0470 12 34 56", email="jan@example.be")
    )
    a.sync(), b.sync()
    attacker = server.issue_token("Kortrijk", "BUS")
    blank = {"first_name": "", "last_name": "", "phone": "", "email": "", "street": "", "notes": ""}
    results = _push(
        server,
        attacker,
        [
            _change("all", "borrower", person.id, blank),
            _change("name", "borrower", person.id, {"first_name": "(gewist)", "last_name": ""}),
            _change("ok", "borrower", person.id, {"phone": ""}),  # one field: an ordinary edit
        ],
    )
    assert (results["all"]["status"], results["all"]["reason"]) == ("rejected", "needs-coordinator")
    assert (results["name"]["status"], results["name"]["reason"]) == ("rejected", "needs-coordinator")
    assert results["ok"]["status"] == "applied"
    fields = _merged(server, "borrower")[person.id]
    assert (fields["first_name"], fields["last_name"]) == ("Jan", "Peeters")
    assert fields["email"] == "jan@example.be"
    assert fields["phone"] == ""  # only the phone went
    b.sync()
    assert '"Peeters"' in export_json(b.ctx.sessions)
