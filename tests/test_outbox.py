"""The outbox: every local write records its change in the same transaction, field by field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.borrowers import BorrowerInput
from app.context import open_context
from app.inventory import DeviceInput
from db.base import OutboxEntry, synced_models
from db.changes import HLC_KEY, TombstoneOnlyError, read_state
from db.clock import Stamp
from db.models import Device, Location
from db.values import record_values
from tests.conftest import make_ready


def entries(ctx, after: int = 0) -> list[OutboxEntry]:
    with ctx.sessions() as s:
        return list(s.scalars(select(OutboxEntry).where(OutboxEntry.seq > after).order_by(OutboxEntry.seq)))


def last_seq(ctx) -> int:
    rows = entries(ctx)
    return rows[-1].seq if rows else 0


def outbox_problems(session: Session) -> list[str]:
    """Every way the outbox can disagree with the data (empty list = consistent).

    For each synced row: the newest outbox stamp per field equals the row's clock for that
    field, and the newest outbox value of each field equals the row's value. No outbox
    entry may refer to a row that does not exist.
    """
    problems: list[str] = []
    latest: dict[tuple[str, str], dict[str, tuple[str, Any]]] = {}
    for entry in session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)):
        fields = latest.setdefault((entry.table_name, entry.row_id), {})
        for name, stamp in entry.payload["clocks"].items():
            if name not in fields or stamp > fields[name][0]:
                fields[name] = (stamp, entry.payload["fields"][name])
    seen: set[tuple[str, str]] = set()
    for model in synced_models():
        table = model.__tablename__
        for row in session.scalars(select(model)):
            key = (table, row.id)
            seen.add(key)
            recorded = latest.get(key)
            if recorded is None:
                problems.append(f"{table} {row.id}: no outbox entry")
                continue
            values = record_values(row)
            clocks = row.clocks or {}
            if set(recorded) != set(clocks):
                problems.append(f"{table} {row.id}: fields {sorted(recorded)} vs clocks {sorted(clocks)}")
            for name, (stamp, value) in recorded.items():
                if clocks.get(name) != stamp:
                    problems.append(f"{table} {row.id}.{name}: clock {clocks.get(name)} != outbox {stamp}")
                if values.get(name) != value:
                    problems.append(
                        f"{table} {row.id}.{name}: value {values.get(name)!r} != outbox {value!r}"
                    )
            if row.updated_at != max(clocks.values(), default=""):
                problems.append(f"{table} {row.id}: updated_at is not its newest clock")
    for key in latest:
        if key not in seen:
            problems.append(f"outbox refers to missing row {key}")
    return problems


def test_initialise_records_the_location(ctx):
    (entry,) = entries(ctx)
    with ctx.sessions() as s:
        location = s.scalars(select(Location)).one()
        assert entry.table_name == "location" and entry.row_id == location.id
        assert entry.origin == location.id
        assert outbox_problems(s) == []


def test_a_created_record_sends_every_data_field(ctx):
    start = last_seq(ctx)
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1", notes="met lader"))
    (entry,) = entries(ctx, start)
    with ctx.sessions() as s:
        row = s.get(Device, device.id)
        assert entry.table_name == "device" and entry.row_id == row.id
        assert entry.payload["fields"] == record_values(row)
        assert set(entry.payload["fields"]) == set(Device.data_columns())
        assert set(entry.payload["clocks"].values()) == {entry.stamp}
        assert row.clocks == entry.payload["clocks"]
        assert row.created_at == row.updated_at == entry.stamp
        assert entry.actor == "test" and row.changed_by == "test"
        assert entry.origin == row.origin == ctx.locations.current().id
        assert entry.payload["fields"]["intake_date"] == dt.date.today().isoformat()
        assert entry.payload["fields"]["specs"] == {}


def test_an_update_sends_only_the_changed_fields_with_a_newer_stamp(ctx):
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1"))
    created = entries(ctx)[-1]
    start = created.seq
    ctx.devices.edit(device.asset_tag, serial="SN2", notes="nieuwe batterij", brand="Lenovo")
    (entry,) = entries(ctx, start)
    assert entry.payload["fields"] == {"serial": "SN2", "notes": "nieuwe batterij"}
    assert set(entry.payload["clocks"]) == {"serial", "notes"}
    assert entry.stamp > created.stamp
    with ctx.sessions() as s:
        row = s.get(Device, device.id)
        assert row.clocks["serial"] == row.clocks["notes"] == entry.stamp
        assert row.clocks["brand"] == row.clocks["model"] == created.stamp  # untouched fields keep theirs
        assert row.updated_at == entry.stamp
        assert row.created_at == created.stamp


def test_a_checkout_records_the_loan_and_the_device_status_together(ctx):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1")).asset_tag
    make_ready(ctx, tag)
    card = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    start = last_seq(ctx)
    view = ctx.loans.checkout(tag, card)
    new = entries(ctx, start)
    by_table = {e.table_name: e for e in new}
    assert sorted(by_table) == ["device", "loan"] and len(new) == 2
    assert by_table["device"].payload["fields"] == {"status": "on-loan"}
    assert by_table["loan"].payload["fields"]["state"] == "open"
    assert by_table["loan"].payload["fields"]["device_id"] == view.device.id
    assert by_table["loan"].payload["fields"]["out_at"] == view.loan.out_at.isoformat(timespec="seconds")
    with ctx.sessions() as s:
        assert outbox_problems(s) == []


def test_a_refused_or_rolled_back_change_leaves_neither_row_nor_outbox_entry(ctx):
    start = last_seq(ctx)
    with pytest.raises(RuntimeError), ctx.sessions() as s, s.begin():
        s.add(Device(asset_tag="KRT-000500", intake_date=dt.date(2026, 1, 1), specs={}))
        s.flush()  # the outbox entry exists inside the transaction ...
        assert s.scalar(select(OutboxEntry).where(OutboxEntry.seq > start)) is not None
        raise RuntimeError("crash before commit")
    assert entries(ctx, start) == []  # ... and is gone with the row
    assert ctx.devices.count() == 0
    with pytest.raises(Exception):  # noqa: B017 (the service refuses an invalid kind)
        ctx.devices.add(DeviceInput("toaster", "X", "Y"))
    assert entries(ctx, start) == []


def test_the_clock_is_saved_with_the_change_and_rolled_back_with_it(ctx):
    with ctx.sessions() as s:
        saved = read_state(s, HLC_KEY)
    with pytest.raises(RuntimeError), ctx.sessions() as s, s.begin():
        s.add(Device(asset_tag="KRT-000500", intake_date=dt.date(2026, 1, 1), specs={}))
        s.flush()
        raise RuntimeError
    with ctx.sessions() as s:
        assert read_state(s, HLC_KEY) == saved
    ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480"))
    with ctx.sessions() as s:
        assert read_state(s, HLC_KEY) == entries(ctx)[-1].stamp


def test_stamps_strictly_increase_across_writes_and_restarts(tmp_path, ctx):
    for i in range(15):
        tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", f"S{i}")).asset_tag
        ctx.devices.edit(tag, notes=f"n{i}")
    stamps = [e.stamp for e in entries(ctx)]
    data_dir = ctx.data_dir
    ctx.close()
    reopened = open_context(data_dir, actor="test")
    try:
        reopened.devices.add(DeviceInput("laptop", "Dell", "E7470"))
        stamps = [e.stamp for e in entries(reopened)]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == len(stamps)
        decoded = [Stamp.decode(s) for s in stamps]
        assert decoded == sorted(decoded)
        with reopened.sessions() as s:
            assert outbox_problems(s) == []
    finally:
        reopened.close()


def test_synced_records_are_never_deleted_outright(ctx):
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480"))
    with pytest.raises(TombstoneOnlyError), ctx.sessions() as s, s.begin():
        s.delete(s.get(Device, device.id))
    assert ctx.devices.count() == 1
    start = last_seq(ctx)
    with ctx.sessions() as s, s.begin():
        s.get(Device, device.id).deleted = True
    (entry,) = entries(ctx, start)
    assert entry.payload["fields"] == {"deleted": True}


def test_changes_applied_from_a_pull_are_not_recorded_again(ctx):
    start = last_seq(ctx)
    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        s.add(
            Device(
                asset_tag="GNT-000001",
                intake_date=dt.date(2026, 1, 1),
                specs={},
                clocks={},
                origin="elsewhere",
            )
        )
    assert entries(ctx, start) == []
    assert ctx.devices.get("GNT-000001").origin == "elsewhere"


def test_outbox_check_notices_a_mismatch(ctx):
    """The consistency check used here and in the crash test must be able to fail."""
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480"))
    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        s.get(Device, device.id).serial = "changed without outbox"
    with ctx.sessions() as s:
        problems = outbox_problems(s)
    assert any("serial" in p for p in problems)
