"""A command starts without importing what it does not use (issue 13: start-up).

No timing here (CI machines are shared and noisy): the checks are about what gets imported
and whether Alembic runs, which is what made `digibank device list` take two seconds.
benchmarks/run.py measures the time itself.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from app.cli import COMMAND_MODULES, Parser, command_modules, command_name
from db.engine import MIGRATIONS, alembic_config, make_engine, migrate, migration_revisions, sqlite_url

ROOT = Path(__file__).resolve().parent.parent

# Heavy packages a `device list` has no use for.
NOT_FOR_A_LIST = ("alembic", "httpx", "openpyxl", "reportlab", "barcode", "PIL", "pydantic", "PySide6")
NOT_FOR_A_LIST_APP = ("app.sync", "app.reports", "app.printing", "app.bench", "app.donations")

SCRIPT = """
import json, sys
from app.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(args: list[str], folder: Path) -> tuple[int, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "--data-dir", str(folder), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return out["code"], set(out["modules"])


def test_device_list_imports_only_what_it_needs(tmp_path):
    folder = tmp_path / "data"
    code, _ = _modules_after(["init", "--location-code", "KRT", "--location-name", "Kortrijk"], folder)
    assert code == 0
    code, modules = _modules_after(["device", "list"], folder)
    assert code == 0

    def heavy(m: str) -> bool:
        return m.split(".")[0] in NOT_FOR_A_LIST or any(
            m == p or m.startswith(p + ".") for p in NOT_FOR_A_LIST_APP
        )

    loaded = sorted(m for m in modules if heavy(m))
    assert loaded == [], f"a device list imported {loaded}"


def test_a_database_at_the_newest_schema_opens_without_alembic(tmp_path, monkeypatch):
    engine = make_engine(sqlite_url(tmp_path / "plain.db"))
    try:
        migrate(engine)  # creates the schema: Alembic runs
        import alembic.command

        calls = []
        monkeypatch.setattr(alembic.command, "upgrade", lambda *a, **k: calls.append(a))
        migrate(engine)  # at head: the cheap check answers, Alembic is not asked
        assert calls == []
    finally:
        engine.dispose()


def test_an_older_database_is_still_migrated(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "old.db"))
    try:
        import alembic.command

        cfg = alembic_config(engine)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            alembic.command.upgrade(cfg, "0005")
        migrate(engine)
        with engine.connect() as connection:
            versions = {r[0] for r in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
            connection.rollback()
        assert versions == {migration_revisions()[1]}
    finally:
        engine.dispose()


def test_head_revision_read_from_the_scripts_matches_alembic():
    script = ScriptDirectory(str(MIGRATIONS))
    assert [migration_revisions()[1]] == list(script.get_heads())


def test_every_command_is_in_the_fast_path_table_with_its_module():
    registered: dict[str, str] = {}
    for name in command_modules():
        parser = Parser(prog="digibank")
        sub = parser.add_subparsers(dest="command", parser_class=Parser)
        importlib.import_module(name).register(sub)
        for command in sub.choices:
            registered[command] = name.rsplit(".", 1)[1]
    missing = {c: m for c, m in registered.items() if COMMAND_MODULES.get(c) != m}
    assert missing == {}, f"add to COMMAND_MODULES in app/cli/__init__.py: {missing}"
    assert set(COMMAND_MODULES) == set(registered)


def test_command_name_skips_the_global_options():
    assert command_name(["--data-dir", "/x", "--lang", "en", "device", "list"]) == "device"
    assert command_name(["--data-dir=/x", "loan", "list"]) == "loan"
    assert command_name(["--staff", "An", "borrower", "add"]) == "borrower"
    assert command_name(["--help"]) is None
    assert command_name([]) is None


def test_an_unknown_command_still_gets_the_whole_parser_and_its_usage_error(capsys):
    from app.cli import main

    try:
        main(["no-such-command"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "device" in err and "loan" in err  # the full list of choices


def test_help_of_one_command_works_alone(capsys):
    from app.cli import build_parser

    parser = build_parser("device")
    try:
        parser.parse_args(["device", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "list" in capsys.readouterr().out
    assert isinstance(parser, argparse.ArgumentParser)
