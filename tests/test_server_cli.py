"""The server's admin command: one plain line for every mistake, never a traceback."""

from __future__ import annotations

import pytest

from server.cli import main


@pytest.mark.parametrize(
    "args",
    [
        ["--db", "sqlite:////nonexistent/folder/x.db", "tenant", "add", "X"],
        ["--db", "garbage://", "tenant", "add", "X"],
    ],
)
def test_bad_database_urls(args, capsys):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_tenant_names(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 's.db'}"]
    assert main([*db, "tenant", "add", "  "]) == 1
    assert "naam" in capsys.readouterr().err
    assert main([*db, "tenant", "add", "Digibank Kortrijk"]) == 0
    assert main([*db, "tenant", "add", "Digibank Kortrijk"]) == 1
    assert "bestaat al" in capsys.readouterr().err
    assert (
        main(
            [
                *db,
                "report",
                "reach",
                "--tenant",
                "Digibank Kortrijk",
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--xlsx",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert "is een map" in capsys.readouterr().err
