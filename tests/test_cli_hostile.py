"""Hostile or careless command-line input: existing outputs, non-UTF-8 arguments, huge numbers,
broken templates. Each answer is one plain line (exit 1 or 2), and nothing is changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import export, one_line_error, run

ROOT = Path(__file__).resolve().parents[1]

# Every command that writes a file the user names, with the option that names it.
OUTPUT_COMMANDS = [
    ("backup", "--out"),
    ("report", "reach", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx"),
    ("report", "people", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx"),
    ("report", "cost", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx"),
    ("labels", "DEMO-000001", "--out"),
    ("labels", "DEMO-000001", "--zpl", "--out"),
    ("card", "DEMO-B-00001", "--out"),
    ("contract", "DEMO-000001", "--out"),
    ("receipt", "DEMO-000001", "--out"),
    ("donation", "certificate", "DON-1", "--out"),
    ("device", "give-away", "DEMO-000010", "--card", "DEMO-B-00001", "--form"),
    ("training", "attendance-list", "S-1", "--out"),
    ("training", "attestation", "DEMO-B-00001", "--series", "x", "--out"),
]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, module_environment):
    data = tmp_path_factory.mktemp("hostile") / "data"
    from app import cli

    assert cli.main(["--data-dir", str(data), "demo"]) == 0
    return data


@pytest.fixture
def data(demo_folder, tmp_path):
    # A fresh copy per test: tests that succeed change the data.
    import shutil

    target = tmp_path / "data"
    shutil.copytree(demo_folder, target)
    return str(target)


@pytest.mark.parametrize("command", OUTPUT_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_existing_output_file_is_never_replaced(data, tmp_path, capsys, command):
    existing = tmp_path / "brief.docx"
    existing.write_bytes(b"my only copy of an important letter")
    before = export(capsys, data)
    code, _out, err = run(capsys, data, *command, str(existing))
    assert code == 1
    line = one_line_error(err)
    assert "bestaat al" in line and "--force" in line
    assert existing.read_bytes() == b"my only copy of an important letter"
    assert export(capsys, data) == before


@pytest.mark.parametrize(
    "command",
    [
        ("backup", "--out"),
        ("report", "reach", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx"),
        ("labels", "DEMO-000001", "--out"),
        ("card", "DEMO-B-00001", "--out"),
        ("contract", "DEMO-000001", "--out"),
    ],
    ids=lambda c: c[0],
)
def test_force_replaces_an_existing_output_file(data, tmp_path, capsys, command):
    existing = tmp_path / "old-output"
    existing.write_bytes(b"old")
    code, _out, err = run(capsys, data, *command, str(existing), "--force")
    assert code == 0, err
    assert existing.read_bytes() != b"old"


def test_export_data_refuses_to_replace_an_earlier_export(data, tmp_path, capsys):
    out = tmp_path / "sar"
    out.mkdir()
    earlier = out / "DEMO-B-00001-gegevens.pdf"
    earlier.write_bytes(b"signed copy")
    code, _out, err = run(capsys, data, "borrower", "export-data", "demo-b-00001", "--out", str(out))
    assert code == 1 and "bestaat al" in one_line_error(err)
    assert earlier.read_bytes() == b"signed copy"
    assert not (out / "DEMO-B-00001-gegevens.json").exists()
    code, _out, err = run(
        capsys, data, "borrower", "export-data", "DEMO-B-00001", "--out", str(out), "--force"
    )
    assert code == 0, err
    assert earlier.read_bytes().startswith(b"%PDF")


def test_a_terminal_is_asked_before_a_file_is_replaced(data, tmp_path, capsys, monkeypatch):
    from app import cli

    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old")
    answers = iter(["n", "j"])
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, _out, err = run(capsys, data, "card", "DEMO-B-00001", "--out", str(existing))
    assert code == 1 and existing.read_bytes() == b"old"
    code, _out, err = run(capsys, data, "card", "DEMO-B-00001", "--out", str(existing))
    assert code == 0, err
    assert existing.read_bytes().startswith(b"%PDF")


def test_a_non_utf8_argument_gets_a_plain_message(data):
    """The bytes arrive as the operating system gives them: through a real process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8"}
    argv = [sys.executable, "-m", "app.cli", "--data-dir", data, "device", "show", b"\xff\xfe"]
    result = subprocess.run(argv, capture_output=True, env=env, timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, err
    line = one_line_error(err)
    assert "Onverwachte fout" not in line and "UTF-8" in line


def test_a_surrogate_escaped_argument_in_process(data, capsys):
    before = export(capsys, data)
    code, _out, err = run(capsys, data, "borrower", "add", "--first-name", "\udcff", "--last-name", "X")
    assert code == 1
    assert "Onverwachte fout" not in one_line_error(err)
    assert export(capsys, data) == before


@pytest.mark.parametrize(
    "args",
    [
        ("borrower", "find", "a", "--limit", "99999999999999999999999"),
        ("device", "list", "--limit", str(2**63)),
        ("labels", "DEMO-000001", "--skip", str(2**64), "--out", "x.pdf"),
        ("training", "walk-in", "S-1", "--count", "-" + str(2**70)),
    ],
    ids=lambda a: a[0],
)
def test_a_huge_number_is_a_usage_error(data, capsys, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the relative x.pdf, were it ever written
    code, _out, err = run(capsys, data, *args)
    assert code == 2, err
    assert "Traceback" not in err and "Onverwachte fout" not in err


def _contract_with_template(data, tmp_path, capsys, content: bytes):
    folder = Path(data) / "contracts"
    folder.mkdir(exist_ok=True)
    (folder / "conditions_nl.md").write_bytes(content)
    return run(capsys, data, "contract", "DEMO-000001", "--out", str(tmp_path / "c.pdf"))


def test_a_binary_contract_template_gets_a_plain_message(data, tmp_path, capsys):
    code, _out, err = _contract_with_template(data, tmp_path, capsys, b"version: 1\n\xff\xfe\x00\x81garbage")
    assert code == 1
    line = one_line_error(err)
    assert "conditions_nl.md" in line and "Onverwachte fout" not in line
    assert not (tmp_path / "c.pdf").exists()


def test_a_huge_contract_template_is_refused_at_once(data, tmp_path, capsys):
    code, _out, err = _contract_with_template(
        data, tmp_path, capsys, b"version: 1\n" + b"Lorem ipsum dolor sit amet.\n" * 40_000
    )
    assert code == 1
    line = one_line_error(err)
    assert "conditions_nl.md" in line and "kB" in line
    assert not (tmp_path / "c.pdf").exists()


def test_the_server_report_does_not_replace_an_existing_file(tmp_path, capsys):
    from server.cli import main as server_main

    db = ["--db", f"sqlite:///{tmp_path / 's.db'}"]
    assert server_main([*db, "tenant", "add", "Digibank Kortrijk"]) == 0
    existing = tmp_path / "bereik.xlsx"
    existing.write_bytes(b"last year's figures")
    report = [*db, "report", "reach", "--tenant", "Digibank Kortrijk", "--from", "2026-01-01"]
    report += ["--to", "2026-12-31", "--xlsx", str(existing)]
    capsys.readouterr()
    assert server_main(report) == 1
    assert "bestaat al" in one_line_error(capsys.readouterr().err)
    assert existing.read_bytes() == b"last year's figures"
    assert server_main([*report, "--force"]) == 0
    assert existing.read_bytes().startswith(b"PK")  # an xlsx is a zip file


def test_a_huge_intake_count_is_refused_before_any_work(data, capsys):
    """--count 1000000000 built a billion items in memory (killed after 60 s) before the
    service's limit of 500 was checked."""
    code, out, _err = run(capsys, data, "donation", "add", "--donor", "Firma X")
    assert code == 0, _err
    donation = out.strip()
    before = export(capsys, data)
    code, _out, err = run(
        capsys,
        data,
        "donation",
        "intake",
        donation,
        "--brand",
        "HP",
        "--model",
        "840",
        "--count",
        "1000000000",
    )
    assert code == 1
    assert "te veel" in one_line_error(err)
    assert export(capsys, data) == before


@pytest.mark.parametrize("period", [("0001-01-01", "9999-12-31"), ("2026-01-01", "9999-12-31")])
def test_a_report_period_at_the_edge_of_the_calendar(data, capsys, period):
    """--to 9999-12-31 gave "Onverwachte fout (OverflowError)": the day after does not exist."""
    code, _out, err = run(capsys, data, "report", "reach", "--from", period[0], "--to", period[1], "--json")
    assert code == 1
    assert "kijk het jaartal na" in one_line_error(err)


@pytest.mark.parametrize(
    "args",
    [
        ("helpdesk", "day", "--date", "9999-12-31"),
        ("training", "add", "--title", "T", "--start", "9999-12-31 23:59", "--minutes", "1000"),
        ("loan", "extend", "DEMO-000003", "--due", "0001-01-01"),
    ],
    ids=lambda a: a[0],
)
def test_a_date_at_the_edge_of_the_calendar_is_refused(data, capsys, args):
    """helpdesk day --date 9999-12-31 gave "Onverwachte fout (OverflowError)"."""
    before = export(capsys, data)
    code, _out, err = run(capsys, data, *args)
    assert code == 1
    assert "kijk het jaartal na" in one_line_error(err)
    assert export(capsys, data) == before
