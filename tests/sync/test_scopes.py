"""Destructive changes (erasures; deleting people, devices, loans, staff) need a token with
the coordinator scope, and the domain rules the counters keep are enforced on the server."""

from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.protocol import VERSION_HEADER, version_header
from app.sync.refusals import refused_views
from server.models import MergedRecord
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from tests.sync.helpers import server_snapshot


def _stamp() -> str:
    return f"{int(time.time() * 1000):013d}-000000-attacker"


def _push(server, token: str, changes: list[dict], batch: str = "evil-1") -> dict:  # type: ignore[no-untyped-def]
    response = httpx.post(
        server.url + "/sync/push",
        content=json.dumps({"batch_id": batch, "changes": changes}).encode(),
        headers={
            "Content-Type": "application/json",
            VERSION_HEADER: version_header(),
            "Authorization": f"Bearer {token}",
        },
    )
    assert response.status_code == 200, response.text
    return {r["change_id"]: r for r in response.json()["results"]}


def _change(cid: str, table: str, row_id: str, fields: dict) -> dict:  # type: ignore[type-arg]
    stamp = _stamp()
    return {
        "change_id": cid,
        "table": table,
        "row_id": row_id,
        "stamp": stamp,
        "fields": fields,
        "clocks": {k: stamp for k in fields},
    }


def _merged(server, table: str) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    with server.database.sessions() as s:
        return {
            r.row_id: r.fields
            for r in s.scalars(select(MergedRecord).where(MergedRecord.table_name == table))
        }


def _setup(tmp_path, server, replicas):  # type: ignore[no-untyped-def]
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    free = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    lending = a.ctx.borrowers.add(BorrowerInput("An", "Claes", "9000"))
    device = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1"))
    make_ready(a.ctx, device.asset_tag)
    loan = a.ctx.loans.checkout(device.asset_tag, lending.card_number)
    a.sync()
    b.sync()
    return a, b, free, lending, device, loan


def test_counter_token_cannot_erase_or_delete_anything(tmp_path, server, replicas):
    a, b, free, lending, device, loan = _setup(tmp_path, server, replicas)
    before = server_snapshot(server.database, "Kortrijk")
    b_before = export_json(b.ctx.sessions)
    attacker = server.issue_token("Kortrijk", "BUS")  # a van's ordinary token
    borrowers = _merged(server, "borrower")
    loan_id = next(iter(_merged(server, "loan")))
    changes = []
    for i, row_id in enumerate(sorted(borrowers)):
        changes.append(_change(f"e{i}", "borrower", row_id, {"erased": True, "first_name": "(gewist)"}))
        changes.append(_change(f"d{i}", "borrower", row_id, {"deleted": True}))
    changes.append(_change("dev", "device", device.id, {"deleted": True}))
    changes.append(_change("loan", "loan", loan_id, {"deleted": True}))
    results = _push(server, attacker, changes)
    assert len(results) == len(changes) == 6
    assert {r["status"] for r in results.values()} == {"rejected"}
    assert {r["reason"] for r in results.values()} == {"needs-coordinator"}
    after = server_snapshot(server.database, "Kortrijk")
    after["batches"] = [x for x in after["batches"] if x != "evil-1"]
    assert after == before  # not one record, log entry or digest changed
    b.sync()
    assert export_json(b.ctx.sessions) == b_before
    a.sync()
    assert '"Peeters"' in export_json(a.ctx.sessions)


def test_coordinator_token_follows_the_domain_rules(tmp_path, server, replicas):
    a, b, free, lending, device, loan = _setup(tmp_path, server, replicas)
    coordinator = server.issue_token("Kortrijk", "KRT", scope="coordinator")
    loan_id = next(iter(_merged(server, "loan")))
    results = _push(
        server,
        coordinator,
        [
            _change("1", "borrower", lending.id, {"erased": True}),
            _change("2", "borrower", lending.id, {"deleted": True}),
            _change("3", "device", device.id, {"deleted": True}),
            _change("4", "borrower", free.id, {"erased": True, "first_name": "(gewist)", "last_name": ""}),
            _change("5", "borrower", lending.id, {"notes": "ordinary edit in the same batch"}),
        ],
    )
    assert (results["1"]["status"], results["1"]["reason"]) == ("rejected", "open-loan")
    assert (results["2"]["status"], results["2"]["reason"]) == ("rejected", "open-loan")
    assert (results["3"]["status"], results["3"]["reason"]) == ("rejected", "on-loan")
    assert results["4"]["status"] == "applied"
    assert results["5"]["status"] == "applied"
    borrowers = _merged(server, "borrower")
    assert borrowers[free.id]["erased"] is True
    assert borrowers[lending.id]["erased"] is False and borrowers[lending.id]["deleted"] is False
    # The loan returned earlier in the same batch: the erasure after it is allowed.
    results = _push(
        server,
        coordinator,
        [
            _change("6", "loan", loan_id, {"state": "returned"}),
            _change("7", "borrower", lending.id, {"erased": True}),
            _change("8", "device", device.id, {"deleted": True}),
        ],
        batch="coord-2",
    )
    assert [results[c]["status"] for c in ("6", "7", "8")] == ["applied"] * 3
    b.sync()
    assert '"Peeters"' not in export_json(b.ctx.sessions)


def test_counter_erase_is_refused_and_waits_in_the_outbox(tmp_path, server, replicas):
    a, b, free, lending, device, loan = _setup(tmp_path, server, replicas)
    a.ctx.privacy.erase(free.card_number)
    result = a.sync()
    assert result.refused_waiting >= 1
    codes = {v.code for v in refused_views(a.ctx.sessions)}
    assert codes == {"needs-coordinator"}
    texts = [v.reason for v in refused_views(a.ctx.sessions)]
    assert all("coördinator" in t for t in texts)
    b.sync()
    assert '"Peeters"' in export_json(b.ctx.sessions)  # the other counter keeps the person
    # The same erasure from a coordinator-scope counter goes through.
    c = make_replica(tmp_path, "c", server, server.issue_token("Kortrijk", "COO", scope="coordinator"), "COO")
    replicas.append(c)
    c.sync()
    c.ctx.privacy.erase(free.card_number)
    assert c.sync().refused_waiting == 0
    b.sync()
    assert '"Peeters"' not in export_json(b.ctx.sessions)


def test_token_issue_stores_the_scope_and_list_shows_it(sqlite_server, capsys):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    assert server.cli("token", "issue", "--tenant", "Kortrijk", "--location", "KRT") == 0
    args = ("token", "issue", "--tenant", "Kortrijk", "--location", "HQ", "--scope", "coordinator")
    assert server.cli(*args) == 0
    capsys.readouterr()
    assert server.cli("token", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert "\tKRT\tcounter\t" in lines[0] and "\tHQ\tcoordinator\t" in lines[1]


def test_an_audit_event_the_server_holds_is_never_changed_by_a_push(tmp_path, sqlite_server, replicas):
    """The audit log is append-only on the server too: not even a coordinator's token can
    rewrite who did what."""
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    from app.audit import AuditLog

    AuditLog(a.ctx.sessions).record("borrower erase", None, subject="KRT-B-00001", outcome="refused")
    a.sync()
    [(event_id, before)] = _merged(server, "audit_event").items()
    boss = server.issue_token("Kortrijk", "KRT", scope="coordinator")
    results = _push(
        server,
        boss,
        [
            _change("c1", "audit_event", event_id, {"outcome": "ok", "subject": "KRT-B-00002"}),
            _change("c2", "audit_event", event_id, {"deleted": True}),
            _change("c3", "audit_event", event_id, {"outcome": before["outcome"]}),  # an echo
        ],
    )
    assert [results[c]["status"] for c in ("c1", "c2")] == ["rejected", "rejected"]
    assert results["c1"]["reason"] == "append-only"
    assert results["c3"]["status"] in ("applied", "merged")
    assert _merged(server, "audit_event")[event_id] == before
