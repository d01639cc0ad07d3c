"""One bad value never stops everyone (issue 9, case 6): the server applies the same
field rules as the counters to every pushed value, stores a new record the way the
counters insert it, and a counter sets aside a pulled record it cannot apply."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.export import export_records
from app.inventory import DeviceInput
from app.sync.protocol import VERSION_HEADER, version_header
from app.sync.set_aside import set_aside_count
from db.base import SetAsideChange
from server.models import ChangeLogEntry, MergedRecord, Tenant
from tests.sync.conftest import make_replica


def stamp(n: int = 0, node: str = "crafted") -> str:
    return f"{int(time.time() * 1000):013d}-{n:06d}-{node}"


def change(table: str, row_id: str, fields: dict, origin: str = "crafted") -> dict:
    return {
        "change_id": str(uuid.uuid4()),
        "table": table,
        "row_id": row_id,
        "stamp": stamp(),
        "origin": origin,
        "fields": fields,
        "clocks": {k: stamp() for k in fields},
    }


def raw_push(server, token: str, changes: list[dict]) -> httpx.Response:
    """What a crafted client sends: plain JSON (lone surrogates escaped as \\ud800)."""
    body = json.dumps({"batch_id": str(uuid.uuid4()), "changes": changes})
    return httpx.post(
        f"{server.url}/sync/push",
        content=body.encode(),
        headers={
            "Authorization": f"Bearer {token}",
            VERSION_HEADER: version_header(),
            "Content-Type": "application/json",
        },
        timeout=30,
    )


def deep(levels: int) -> dict:
    doc: dict = {"cpu": "x"}
    for _ in range(levels):
        doc = {"x": doc}
    return doc


def new_device(**extra) -> dict:
    return {"asset_tag": f"KRT-{uuid.uuid4().hex[:8]}", "intake_date": "2026-12-01", **extra}


def server_records(server, tenant: str) -> dict[str, dict[str, dict]]:
    with server.database.sessions() as s:
        tid = s.scalar(select(Tenant.id).where(Tenant.name == tenant))
        out: dict[str, dict[str, dict]] = {}
        for r in s.scalars(select(MergedRecord).where(MergedRecord.tenant_id == tid)):
            out.setdefault(r.table_name, {})[r.row_id] = r.fields
    return out


def exported(ctx) -> dict[str, dict[str, dict]]:
    return {
        table: {row["id"]: {k: v for k, v in row.items() if k != "id"} for row in rows}
        for table, rows in export_records(ctx.sessions).items()
        if rows
    }


BAD_VALUES = [
    pytest.param("borrower_notes", id="lone-surrogate-text"),
    pytest.param("specs_deep", id="json-300-deep"),
    pytest.param("specs_big", id="json-oversized"),
    pytest.param("status_bogus", id="unknown-status"),
    pytest.param("topic_bogus", id="unknown-helpdesk-topic"),
    pytest.param("walk_ins_negative", id="negative-walk-ins"),
    pytest.param("walk_ins_huge", id="hundred-million-walk-ins"),
    pytest.param("date_compact", id="date-20261201"),
    pytest.param("date_week", id="date-2026-W01-1"),
    pytest.param("origin_surrogate", id="lone-surrogate-origin"),
    pytest.param("field_surrogate", id="lone-surrogate-field-name"),
    pytest.param("eligibility_bogus", id="unknown-eligibility-proof"),
    pytest.param("age_band_bogus", id="unknown-age-band"),
    pytest.param("birth_year_bogus", id="birth-year-3000"),
    pytest.param("nis_too_long", id="nis-code-too-long"),
]


def bad_change(kind: str, ids: dict[str, str]) -> dict:
    if kind == "borrower_notes":
        return change("borrower", ids["borrower"], {"notes": "hallo \ud800"})
    if kind == "specs_deep":
        return change("device", ids["device"], {"specs": deep(300)})
    if kind == "specs_big":
        return change("device", ids["device"], {"specs": {"blob": "x" * 70_000}})
    if kind == "status_bogus":
        return change("device", ids["device"], {"status": "bogus"})
    if kind == "topic_bogus":
        return change(
            "helpdesk_visit", str(uuid.uuid4()), {"visited_at": "2026-12-01T10:00:00", "topic": "astrology"}
        )
    if kind == "walk_ins_negative":
        return change("training_session", ids["training"], {"walk_ins": -5})
    if kind == "walk_ins_huge":
        return change("training_session", ids["training"], {"walk_ins": 100_000_000})
    if kind == "date_compact":
        return change("device", str(uuid.uuid4()), new_device(intake_date="20261201"))
    if kind == "date_week":
        return change("device", str(uuid.uuid4()), new_device(intake_date="2026-W01-1"))
    if kind == "origin_surrogate":
        return change("device", ids["device"], {"notes": "ok"}, origin="KRT\ud800")
    if kind == "field_surrogate":
        return change("device", ids["device"], {"notes\ud800": "ok"})
    if kind == "eligibility_bogus":
        return change("borrower", ids["borrower"], {"eligibility_code": "scan-van-attest"})
    if kind == "age_band_bogus":
        return change("borrower", ids["borrower"], {"age_band": "30-40"})
    if kind == "birth_year_bogus":
        return change("borrower", ids["borrower"], {"birth_year": 3000})
    if kind == "nis_too_long":
        return change("borrower", ids["borrower"], {"nis_code": "460300"})
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_a_bad_pushed_value_is_rejected_and_every_counter_keeps_syncing(tmp_path, server, replicas, kind):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"))
    replicas.extend([a, b])
    device = a.ctx.devices.add(DeviceInput(kind="laptop", brand="Dell", model="E7450"))
    person = a.ctx.borrowers.add(BorrowerInput("An", "Peeters", "8500"))
    import datetime as dt

    training = a.ctx.trainings.add("Basis laptop", dt.datetime(2026, 12, 10, 9, 0))
    a.sync()
    b.sync()
    ids = {"device": device.id, "borrower": person.id, "training": training.id}
    good = change("device", device.id, {"notes": "nagekeken"})
    token = server.issue_token("Kortrijk", "XXX")
    answer = raw_push(server, token, [bad_change(kind, ids), good])
    if kind == "origin_surrogate":
        # A string field of the protocol: refused with the request (422) before it is read.
        assert answer.status_code == 422
        answer = raw_push(server, token, [change("device", ids["device"], {"notes\ud800": "x"}), good])
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["reason"] in (
        "bad-value",
        "bad-id",
        "unknown-field",
    )
    assert results[1]["status"] == "applied"  # per change: the good one in the same batch goes through
    # Every later round of every counter still works, and they agree.
    a.ctx.devices.edit(device.asset_tag, accessories="lader")
    for replica in (a, b, a, b):
        result = replica.sync()
        assert result.mismatched_tables == []
        assert result.set_aside == 0
    assert exported(a.ctx) == exported(b.ctx)
    assert exported(b.ctx)["device"][device.id]["notes"] == "nagekeken"


def test_a_record_with_only_its_required_fields_is_stored_like_the_counters_insert_it(
    tmp_path, server, replicas
):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    a.sync()
    row_id = str(uuid.uuid4())
    answer = raw_push(server, server.issue_token("Kortrijk", "XXX"), [change("device", row_id, new_device())])
    assert answer.json()["results"][0]["status"] == "applied"
    first = a.sync()
    assert first.mismatched_tables == [] and first.repulled_tables == []
    assert a.sync().mismatched_tables == []
    device = exported(a.ctx)["device"][row_id]
    assert (device["status"], device["kind"], device["specs"], device["deleted"]) == (
        "intake",
        "laptop",
        {},
        False,
    )
    assert server_records(server, "Kortrijk")["device"][row_id] == device


def _inject(server, tenant: str, table: str, row_id: str, fields: dict, origin: str = "KRT") -> None:
    """A change that reached the log without push validation (an older server let it in)."""
    with server.database.sessions() as s, s.begin():
        t = s.scalar(select(Tenant).where(Tenant.name == tenant).with_for_update())
        t.last_seq += 1
        s.add(
            ChangeLogEntry(
                tenant_id=t.id,
                seq=t.last_seq,
                table_name=table,
                row_id=row_id,
                origin=origin,
                fields=fields,
                clocks={k: stamp(1, "KRT") for k in fields},
            )
        )


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"notes": "stuk \ud800"}, id="lone-surrogate"),
        pytest.param({"specs": deep(300)}, id="json-300-deep"),
        pytest.param({"status": "bogus"}, id="unknown-status"),
    ],
)
def test_a_pulled_record_the_counter_cannot_apply_is_set_aside_and_the_rest_applies(
    tmp_path, server, replicas, bad
):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    for n in range(5):
        a.ctx.devices.add(DeviceInput(kind="laptop", brand="Dell", model=f"E{n}"))
        a.ctx.borrowers.add(BorrowerInput(f"P{n}", "Peeters", "8500"))
    a.sync()
    bad_id = str(uuid.uuid4())
    _inject(server, "Kortrijk", "device", bad_id, new_device(**bad))
    # An edit of that bad record and a loan of it: they wait with it, not apart.
    _inject(server, "Kortrijk", "device", bad_id, {"accessories": "lader"})
    person = a.ctx.borrowers.get("KRT-B-00001")
    loan = {
        "device_id": bad_id,
        "borrower_id": person.id,
        "out_at": "2026-12-01T10:00:00",
        "due_date": "2027-01-01",
    }
    _inject(server, "Kortrijk", "loan", str(uuid.uuid4()), loan)  # refused by the foreign key
    # More good work after it, in the same page.
    for n in range(3):
        a.ctx.borrowers.add(BorrowerInput(f"Q{n}", "Janssens", "8500"))
    a.sync()
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"))
    replicas.append(b)
    result = b.sync()  # today: "Onverwachte fout (ValidationError)", in every round
    assert result.set_aside == 3
    with b.ctx.sessions() as s:
        assert set_aside_count(s) == 3
        reasons = [r.reason for r in s.scalars(select(SetAsideChange))]
    assert any("device" in r for r in reasons)
    # The counter holds every other record exactly as the server does.
    server_view = server_records(server, "Kortrijk")
    server_view["device"].pop(bad_id, None)  # only in the log, or in the records too
    server_view.pop("loan", None)
    assert exported(b.ctx) == server_view
    # Later rounds go on (and keep it aside, once), for this counter and the other.
    for replica in (b, a, b):
        assert replica.sync().set_aside == 3  # a pulled them too
    assert exported(a.ctx) == exported(b.ctx)


def test_a_set_aside_record_is_applied_once_the_rules_accept_it(
    tmp_path, sqlite_server, replicas, monkeypatch
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    a.sync()
    bad_id = str(uuid.uuid4())
    _inject(server, "Kortrijk", "device", bad_id, new_device(kind="drone"))
    _inject(server, "Kortrijk", "device", bad_id, {"accessories": "lader"})
    assert a.sync().set_aside == 2
    assert bad_id not in exported(a.ctx).get("device", {})
    # "A program update" that knows the new kind: the next round applies both parts.
    from db import rules

    real = rules.check_fields
    monkeypatch.setattr(
        rules,
        "check_fields",
        lambda table, fields, new=False: [
            p for p in real(table, fields, new) if not (p.field == "kind" and fields.get("kind") == "drone")
        ],
    )
    assert a.sync().set_aside == 0
    device = exported(a.ctx)["device"][bad_id]
    assert (device["kind"], device["accessories"]) == ("drone", "lader")


def test_an_lshw_file_with_a_broken_cpu_name_does_not_poison_the_outbox(tmp_path, sqlite_server, replicas):
    from pathlib import Path

    from app.export import export_json

    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"))
    replicas.extend([a, b])
    source = Path(__file__).parent.parent / "fixtures" / "specs" / "PF1ABCD2.json"
    text = source.read_text().replace("i5-8350U CPU", "i5-8350U \\ud83d CPU")  # as lshw escapes a broken byte
    assert "\\ud83d" in text
    broken = tmp_path / "PF1ABCD2.json"
    broken.write_text(text)
    report = a.ctx.bench.import_specs(broken)
    assert [f.ok for f in report.files] == [True], [f.message for f in report.files]
    assert "\ufffd" in report.files[0].message  # says what it did
    tag = report.files[0].tag
    assert a.ctx.devices.get(tag).specs["cpu"] == "Intel(R) Core(TM) i5-8350U \ufffd CPU @ 1.70GHz"
    json.loads(export_json(a.ctx.sessions))  # today: UnicodeEncodeError, for good
    result = a.sync()  # today: every push fails
    assert (result.rejected, result.waiting) == (0, 0)
    b.sync()
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions)


def test_a_pulled_change_with_an_unstorable_row_id_or_stamp_is_set_aside(tmp_path):
    import datetime as dt

    from app.context import open_context
    from app.sync.merge import apply_page
    from app.sync.protocol import LoggedChange

    ctx = open_context(tmp_path / "c")
    try:
        ctx.locations.initialise("KRT", "Kortrijk")
        good_id = str(uuid.uuid4())
        fields = new_device()
        pulled = [
            LoggedChange(
                seq=1,
                table="device",
                row_id="x\ud800",
                origin="KRT",
                fields=fields,
                clocks=dict.fromkeys(fields, stamp()),
            ),
            LoggedChange(
                seq=2,
                table="device",
                row_id=str(uuid.uuid4()),
                origin="KRT",
                fields=new_device(),
                clocks=dict.fromkeys(fields, "not-a-stamp"),
            ),
            LoggedChange(
                seq=3,
                table="device",
                row_id=good_id,
                origin="KRT",
                fields=new_device(),
                clocks=dict.fromkeys(fields, stamp()),
            ),
        ]
        with ctx.sessions() as s, s.begin():
            s.info["applying_remote"] = True
            result = apply_page(s, pulled, dt.datetime(2026, 12, 1, 10, 0))
        assert result.set_aside == 2
        with ctx.sessions() as s:
            assert set_aside_count(s) == 2
            assert {r.reason for r in s.scalars(select(SetAsideChange))} == {
                "bad-id",
                "bad-clocks: device.asset_tag",
            }
        assert list(exported(ctx)["device"]) == [good_id]
    finally:
        ctx.close()


def test_municipality_and_eligibility_fields_travel_to_every_counter(tmp_path, sqlite_server, replicas):
    import datetime as dt

    from app.eligibility import Eligibility

    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"))
    replicas.extend([a, b])
    person = a.ctx.borrowers.add(
        BorrowerInput(
            "An",
            "Peeters",
            "2070",
            eligibility=Eligibility("budgetbegeleiding", "CAW", dt.date(2026, 1, 5)),
            birth_year=1970,
        )
    )
    for replica in (a, b):
        assert replica.sync().mismatched_tables == []
    there = exported(b.ctx)["borrower"][person.id]
    assert (there["nis_code"], there["province"]) == ("46030", "OVL")
    assert (there["eligibility_code"], there["referrer"]) == ("budgetbegeleiding", "CAW")
    assert (there["eligibility_checked_on"], there["eligibility_valid_until"]) == ("2026-01-05", "2027-01-05")
    assert there["birth_year"] == 1970 and there["age_band"]
