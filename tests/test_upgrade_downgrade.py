"""Upgrades keep data (backup first), a downgrade is refused plainly (issue 15)."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from app.cli import main
from app.context import open_context
from db.engine import migration_revisions


def _init(folder) -> None:
    assert main(["--data-dir", str(folder), "init", "--location-code", "TST", "--location-name", "Test"]) == 0


def _set_revision(folder, revision: str) -> None:
    ctx = open_context(str(folder))
    try:
        with ctx.engine.begin() as con:
            con.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        ctx.close()


def test_the_head_is_read_from_the_migration_files() -> None:
    known, head = migration_revisions()
    assert head in known and "0001" in known


def test_a_newer_database_is_refused_with_one_plain_line_and_left_untouched(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    _init(folder)
    _set_revision(folder, "9999")
    db = folder / "digibank.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "device", "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nieuwere versie" in err[0] and "9999" in err[0], err
    assert "Traceback" not in "".join(err)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_an_older_database_is_backed_up_then_migrated_and_keeps_its_data(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    _init(folder)
    assert (
        main(
            [
                "--data-dir",
                str(folder),
                "device",
                "add",
                "--kind",
                "laptop",
                "--brand",
                "Lenovo",
                "--model",
                "T480",
                "--serial",
                "UPG1",
            ]
        )
        == 0
    )
    # Take the database back one migration, as the previous version of the program left it.
    from alembic import command

    from db.engine import alembic_config

    ctx = open_context(str(folder))
    try:
        known, head = migration_revisions()
        with ctx.engine.begin() as con:
            cfg = alembic_config(ctx.engine)
            cfg.attributes["connection"] = con
            command.downgrade(cfg, "-1")
    finally:
        ctx.close()
    assert not list((folder / "backups").glob("digibank-*.db"))
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "device", "list", "--json"]) == 0
    assert "UPG1" in capsys.readouterr().out
    assert len(list((folder / "backups").glob("digibank-*.db"))) == 1
    ctx = open_context(str(folder))
    try:
        with ctx.engine.connect() as con:
            assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    finally:
        ctx.close()
    # At the head nothing more happens: no second backup.
    assert main(["--data-dir", str(folder), "device", "list"]) == 0
    assert len(list((folder / "backups").glob("digibank-*.db"))) == 1
