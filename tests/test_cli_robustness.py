"""Ordinary mistakes with files and folders: one plain line, exit 1, nothing created."""

from __future__ import annotations

from app.cli import main


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == (1 if code else 0), err
    return code, err


def test_a_file_given_as_data_folder(tmp_path, capsys):
    not_a_folder = tmp_path / "cards.pdf"
    not_a_folder.write_bytes(b"%PDF")
    for command in (["device", "list"], ["init", "--location-code", "KRT", "--location-name", "K"], ["demo"]):
        code, err = run(capsys, "--data-dir", str(not_a_folder), *command)
        assert code == 1 and "geen map" in err


def test_a_mistyped_data_folder_is_not_created(tmp_path, capsys):
    folder = tmp_path / "typo" / "data"
    code, err = run(capsys, "--data-dir", str(folder), "device", "list")
    assert code == 1 and "Geen gegevens" in err
    assert not folder.exists()


def test_output_that_is_a_folder_or_in_a_missing_folder(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert run(capsys, "--data-dir", data, "demo")[0] == 0
    code, err = run(capsys, "--data-dir", data, "card", "DEMO-B-00001", "--out", str(tmp_path))
    assert code == 1 and "is een map" in err
    code, err = run(
        capsys,
        "--data-dir",
        data,
        "report",
        "reach",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--xlsx",
        str(tmp_path / "nope" / "r.xlsx"),
    )
    assert code == 1 and "bestaat niet" in err
    assert not (tmp_path / "nope").exists()


def test_export_data_into_a_file_instead_of_a_folder(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert run(capsys, "--data-dir", data, "demo")[0] == 0
    existing = tmp_path / "existing.pdf"
    existing.write_bytes(b"x")
    code, err = run(
        capsys, "--data-dir", data, "borrower", "export-data", "DEMO-B-00001", "--out", str(existing)
    )
    assert code == 1 and str(existing) in err
