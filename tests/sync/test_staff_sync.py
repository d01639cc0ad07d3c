"""Staff records and the audit log travel between counters (issue 11)."""

from __future__ import annotations

import pytest

from app.errors import UserError
from tests.sync.conftest import make_replica


def test_staff_sign_in_anywhere_and_identical_audit_logs(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    anna = a.ctx.staff.add("Anna", "coordinator", "4321")
    a.ctx.staff.add("Vera", "vrijwilliger", "1111", by=anna)
    a.sync()
    b.sync()
    # Vera signs in at the other counter with the PIN set at the first.
    with pytest.raises(UserError):
        b.ctx.staff.authenticate("Vera", "0000")
    vera = b.ctx.staff.authenticate("Vera", "1111")
    b.ctx.sign_in(vera)
    b.ctx.audit.record("loan checkout", vera, subject="WVL-000001")
    a.ctx.audit.record("settings set", anna, subject="loan_period_days", detail="value")
    for _ in range(2):
        a.sync()
        b.sync()
    log_a = [r.to_json() for r in a.ctx.audit.events()]
    log_b = [r.to_json() for r in b.ctx.audit.events()]
    assert log_a == log_b
    actions = [(r["staff"], r["action"], r["outcome"], r["location"]) for r in log_a]
    assert sorted(actions) == sorted(
        [
            ("", "staff add", "ok", "KRT"),
            ("Anna", "staff add", "ok", "KRT"),
            ("Vera", "sign-in", "refused", "WVL"),
            ("Vera", "loan checkout", "ok", "WVL"),
            ("Anna", "settings set", "ok", "KRT"),
        ]
    )
    # The failed PIN counted at B reached A as well; the right PIN reset it at B.
    assert [s.name for s in a.ctx.staff.list()] == ["Anna", "Vera"]
