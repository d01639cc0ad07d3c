"""The reach workbook read back with openpyxl: exact counts, types, layout, no names."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from openpyxl import load_workbook

from app.reports import ReportService
from app.reports import xlsx as report_xlsx
from app.reports.periods import custom
from tests.test_reports_reach import MARCH, seed_march


def _rows(ws, first: int = 2) -> dict[str, tuple]:
    return {r[0]: r for r in ws.iter_rows(min_row=first, values_only=True) if r[0] is not None}


@pytest.fixture
def workbook(ctx, tmp_path):
    seeded = seed_march(ctx)
    path = ReportService(ctx.sessions).export_reach(MARCH, tmp_path / "out" / "bereik.xlsx")
    return load_workbook(path), seeded


def test_counts_per_municipality_and_province(workbook):
    wb, _seeded = workbook
    assert wb.sheetnames == [
        "Samenvatting",
        "Per gemeente",
        "Per provincie",
        "Per doelgroep",
        "Per bewijs",
        "Per doorverwijzer",
        "Per leeftijd",
        "Per locatie",
        "Helpdesk",
        "Definities",
    ]
    towns = wb["Per gemeente"]
    header = [c.value for c in towns[1]]
    assert header[:5] == ["Gemeente", "NIS-code", "Postcodes", "Provincie", "Unieke personen"]
    rows = _rows(towns)
    assert set(rows) == {"Kortrijk", "Gent"}
    assert rows["Kortrijk"][1:5] == ("34022", "8500", "West-Vlaanderen", 7)
    assert rows["Gent"][1:5] == ("44021", "9000", "Oost-Vlaanderen", 3)
    assert (rows["Kortrijk"][8], rows["Gent"][8]) == (3, 1)  # anonymous helpdesk visits
    provinces = _rows(wb["Per provincie"])
    assert {k: v[1] for k, v in provinces.items()} == {"West-Vlaanderen": 7, "Oost-Vlaanderen": 3}
    # Each person once: the per-area sums equal the unique total on the summary.
    summary = _rows(wb["Samenvatting"], first=7)
    assert summary["Uniek bereikte personen"][1] == 10
    assert sum(v[4] for v in rows.values()) == 10
    assert summary["Anonieme helpdeskbezoeken"][1] == 4
    assert summary["Gestarte uitleningen"][1] == 7


def test_types_layout_and_chart(workbook):
    wb, _seeded = workbook
    summary = wb["Samenvatting"]
    assert summary["B2"].value == dt.datetime(2026, 3, 1)
    assert summary["B3"].value == dt.datetime(2026, 3, 31)
    assert summary["B2"].number_format == summary["B3"].number_format == "dd/mm/yyyy"
    assert summary.freeze_panes == "A7"
    for name in wb.sheetnames[1:]:
        assert wb[name].freeze_panes == "A2", name
        assert wb[name]["A1"].font.b, name
    towns = wb["Per gemeente"]
    assert isinstance(towns["E2"].value, int) and towns["E2"].data_type == "n"
    assert towns.column_dimensions["A"].width >= 10
    charts = summary._charts
    assert len(charts) == 1
    assert charts[0].title is not None
    assert charts[0].x_axis.delete is False and charts[0].y_axis.delete is False  # axes visible
    # The chart's data are the province rows on the summary sheet.
    ref = charts[0].series[0].val.numRef.f
    assert ref.startswith("'Samenvatting'!$B$")
    locations = _rows(wb["Per locatie"])
    assert locations["KRT"][3] == 10 and locations["BUS"][3] == 1
    helpdesk = _rows(wb["Helpdesk"])
    assert helpdesk["itsme"][1] == 3 and helpdesk["opgelost"][1] == 3
    definitions = _rows(wb["Definities"])
    assert "Uniek bereikte persoon" in definitions
    assert "één keer" in definitions["Uniek bereikte persoon"][1]


def test_workbook_holds_counts_never_names(workbook):
    wb, seeded = workbook
    texts = {
        str(cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    blob = "\n".join(texts)
    leaked = [name for name in seeded.names if name in blob]
    assert leaked == []


def test_headings_follow_the_ui_language(ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(report_xlsx, "_", lambda text: f"EN[{text}]")
    path = ReportService(ctx.sessions).export_reach(MARCH, tmp_path / "en.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "EN(Samenvatting)"  # made a valid sheet name
    assert wb.worksheets[1]["A1"].value == "EN[Gemeente]"


def test_empty_period_writes_zeros(ctx, tmp_path):
    path = ReportService(ctx.sessions).export_reach(
        custom(dt.date(2030, 1, 1), dt.date(2030, 1, 31)), tmp_path / "leeg.xlsx"
    )
    summary = _rows(load_workbook(path)["Samenvatting"], first=7)
    assert summary["Uniek bereikte personen"][1] == 0
    assert not load_workbook(path)["Samenvatting"]._charts


def test_write_is_atomic(ctx, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "bereik.xlsx"
    target.write_bytes(b"old")

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(report_xlsx.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        ReportService(ctx.sessions).export_reach(MARCH, target)
    assert target.read_bytes() == b"old"
    assert os.listdir(folder) == ["bereik.xlsx"]  # no temporary file left behind
