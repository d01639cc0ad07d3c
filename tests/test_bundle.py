"""The desktop bundle (issue 15): packaging/build.sh builds it from this checkout, and the
bundle alone — no venv, no source tree — passes its selftest on a fresh data folder.

Slow (a PyInstaller build, ≈ 1–3 minutes): `pytest -m slow tests/test_bundle.py`; it runs in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    env = dict(
        os.environ, DIST_DIR=str(out / "dist"), BUILD_DIR=str(out / "build"), BUILD_PYTHON=sys.executable
    )
    done = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bundle:" in done.stdout
    return out / "dist" / "digibank-balie"


def _clean_env(tmp: Path) -> dict[str, str]:
    """Nothing of the development environment: the bundle must carry everything itself."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "QT_QPA_PLATFORM": "offscreen",
        "DIGIBANK_PASSPHRASE": "bundle-selftest",
        "LANG": "C.UTF-8",
    }


def test_the_bundle_passes_its_selftest_on_a_fresh_data_folder(bundle: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(bundle / "digibank"), "--data-dir", str(tmp_path / "data"), "selftest"],
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Alles in orde." in done.stdout
    for printed in (
        "Etiket afdrukken (PDF)",
        "Contract afdrukken (PDF)",
        "Herinneringsbrief afdrukken (PDF)",
    ):
        assert f"[OK  ] {printed}" in done.stdout, done.stdout


def test_the_bundle_holds_no_server_parts_and_its_desktop_entry(bundle: Path) -> None:
    inside = {p.name.lower() for p in (bundle / "_internal").iterdir()}
    for server_part in ("fastapi", "uvicorn", "starlette", "psycopg", "server"):
        assert server_part not in inside, server_part
    assert (bundle / "digibank-balie.desktop").is_file() and (bundle / "digibank.png").is_file()
    archives = list(bundle.parent.glob("digibank-balie-*-linux-x86_64.tar.gz"))
    assert len(archives) == 1 and archives[0].stat().st_size > 10_000_000


def test_the_bundled_command_line_refuses_plainly(bundle: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(bundle / "digibank"), "--data-dir", str(tmp_path / "data"), "device", "show", "NIETS-1"],
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_bundled_window_shows_the_first_run_screen_then_the_counter(bundle: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    data = tmp_path / "data"
    env = _clean_env(tmp_path)
    shots = []
    for step in ("first-run", "counter"):
        if step == "counter":
            init = [
                str(bundle / "digibank"),
                "--data-dir",
                str(data),
                "init",
                "--location-code",
                "TST",
                "--location-name",
                "Test",
            ]
            assert subprocess.run(init, env=env, capture_output=True, timeout=120).returncode == 0
        shot = tmp_path / f"{step}.png"
        done = subprocess.run(
            [str(bundle / "digibank"), "--data-dir", str(data)],
            env=dict(env, DIGIBANK_SCREENSHOT=str(shot)),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        image = QImage(str(shot))
        assert not image.isNull(), step
        shots.append(image)
    first, counter = shots
    # The language choice is a small dialog; the counter is the whole main window.
    assert first.width() < counter.width() and first.height() < counter.height()
