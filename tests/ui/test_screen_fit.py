"""Fits the screen (issue 12, wrong today #6): on a 1366×768 screen at 150 % (and at 100 %) the
main window and every dialog we can build lie inside the screen's available geometry with every
button reachable; the window remembers its size and place (in the data folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize

from ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]


def run_probe(tmp_path: Path, scale: str) -> dict:  # type: ignore[type-arg]
    # The offscreen platform takes its screens from a JSON file (Qt ≥ 6.5): 1366×768 at 96 dpi.
    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps(
            {
                "synchronousWindowSystem": True,
                "screens": [
                    {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96}
                ],
            }
        ),
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        QT_QPA_PLATFORM=f"offscreen:configfile={screen}",
        QT_SCALE_FACTOR=scale,
        DIGIBANK_PASSPHRASE="a-long-enough-test-passphrase",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.fit_probe", str(tmp_path / f"data-{scale}")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("scale", ["1.5", "1"])
def test_window_and_dialogs_fit_1366x768(tmp_path, scale):
    answer = run_probe(tmp_path, scale)
    expected = [1366, 768] if scale == "1" else [911, 512]  # logical pixels
    assert answer["screen"][2:] == expected
    results = answer["results"]
    for name in ("main_window", "borrower_new", "borrower_edit", "device_new", "device_edit", "contract"):
        assert name in results, f"{name} not probed"
    for name, result in results.items():
        assert "error" not in result, (name, result)
        assert result["inside"], f"{name} at {result['frame']} is not inside {result['available']}"
        assert result["unreachable"] == [], f"{name}: buttons off the screen: {result['unreachable']}"
        width, height = result["minimum"]
        assert width <= expected[0] and height <= expected[1], f"{name} cannot shrink to the screen"


def test_the_window_remembers_its_size_and_place_in_the_data_folder(qtbot, ctx):
    # (The test process has the offscreen platform's default 800×600 screen.)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(QSize(780, 480))
    window.move(QPoint(20, 30))
    qtbot.wait(10)
    window.close()
    assert window.window_state_file.parent == ctx.data_dir  # under tmp in tests, never in $HOME
    assert window.window_state_file.exists()

    again = MainWindow(ctx)
    qtbot.addWidget(again)
    assert again.size() == QSize(780, 480)
    assert again.geometry() == window.geometry()
