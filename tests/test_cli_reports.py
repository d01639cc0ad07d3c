"""`digibank report reach|cost|people` in-process, and one end-to-end run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.context import open_context
from tests.test_reports_reach import seed_march


def _seeded_folder(tmp_path):
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    seed_march(ctx)
    ctx.close()
    return folder


def test_reach_json_and_xlsx(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    out = tmp_path / "bereik.xlsx"
    code = main(
        [
            "--data-dir",
            str(folder),
            "report",
            "reach",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--xlsx",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["people"] == 10
    assert data["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert {m["name"]: m["people"] for m in data["by_municipality"]} == {"Kortrijk": 7, "Gent": 3}
    assert {p["province"]: p["people"] for p in data["by_province"]} == {"WVL": 7, "OVL": 3}
    assert data["xlsx"] == str(out)
    rows = {r[0]: r[4] for r in load_workbook(out)["Per gemeente"].iter_rows(min_row=2, values_only=True)}
    assert rows == {"Kortrijk": 7, "Gent": 3}


def test_reach_plain_line(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    assert (
        main(["--data-dir", str(folder), "report", "reach", "--from", "2026-03-01", "--to", "2026-03-31"])
        == 0
    )
    out = capsys.readouterr().out
    assert "10 unieke personen" in out and "4 anonieme helpdeskbezoeken" in out
    assert "01/03/2026 t.e.m. 31/03/2026" in out


def test_from_after_to_exits_1_with_one_line(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    out = tmp_path / "x.xlsx"
    code = main(
        [
            "--data-dir",
            str(folder),
            "report",
            "reach",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-01",
            "--xlsx",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert lines == ["De begindatum 01/04/2026 ligt na de einddatum 01/03/2026: draai ze om."]
    assert not out.exists()


def test_empty_period_is_zero_not_an_error(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    code = main(
        ["--data-dir", str(folder), "report", "cost", "--from", "2019-01-01", "--to", "2019-12-31", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total_cents"] == 0 and data["by_kind"] == []


def test_cost_plain_line(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    out = tmp_path / "kosten.xlsx"
    code = main(
        [
            "--data-dir",
            str(folder),
            "report",
            "cost",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--xlsx",
            str(out),
        ]
    )
    assert code == 0
    assert "totaal € 0,00" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "Samenvatting"


def test_people_export_needs_xlsx_and_holds_names(tmp_path, capsys):
    folder = _seeded_folder(tmp_path)
    with pytest.raises(SystemExit) as usage:
        main(["--data-dir", str(folder), "report", "people", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert usage.value.code == 2  # --xlsx is required: bad usage
    out = tmp_path / "personen.xlsx"
    code = main(
        [
            "--data-dir",
            str(folder),
            "report",
            "people",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--xlsx",
            str(out),
        ]
    )
    assert code == 0
    names = [r[1] for r in load_workbook(out)["Personen"].iter_rows(min_row=2, values_only=True)]
    assert len(names) == 10 and "Anouk" in names and "Xavier" not in names


def test_end_to_end_subprocess_bad_date(tmp_path):
    folder = _seeded_folder(tmp_path)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "digibank"),
            "--data-dir",
            str(folder),
            "report",
            "reach",
            "--from",
            "2026-02-30",
            "--to",
            "2026-03-31",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "De begindatum 2026-02-30 bestaat niet; kijk dag en maand na."
    ]
    assert "Traceback" not in done.stderr
