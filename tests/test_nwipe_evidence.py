"""An imported nwipe log is evidence only when it is a complete log of this device's disk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bench import BenchService
from app.borrowers import BorrowerInput
from app.cli import main
from app.errors import UserError
from app.inventory import DeviceInput
from app.loans import LoanService
from db.models import DataWipe, Device

LOGS = Path(__file__).parent / "fixtures" / "nwipe"
SPECS = Path(__file__).parent / "fixtures" / "specs"
NOW = dt.datetime(2026, 12, 1, 9, 0)


def log(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


def wipe_count(ctx) -> int:
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(DataWipe)) or 0


@pytest.fixture
def bench(ctx):
    return BenchService(ctx.sessions, ctx.devices, now=lambda: NOW)


@pytest.fixture
def t480(ctx, bench):
    """The ThinkPad whose lshw specs name its NVMe disk (SAMSUNG MZVLB256HAHQ-000L7, S41GNX0M123456)."""
    report = bench.import_specs(SPECS / "PF1ABCD2.json")
    assert not report.failed
    return report.files[0].tag


def test_a_complete_log_of_this_disk_is_a_passed_wipe(ctx, bench, t480):
    wipe = bench.record_wipe(t480, log_text=log("good-PF1ABCD2.log"), technician="Pieter")
    assert (wipe.method, wipe.result) == ("nwipe", "passed")
    assert wipe.tool == "nwipe 0.35 (ShredOS) — PRNG Stream"
    assert wipe.started_at == dt.datetime(2026, 11, 30, 14, 2, 40)
    assert wipe.ended_at == dt.datetime(2026, 11, 30, 14, 12, 42)
    ctx.devices.set_status(t480, "ready")


def test_a_complete_log_of_a_failed_wipe_is_recorded_as_failed(ctx, bench, t480):
    wipe = bench.record_wipe(t480, log_text=log("failed-PF1ABCD2.log"))
    assert wipe.result == "failed"
    with pytest.raises(UserError, match="geen geslaagde gegevenswissing"):
        ctx.devices.set_status(t480, "ready")


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("other-disk.log", "andere schijf"),
        ("words-only.log", "niet volledig"),
        ("end-before-start.log", "niet na zijn begin"),
        ("invalid-date.log", "ongeldige datum '2026/02/30 14:09:30'"),
    ],
)
def test_logs_that_are_not_evidence_of_this_disk_are_refused(ctx, bench, t480, fixture, reason):
    for confirmed in (False, True):  # a person's confirmation never overrides known specs
        with pytest.raises(UserError, match=reason):
            bench.record_wipe(t480, log_text=log(fixture), disk_confirmed=confirmed)
    assert wipe_count(ctx) == 0
    assert ctx.devices.get(t480).status == "intake"


def test_without_known_disks_the_technician_confirms_the_disk(ctx, bench):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    with pytest.raises(UserError, match="S41GNX0M123456") as asked:
        bench.record_wipe(tag, log_text=log("good-PF1ABCD2.log"))
    assert "SAMSUNG MZVLB256HAHQ-000L7" in asked.value.message
    assert wipe_count(ctx) == 0
    match = bench.check_log(tag, log("good-PF1ABCD2.log"))
    assert match.needs_confirmation and tag in match.question
    assert bench.record_wipe(tag, log_text=log("good-PF1ABCD2.log"), disk_confirmed=True).result == "passed"


def test_same_serial_but_another_model_is_refused(ctx, bench, t480):
    with ctx.sessions() as s, s.begin():
        device = s.scalar(select(Device).where(Device.asset_tag == t480))
        specs = dict(device.specs)
        specs["storage"] = [dict(specs["storage"][0], model="WDC PC SN520 SDAPNUW-256G")]
        device.specs = specs
    with pytest.raises(UserError, match="model in het logboek"):
        bench.record_wipe(t480, log_text=log("good-PF1ABCD2.log"))


def test_a_log_that_ended_before_the_last_return_does_not_count(ctx, t480):
    """A wipe from before the loan says nothing about what the borrower left on it."""
    clock = {"now": dt.datetime(2026, 11, 30, 16, 0)}
    bench = BenchService(ctx.sessions, ctx.devices, now=lambda: clock["now"])
    bench.record_wipe(t480, log_text=log("good-PF1ABCD2.log"))
    ctx.devices.set_status(t480, "ready")
    card = ctx.borrowers.add(BorrowerInput("Mina", "El Amrani", "8500")).card_number
    loans = LoanService(ctx.sessions, ctx.settings, now=lambda: clock["now"])
    loans.checkout(t480, card)
    clock["now"] = dt.datetime(2026, 12, 14, 11, 0)
    loans.return_device(t480)
    with pytest.raises(UserError, match="vóór het laatste terugbrengen"):
        bench.record_wipe(t480, log_text=log("good-PF1ABCD2.log"))
    with pytest.raises(UserError, match="nog niet gewist na de vorige uitlening"):
        ctx.devices.set_status(t480, "ready")


@pytest.fixture
def cli(tmp_path, capsys):
    data = str(tmp_path / "data")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", data, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--location-code", "KRT", "--location-name", "Kortrijk balie")[0] == 0
    assert run("specs", "import", str(SPECS / "PF1ABCD2.json"))[0] == 0
    return run


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("other-disk.log", "andere schijf (/dev/sda (Samsung SSD 860 EVO 250GB, serienummer S3YJNX0K8"),
        ("words-only.log", "niet volledig"),
        ("end-before-start.log", "niet na zijn begin"),
        ("invalid-date.log", "ongeldige datum"),
    ],
)
def test_command_line_refuses_with_one_plain_line(cli, fixture, reason):
    code, _out, err = cli("wipe", "KRT-000001", "--log", str(LOGS / fixture), "--disk-confirmed")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err and "Onverwachte fout" not in err
    assert reason in err
    code, out, _err = cli("device", "show", "KRT-000001", "--json")
    assert json.loads(out)["status"] == "intake"


def test_command_line_accepts_the_good_log(cli):
    code, out, _err = cli("wipe", "KRT-000001", "--log", str(LOGS / "good-PF1ABCD2.log"), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["result"], data["started_at"], data["ended_at"]) == (
        "passed",
        "2026-11-30T14:02:40",
        "2026-11-30T14:12:42",
    )
    assert cli("device", "status", "KRT-000001", "ready")[0] == 0
