"""Two counters that send the same reminder step while offline end with one record of it,
and neither sends it again after syncing; calls logged at both are both kept."""

from __future__ import annotations

from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.export import export_json
from app.inventory import DeviceInput
from db.models_reminders import ReminderCall, ReminderSent
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from tests.ui.conftest import make_overdue


def test_the_same_step_sent_at_two_counters_converges(tmp_path, sqlite_server, replicas):
    sqlite_server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", sqlite_server, sqlite_server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", sqlite_server, sqlite_server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    device = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1"))
    make_ready(a.ctx, device.asset_tag)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500", street="Veemarkt 1")).card_number
    loan = a.ctx.loans.checkout(device.asset_tag, card).loan
    make_overdue(a.ctx, loan.id, days=3)
    a.sync()
    b.sync()

    # Both offline: each prints the letter of step "late-1" and logs a call.
    assert len(a.ctx.reminders.write_letters(tmp_path / "a.pdf").sent) == 1
    assert len(b.ctx.reminders.write_letters(tmp_path / "b.pdf").sent) == 1
    a.ctx.reminders.log_call(device.asset_tag, "no-answer")
    b.ctx.reminders.log_call(device.asset_tag, "reached")

    a.sync()
    b.sync()
    a.sync()
    for replica in (a, b):
        with replica.ctx.sessions() as s:
            sent = s.scalars(select(ReminderSent)).all()
            calls = s.scalars(select(ReminderCall)).all()
        assert [(r.loan_id, r.step, r.channel) for r in sent] == [(loan.id, "late-1", "letter")]
        assert sorted(c.outcome for c in calls) == ["no-answer", "reached"]
        assert replica.ctx.reminders.write_letters(tmp_path / "again.pdf").sent == []
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
    # Sending the same step twice is expected: no conflict for a person to resolve.
    assert _field_conflicts(a) == [] and _field_conflicts(b) == []


def _field_conflicts(replica):
    from db.base import FieldConflict

    with replica.ctx.sessions() as s:
        return [(c.table_name, c.field) for c in s.scalars(select(FieldConflict))]
