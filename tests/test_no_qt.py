"""`app/` and `db/` never import Qt: the domain runs headless (command line, server, tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_IMPORT = re.compile(r"^\s*(import\s+PySide6|from\s+PySide6[\s.])", re.MULTILINE)

SCRIPT = """
import importlib, pkgutil, sys
import app, db
names = []
for package in (app, db):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.startswith("db.migrations"):
            continue  # alembic env.py runs only inside a migration context
        if info.name.endswith(".__main__"):
            continue  # `python -m` entry points run the program when imported
        importlib.import_module(info.name)
        names.append(info.name)
qt = sorted(m for m in sys.modules if m.split(".")[0] == "PySide6")
print(len(names))
print(",".join(qt))
"""


def test_importing_every_app_and_db_module_loads_no_qt():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode == 0, result.stderr
    count, qt = result.stdout.strip().split("\n") + [""] * (2 - len(result.stdout.strip().split("\n")))
    assert int(count) >= 20, "the walk found too few modules to mean anything"
    assert qt == "", f"Qt modules got loaded: {qt}"


def test_no_source_file_in_app_or_db_imports_pyside6():
    offenders = []
    files = [p for folder in ("app", "db") for p in (ROOT / folder).rglob("*.py")]
    assert len(files) >= 20
    for path in files:
        if QT_IMPORT.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_static_check_recognises_qt_imports():
    assert QT_IMPORT.search("import PySide6\n")
    assert QT_IMPORT.search("    from PySide6.QtWidgets import QWidget\n")
    assert QT_IMPORT.search("from PySide6 import QtCore\n")
    assert not QT_IMPORT.search("from ui.app import run\n")
    assert not QT_IMPORT.search("# PySide6 is only used in ui/\n")
