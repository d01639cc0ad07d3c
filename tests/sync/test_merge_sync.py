"""A merge of two registrations of one person reaches every counter: the loans, visits and
attendance are on the kept person everywhere, with a plain counter token (no erasure)."""

from __future__ import annotations

import datetime as dt

from app.borrowers import BorrowerInput
from app.export import export_json
from app.helpdesk import HelpdeskService
from app.inventory import DeviceInput
from app.loans import LoanService
from app.reports.periods import Period
from db.models import DataWipe
from tests.sync.conftest import make_replica


def test_a_merge_converges_and_the_reach_counts_the_person_once(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    keep = a.ctx.borrowers.add(BorrowerInput("Mina", "El Amrani", "8500")).card_number
    other = b.ctx.borrowers.add(BorrowerInput("Mina", "Elamrani", "8500", phone="0470 12 34 56")).card_number
    tag = b.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1")).asset_tag
    with b.ctx.sessions() as s, s.begin():
        s.add(
            DataWipe(
                device_id=b.ctx.devices.get(tag).id, method="nwipe", result="passed", ended_at=b.ctx.now()
            )
        )
    b.ctx.devices.set_status(tag, "ready")
    LoanService(b.ctx.sessions, b.ctx.settings, now=b.ctx.now).checkout(tag, other)
    HelpdeskService(b.ctx.sessions, now=b.ctx.now).log("itsme", card=other)
    HelpdeskService(a.ctx.sessions, now=a.ctx.now).log("ebox", card=keep)
    for r in (a, b, a):
        r.sync()
    today = a.ctx.now().date()
    period = Period(today - dt.timedelta(days=1), today)
    assert a.ctx.reports.reach(period).people == 2

    result = a.ctx.borrowers.merge(keep, other)
    assert result.moved["loan"] == 1 and result.moved["helpdesk_visit"] == 1
    for r in (a, b, a):
        r.sync()
    for r in (a, b):
        kept = r.ctx.borrowers.get(keep)
        assert kept.phone == "0470 12 34 56"
        assert [v.device.asset_tag for v in r.ctx.loans.list(open_only=True, borrower_id=kept.id)] == [tag]
        assert r.ctx.borrowers.get(other).blocked
        assert r.ctx.reports.reach(period).people == 1
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)
