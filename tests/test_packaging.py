"""A plain `pip install .` (the README's first command) must carry every data file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_migrations_translations_and_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("digibank_balie-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "resources/data/postcodes_be.csv",
        "resources/data/municipalities_be.csv",
        "resources/data/municipality_mergers.csv",
        "resources/locale/en/LC_MESSAGES/digibank.po",
        "resources/contracts/conditions_nl.md",
        "resources/scripts/collect_specs.sh",
        "db/migrations/env.py",
        "db/migrations/script.py.mako",
        "server/migrations/env.py",
    }
    expected |= {f"db/migrations/versions/{p.name}" for p in (ROOT / "db/migrations/versions").glob("*.py")}
    expected |= {
        f"server/migrations/versions/{p.name}" for p in (ROOT / "server/migrations/versions").glob("*.py")
    }
    assert expected <= names, sorted(expected - names)
    assert not any(name.startswith("tests/") for name in names)
