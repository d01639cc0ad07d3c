"""backup / restore / selftest / demo."""

from __future__ import annotations

import json

from app.backup import make_backup
from app.cli import main
from app.context import open_context
from app.export import export_records


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_fills_an_empty_folder_once(tmp_path, capsys):
    folder = str(tmp_path / "demo")
    code, out, err = run(capsys, "--data-dir", folder, "demo")
    assert code == 0, err
    ctx = open_context(folder)
    try:
        assert ctx.devices.count() == 20
        assert ctx.borrowers.count() == 16
        assert ctx.loans.open_count() == 7
        assert len(ctx.loans.list(overdue_only=True)) == 2
    finally:
        ctx.close()
    code, out, err = run(capsys, "--data-dir", folder, "demo")
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "lege map" in err


def test_backup_and_restore_round_trip(tmp_path, capsys):
    folder = tmp_path / "data"
    assert run(capsys, "--data-dir", str(folder), "demo")[0] == 0
    ctx = open_context(folder)
    before = export_records(ctx.sessions)
    snapshot = make_backup(ctx.data_dir, ctx.db_key)
    ctx.loans.return_device(ctx.loans.list(open_only=True)[0].device.asset_tag)
    changed = export_records(ctx.sessions)
    ctx.close()
    assert changed != before

    code, out, err = run(capsys, "--data-dir", str(folder), "restore", str(snapshot))
    assert code == 0, err
    ctx = open_context(folder)
    try:
        assert export_records(ctx.sessions) == before
    finally:
        ctx.close()
    # The state before the restore was kept as a backup of its own.
    assert "bewaard in" in out


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, capsys):
    folder = tmp_path / "data"
    assert run(capsys, "--data-dir", str(folder), "demo")[0] == 0
    bogus = tmp_path / "notes.db"
    bogus.write_text("not a database")
    ctx = open_context(folder)
    before = json.dumps(export_records(ctx.sessions), sort_keys=True)
    ctx.close()
    code, out, err = run(capsys, "--data-dir", str(folder), "restore", str(bogus))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    ctx = open_context(folder)
    try:
        assert json.dumps(export_records(ctx.sessions), sort_keys=True) == before
    finally:
        ctx.close()


def test_selftest_reports_each_check(tmp_path, capsys):
    folder = tmp_path / "data"
    code, out, err = run(capsys, "--data-dir", str(folder), "selftest")
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert any("Database leesbaar en gaaf" in line and line.startswith("[OK") for line in lines)
    assert any("Databaseschema actueel" in line and line.startswith("[OK") for line in lines)
    assert code == (0 if all(line.startswith("[OK") for line in lines) else 1)
