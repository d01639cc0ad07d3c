"""Cost report: acquisitions by intake date, repairs by date done, per kind and location."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from sqlalchemy import select

from app.inventory import DeviceInput
from app.reports import ReportService
from app.reports.periods import custom
from db.models import Device, Location, Repair

MARCH = custom(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _seed(ctx) -> None:
    add = ctx.devices.add
    laptop1 = add(
        DeviceInput(
            "laptop", "HP", "840", "A1", acquisition_cost_cents=15000, intake_date=dt.date(2026, 3, 1)
        )
    )
    add(
        DeviceInput(
            "laptop", "HP", "840", "A2", acquisition_cost_cents=12550, intake_date=dt.date(2026, 3, 31)
        )
    )
    add(
        DeviceInput(
            "screen", "Dell", "P22", "S1", acquisition_cost_cents=4000, intake_date=dt.date(2026, 3, 15)
        )
    )
    add(
        DeviceInput(
            "laptop", "HP", "840", "A3", acquisition_cost_cents=99900, intake_date=dt.date(2026, 4, 1)
        )
    )
    add(
        DeviceInput(
            "laptop", "HP", "840", "A4", acquisition_cost_cents=88800, intake_date=dt.date(2026, 2, 28)
        )
    )
    gone = add(
        DeviceInput("tablet", "X", "Y", "T1", acquisition_cost_cents=7700, intake_date=dt.date(2026, 3, 5))
    )
    with ctx.sessions() as s, s.begin():
        krt = s.scalar(select(Location).where(Location.code == "KRT"))
        van = Location(code="BUS", name="Digibus", kind="mobile")
        s.add(van)
        s.flush()
        s.scalar(select(Device).where(Device.asset_tag == gone.asset_tag)).deleted = True
        d1 = s.scalar(select(Device).where(Device.asset_tag == laptop1.asset_tag))
        s.add_all(
            [
                Repair(
                    device_id=d1.id,
                    done_on=dt.date(2026, 3, 10),
                    action="scherm",
                    cost_cents=3500,
                    location_id=krt.id,
                ),
                Repair(
                    device_id=d1.id,
                    done_on=dt.date(2026, 3, 31),
                    action="batterij",
                    cost_cents=2025,
                    location_id=van.id,
                ),
                Repair(
                    device_id=d1.id,
                    done_on=dt.date(2026, 4, 1),
                    action="toetsenbord",
                    cost_cents=5000,
                    location_id=krt.id,
                ),
                Repair(
                    device_id=d1.id,
                    done_on=dt.date(2026, 3, 12),
                    action="fout",
                    cost_cents=9999,
                    location_id=krt.id,
                    deleted=True,
                ),
            ]
        )


def test_costs_per_kind_and_location(ctx):
    _seed(ctx)
    report = ReportService(ctx.sessions).costs(MARCH)
    assert (report.devices, report.acquisition_cents) == (3, 15000 + 12550 + 4000)
    assert (report.repairs, report.repair_cents) == (2, 3500 + 2025)
    assert report.total_cents == 31550 + 5525
    kinds = {r.key: r for r in report.by_kind}
    assert (kinds["laptop"].devices, kinds["laptop"].acquisition_cents, kinds["laptop"].repair_cents) == (
        2,
        27550,
        5525,
    )
    assert kinds["screen"].acquisition_cents == 4000 and kinds["screen"].repairs == 0
    assert "tablet" not in kinds
    places = {r.name: r for r in report.by_location}
    assert places["KRT Kortrijk balie"].acquisition_cents == 31550
    assert places["KRT Kortrijk balie"].repair_cents == 3500
    assert places["BUS Digibus"].repair_cents == 2025 and places["BUS Digibus"].devices == 0
    assert report.to_json()["total_cents"] == 37075


def test_cost_workbook_holds_euros_as_numbers(ctx, tmp_path):
    _seed(ctx)
    path = ReportService(ctx.sessions).export_costs(MARCH, tmp_path / "kosten.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Samenvatting", "Per soort toestel", "Per locatie", "Definities"]
    kinds = wb["Per soort toestel"]
    assert kinds.freeze_panes == "A2"
    rows = {r[0]: r for r in kinds.iter_rows(min_row=2, values_only=True)}
    assert rows["laptop"][1:] == (2, 275.5, 2, 55.25, 330.75)
    assert kinds["C2"].number_format == '"€" #,##0.00'
    summary = wb["Samenvatting"]
    assert summary["B2"].value.date() == dt.date(2026, 3, 1)
    assert summary["B2"].number_format == "dd/mm/yyyy"
    values = {r[0]: r[1] for r in summary.iter_rows(min_row=7, values_only=True) if r[0]}
    assert values["Totaal"] == 370.75


def test_empty_period_costs_zero(ctx):
    report = ReportService(ctx.sessions).costs(custom(dt.date(2020, 1, 1), dt.date(2020, 1, 31)))
    assert report.total_cents == 0 and report.by_kind == [] and report.by_location == []
