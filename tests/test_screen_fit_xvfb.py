"""Issue 12 acceptance, literally: under Xvfb at 1366×768 with QT_SCALE_FACTOR=1.5 the main window
and the borrower, device, contract and settings dialogs fit the screen with every button reachable.
The same probe as tests/ui/test_screen_fit.py (offscreen), here on a real X server (xcb)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def laptop_display():
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        assert ready, "Xvfb did not report a display"
        yield ":" + os.read(read_fd, 32).decode().strip()
    finally:
        os.close(read_fd)
        xvfb.send_signal(signal.SIGTERM)
        xvfb.wait(timeout=10)


def test_window_and_dialogs_fit_a_1366x768_x_screen_at_150_percent(tmp_path, laptop_display):
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        DISPLAY=laptop_display,
        QT_QPA_PLATFORM="xcb",
        QT_SCALE_FACTOR="1.5",
        DIGIBANK_PASSPHRASE="a-long-enough-test-passphrase",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.fit_probe", str(tmp_path / "data"), str(tmp_path / "shots")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    width, height = answer["screen"][2:]
    assert (round(width * 1.5), round(height * 1.5)) in {(1366, 768), (1365, 768), (1366, 767)}
    results = answer["results"]
    for name in ("main_window", "borrower_new", "device_new", "contract", "settings"):
        assert name in results, f"{name} not probed"
    for name, result in results.items():
        assert "error" not in result, (name, result)
        assert result["inside"], f"{name} at {result['frame']} is not inside {result['available']}"
        assert result["unreachable"] == [], f"{name}: buttons off the screen: {result['unreachable']}"
    assert (tmp_path / "shots" / "main_window.png").is_file()
