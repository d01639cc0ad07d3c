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


def test_a_password_on_the_command_line_is_warned_about(capsys):
    main(["--db", "postgresql+psycopg://digibank:geheim@127.0.0.1:1/x", "tenant", "list"])
    err = capsys.readouterr().err
    assert "wachtwoord" in err and "DIGIBANK_SERVER_DB_FILE" in err and "geheim" not in err


def test_the_database_url_from_a_file_or_the_environment(tmp_path, monkeypatch, capsys):
    url_file = tmp_path / "db-url"
    url_file.write_text(f"sqlite:///{tmp_path / 'from-file.db'}\n")
    monkeypatch.setenv("DIGIBANK_SERVER_DB_FILE", str(url_file))
    monkeypatch.delenv("DIGIBANK_SERVER_DB", raising=False)
    assert main(["tenant", "add", "Kortrijk"]) == 0
    assert (tmp_path / "from-file.db").exists()
    assert "wachtwoord" not in capsys.readouterr().err
    # The environment variable wins over the file, --db over both.
    monkeypatch.setenv("DIGIBANK_SERVER_DB", f"sqlite:///{tmp_path / 'from-env.db'}")
    assert main(["tenant", "add", "Gent"]) == 0
    assert (tmp_path / "from-env.db").exists()
    assert main(["--db", f"sqlite:///{tmp_path / 'from-arg.db'}", "tenant", "list"]) == 0
    assert (tmp_path / "from-arg.db").exists()
    monkeypatch.delenv("DIGIBANK_SERVER_DB")
    monkeypatch.setenv("DIGIBANK_SERVER_DB_FILE", str(tmp_path / "missing"))
    assert main(["tenant", "list"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
