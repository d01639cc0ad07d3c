"""Wipes, repairs, the ready rule and giving a device away."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.bench import BenchService, parse_nwipe_log
from app.borrowers import BorrowerInput
from app.errors import UserError
from app.inventory import DeviceInput
from db.base import OutboxEntry
from db.models import DataWipe, Repair

NWIPE_LOG = """\
[2026/01/05 09:58:11] nwipe: notice: Opened entropy source '/dev/urandom'.
[2026/01/05 09:58:11] nwipe: info: nwipe 0.34
[2026/01/05 09:58:12] nwipe: info: Automatically enumerated 1 devices.
[2026/01/05 09:58:12] nwipe: info: Device /dev/sda has serial number PF1ABCD3
[2026/01/05 09:58:20] nwipe: notice: Invoking method 'DoD Short' on /dev/sda
[2026/01/05 11:02:47] nwipe: notice: Verified that '/dev/sda' is empty.
[2026/01/05 11:02:48] nwipe: notice: Nwipe successfully completed. See summary table for details.
********************************************************************************
! Device | Status | Thru-put | HH:MM:SS | Model/Serial Number
--------------------------------------------------------------------------------
  sda    | Erased |  117 MB/s | 01:04:27 | Samsung SSD 860/PF1ABCD3
--------------------------------------------------------------------------------
[2026/01/05 11:02:48] Total Throughput 117 MB/s, DoD Short, 3R+B+NV
********************************************************************************
"""


@pytest.fixture
def bench(ctx):
    return BenchService(ctx.sessions, ctx.devices, now=lambda: dt.datetime(2026, 1, 6, 14, 30))


@pytest.fixture
def tag(ctx):
    return ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF1ABCD3")).asset_tag


def test_no_passed_wipe_means_not_ready_then_passed_wipe_allows_it(ctx, bench, tag):
    with pytest.raises(UserError, match="geen geslaagde gegevenswissing"):
        ctx.devices.set_status(tag, "ready")
    bench.record_wipe(tag, method="nwipe", result="failed", technician="Pieter")
    with pytest.raises(UserError, match="geen geslaagde gegevenswissing"):
        ctx.devices.set_status(tag, "ready")
    bench.record_wipe(tag, method="nwipe", result="passed", technician="Pieter", verified_by="Anja")
    assert ctx.devices.set_status(tag, "ready").status == "ready"
    wipes = bench.wipes(tag)
    assert [w.result for w in wipes] == ["failed", "passed"]
    assert wipes[1].verified_by == "Anja"


def test_wipe_moves_intake_device_to_wiping(ctx, bench, tag):
    bench.record_wipe(tag, method="nist-clear", result="failed")
    assert ctx.devices.get(tag).status == "wiping"


@pytest.mark.parametrize(
    ("method", "result", "message"),
    [("bogus", "passed", "Onbekende wismethode 'bogus'"), ("nwipe", "ok", "Onbekend resultaat 'ok'")],
)
def test_bad_codes_are_refused(bench, tag, method, result, message):
    with pytest.raises(UserError, match=message):
        bench.record_wipe(tag, method=method, result=result)


def test_nwipe_log_fills_method_tool_times_result(bench, tag):
    info = parse_nwipe_log(NWIPE_LOG)
    assert info.result == "passed"
    assert info.method_name == "DoD Short"
    assert info.serials == ["PF1ABCD3"]
    # No specs of this laptop yet: the technician confirms the disk of the log.
    wipe = bench.record_wipe(tag, log_text=NWIPE_LOG, technician="Pieter", disk_confirmed=True)
    assert wipe.method == "nwipe"
    assert wipe.result == "passed"
    assert wipe.tool == "nwipe 0.34 — DoD Short"
    assert wipe.started_at == dt.datetime(2026, 1, 5, 9, 58, 20)  # when the method was invoked
    assert wipe.ended_at == dt.datetime(2026, 1, 5, 11, 2, 48)
    assert "DoD Short" in wipe.log_text


def test_failed_nwipe_log_is_failed_and_contradiction_is_refused(bench, tag):
    failed = NWIPE_LOG.replace("| Erased |", "| FAILED |").replace("successfully completed", "finished")
    assert parse_nwipe_log(failed).result == "failed"
    with pytest.raises(UserError, match="logboek zegt 'mislukt'"):
        bench.record_wipe(tag, result="passed", log_text=failed, disk_confirmed=True)
    assert bench.record_wipe(tag, log_text=failed, disk_confirmed=True).result == "failed"


def test_newer_nwipe_log_layout():
    """nwipe 0.35 drops the "nwipe:" prefix and marks failures as -FAILED-."""
    newer = (
        "[2026/01/05 09:58:11]  info: nwipe version 0.35\n"
        "[2026/01/05 09:58:20]  notice: Invoking method 'PRNG Stream' on /dev/nvme0n1\n"
        "! Device | Status | Thru-put | HH:MM:SS | Model/Serial Number\n"
        " nvme0n1 | -FAILED- |  1.2 GB/s | 00:04:01 | SAMSUNG MZVLB256/S41GNX0M123456\n"
        "[2026/01/05 10:02:21]  notice: Nwipe successfully completed.\n"
    )
    info = parse_nwipe_log(newer)
    assert (info.tool, info.method_name, info.result) == ("nwipe 0.35", "PRNG Stream", "failed")
    assert info.serials == ["S41GNX0M123456"]
    assert parse_nwipe_log(newer.replace("-FAILED-", "Erased")).result == "passed"


def test_not_an_nwipe_log(bench, tag):
    with pytest.raises(UserError, match="geen nwipe-logboek"):
        bench.record_wipe(tag, log_text="hello world")


def test_repair_log_with_cost_in_cents(bench, tag):
    bench.record_repair(
        tag, "nieuwe batterij", parts="01AV428", cost="34,95", minutes=20, technician="Pieter"
    )
    bench.record_repair(tag, "toetsenbord gekuist", minutes=10)
    repairs = bench.repairs(tag)
    assert [r.action for r in repairs] == ["nieuwe batterij", "toetsenbord gekuist"]
    assert repairs[0].cost_cents == 3495
    assert bench.repair_cost_cents(tag) == 3495
    with pytest.raises(UserError, match="Ongeldig bedrag"):
        bench.record_repair(tag, "x", cost="veel")
    with pytest.raises(UserError, match="Beschrijf"):
        bench.record_repair(tag, "  ")


def test_writes_go_through_the_outbox(ctx, bench, tag):
    wipe = bench.record_wipe(tag, method="destroyed", result="passed")
    repair = bench.record_repair(tag, "scherm vervangen", cost="40")
    with ctx.sessions() as s:
        rows = {(o.table_name, o.row_id) for o in s.scalars(select(OutboxEntry))}
        assert ("data_wipe", wipe.id) in rows
        assert ("repair", repair.id) in rows
        assert s.get(DataWipe, wipe.id).updated_at
        assert s.get(Repair, repair.id).origin


def test_give_away_needs_ready_and_ends_life(ctx, bench, tag):
    person = ctx.borrowers.add(BorrowerInput("Mina", "El Amrani", "8500"))
    with pytest.raises(UserError, match="kan niet van"):
        bench.give_away(tag, person.card_number)
    bench.record_wipe(tag, method="nwipe", result="passed")
    ctx.devices.set_status(tag, "ready")
    device = bench.give_away(tag, person.card_number)
    assert device.status == "given-away"
    assert device.given_to_borrower_id == person.id
    assert device.given_on == dt.date(2026, 1, 6)
    with pytest.raises(UserError):
        ctx.devices.set_status(tag, "ready")
