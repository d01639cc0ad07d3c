"""Deposits travel with the loan: both counters see how it was paid and refunded, and the
server checks the new fields by the same model rules as the counters (db/rules.py)."""

from __future__ import annotations

import time
import uuid

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from app.sync.protocol import Change
from server.store import validate_change
from tests.conftest import make_ready
from tests.sync.conftest import make_replica


def test_deposit_paid_and_refunded_reach_the_other_counter(tmp_path, sqlite_server, replicas):
    sqlite_server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", sqlite_server, sqlite_server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", sqlite_server, sqlite_server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(a.ctx, tag)
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.ctx.loans.checkout(tag, card, deposit_cents=2500, deposit_method="payconiq")
    a.ctx.loans.return_device(tag, refund_cents=2000, kept_reason="lader kwijt")
    a.sync()
    assert b.sync().mismatched_tables == []
    (loan,) = [v.loan for v in b.ctx.loans.list()]
    assert (loan.deposit_cents, loan.deposit_method) == (2500, "payconiq")
    assert (loan.deposit_refunded_cents, loan.deposit_kept_reason) == (2000, "lader kwijt")


def _loan_change(fields: dict) -> Change:
    now = f"{int(time.time() * 1000):013d}-000000-crafted"
    return Change(
        change_id=str(uuid.uuid4()),
        table="loan",
        row_id=str(uuid.uuid4()),
        stamp=now,
        origin="crafted",
        fields=fields,
        clocks=dict.fromkeys(fields, now),
    )


def test_the_server_checks_the_deposit_fields_by_the_model_rules():
    now_ms = int(time.time() * 1000)
    assert validate_change(_loan_change({"deposit_method": "payconiq"}), now_ms, 60_000) is None
    refused = validate_change(_loan_change({"deposit_method": "bitcoin"}), now_ms, 60_000)
    assert refused is not None and refused[0] == "bad-value"
    too_long = validate_change(_loan_change({"deposit_kept_reason": "x" * 201}), now_ms, 60_000)
    assert too_long is not None and too_long[0] == "bad-value"
    negative = validate_change(_loan_change({"deposit_refunded_cents": -1}), now_ms, 60_000)
    assert negative is not None and negative[0] == "bad-value"
