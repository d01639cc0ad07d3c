"""`digibank selftest`: does this installation work? A checklist a volunteer can read."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from app import i18n
from app.config import DB_FILE
from app.i18n import _


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def run_checks(data_dir: Path, engine) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, fn) -> None:
        try:
            detail = fn() or ""
            checks.append(Check(name, True, detail))
        except Exception as exc:  # each check reports its own failure; the list goes on
            checks.append(Check(name, False, f"{type(exc).__name__}: {exc}"))

    add(_("Python-versie"), lambda: _require(sys.version_info >= (3, 11), sys.version.split()[0]))
    add(_("Gegevensmap schrijfbaar"), lambda: _writable(data_dir))
    add(_("Vrije schijfruimte"), lambda: _disk(data_dir))
    add(_("Database leesbaar en gaaf"), lambda: _integrity(engine))
    add(_("Databaseschema actueel"), lambda: _schema(engine))
    add(_("Database versleuteld (SQLCipher)"), lambda: _encrypted(data_dir, engine))
    add(_("Vertalingen (Engels)"), lambda: _translations())
    for module in ("PySide6", "reportlab", "barcode", "openpyxl", "keyring", "httpx"):
        add(_("Onderdeel {name}").format(name=module), lambda m=module: _module(m))
    add(_("Databasebestand"), lambda: str(data_dir / DB_FILE))
    return checks


def _require(condition: bool, detail: str) -> str:
    if not condition:
        raise RuntimeError(detail)
    return detail


def _writable(folder: Path) -> str:
    probe = folder / ".selftest"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()
    return str(folder)


def _disk(folder: Path) -> str:
    free = shutil.disk_usage(folder).free // (1024 * 1024)
    return _require(free > 200, f"{free} MB")


def _integrity(engine) -> str:
    with engine.connect() as con:
        result = con.execute(text("PRAGMA integrity_check")).scalar()
        mode = con.execute(text("PRAGMA journal_mode")).scalar()
    _require(result == "ok", str(result))
    return f"{result}, journal={mode}"


def _encrypted(data_dir: Path, engine) -> str:
    from db.engine import is_plain_sqlite

    _require(not is_plain_sqlite(data_dir / DB_FILE), _("niet versleuteld"))
    with engine.connect() as con:
        version = con.execute(text("PRAGMA cipher_version")).scalar()
    _require(bool(version), _("niet versleuteld"))
    return f"SQLCipher {version}"


def _schema(engine) -> str:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from db.engine import alembic_config

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as con:
        current = MigrationContext.configure(con).get_current_revision()
    return _require(current == head, f"{current} (head {head})")


def _translations() -> str:
    catalog = i18n.load("en")
    sample = "Geen toestel met nummer '{tag}'."
    return _require(catalog.gettext(sample) != sample, "en")


def _module(name: str) -> str:
    return _require(importlib.util.find_spec(name) is not None, name)
