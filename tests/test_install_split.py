"""Two installs from one tree (issues 13 and 15): the desktop program without the web server,
the server without Qt.

`pip install .[desktop]` is the desktop program with its sync client: no FastAPI, uvicorn or
psycopg. `pip install .[server]` is the server: no PySide6. A plain `pip install .` has neither.
Checked here from the declared dependencies and from what the code really imports; the real
installs into clean venvs are in benchmarks/RESULTS.md (they need the package registry).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
BASE = PROJECT["dependencies"]
DESKTOP = BASE + PROJECT["optional-dependencies"]["desktop"]
SERVER = BASE + PROJECT["optional-dependencies"]["server"]
SERVER_ONLY = {"fastapi", "uvicorn", "psycopg", "pydantic-settings", "starlette"}
QT = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}
# Imported only when present (inside try/except ImportError), never needed: httpx's command
# line (click, rich, pygments), mako's highlighting (pygments), openpyxl's and
# python-barcode's images (PIL), setuptools' own start-up hook.
OPTIONAL = {"click", "rich", "pygments", "PIL", "_distutils_hack"}
QT_OR_UI = re.compile(r"^\s*(import\s+(PySide6|ui)\b|from\s+(PySide6|ui)[\s.])", re.MULTILINE)


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name.lower() for r in requirements}


def test_the_desktop_install_has_no_web_server_or_postgres_driver():
    assert _names(DESKTOP) & SERVER_ONLY == set()
    assert _names(BASE) & (SERVER_ONLY | QT) == set()


def test_the_server_install_has_no_qt():
    assert _names(SERVER) & QT == set()
    assert PROJECT["scripts"]["digibank-server"] == "server.cli:main"


def test_no_server_source_file_imports_qt_or_the_window():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "server").rglob("*.py")
        if QT_OR_UI.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# Every module of a package (and what it imports), in a fresh interpreter: the top-level
# names of everything loaded, and which of them are Qt.
WALK = """
import importlib, json, pkgutil, sys
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if ".migrations" in info.name or info.name.endswith(".__main__"):
            continue
        importlib.import_module(info.name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _loaded(*packages: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", WALK, *packages], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def _closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements bring, with what they require in turn."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if (
            req.marker is not None
            and not req.marker.evaluate({"extra": ""})
            and not any(req.marker.evaluate({"extra": e}) for e in req.extras)
        ):
            continue
        name = req.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for sub in dist.requires or []:
            r = Requirement(sub)
            if (
                r.marker is None
                or r.marker.evaluate({"extra": ""})
                or any(r.marker.evaluate({"extra": e}) for e in req.extras)
            ):
                todo.append(r)
    return seen


def _third_party(modules: set[str]) -> dict[str, set[str]]:
    """Imported top-level module → the installed distributions that provide it."""
    provided = metadata.packages_distributions()
    ours = {"app", "db", "server", "ui", "resources", "tests", "benchmarks"}
    return {
        m: {d.lower().replace("_", "-") for d in provided[m]}
        for m in modules
        if m in provided and m not in ours and m not in OPTIONAL
    }


def test_the_server_imports_no_qt_and_only_what_its_install_declares():
    loaded = _loaded("server")
    assert {m for m in loaded if m.lower().startswith(("pyside6", "shiboken6"))} == set()
    assert "ui" not in loaded
    brought = _closure(SERVER)
    missing = {m: d for m, d in _third_party(loaded).items() if not d & brought}
    assert missing == {}, f"the server imports packages .[server] lacks: {missing}"


def test_the_desktop_imports_only_what_its_install_declares():
    loaded = _loaded("app", "db", "ui")
    brought = _closure(DESKTOP)
    missing = {m: d for m, d in _third_party(loaded).items() if not d & brought}
    assert missing == {}, f"the desktop imports packages pyproject.toml lacks: {missing}"


def test_a_bare_install_names_what_is_missing_in_one_line(monkeypatch, capsys):
    import importlib.util

    from app.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "PySide6" else real(name, *a)
    )
    assert main(["device", "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "PySide6" in err[0] and "[desktop]" in err[0]
