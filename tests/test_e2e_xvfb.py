"""Acceptance: the real program under Xvfb, driven by the keyboard only (xdotool).

A card number + Enter and a tag + Enter typed into the freshly started window
lend the device; after a restart the tag + Enter returns it. The database is
checked through the services while (and after) the program runs.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.borrowers import BorrowerInput
from app.context import open_context
from app.inventory import DeviceInput
from tests.conftest import make_ready

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30.0


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT, what: str = "condition") -> None:
    """Poll until true; a slow shared machine gets generous time, a fast one does not wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb; it picks a free display itself (-displayfd) and is always killed by pid."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], TIMEOUT)
        assert ready, "Xvfb did not report a display"
        number = os.read(read_fd, 32).decode().strip()
        assert number.isdigit(), f"unexpected Xvfb answer {number!r}"
        yield f":{number}"
    finally:
        os.close(read_fd)
        xvfb.send_signal(signal.SIGTERM)
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait()


def xdotool(env: dict[str, str], *args: str, timeout: float = TIMEOUT) -> str:
    result = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout, check=True
    )
    return result.stdout.strip()


class RunningApp:
    def __init__(self, data: Path, env: dict[str, str], log: Path, command: list[str] | None = None) -> None:
        self.env = env
        self.log = log
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "ui"]), "--data-dir", str(data)],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.window = ""

    def wait_window(self, title: str = "Digibank Balie") -> None:
        self.window = ""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the program stopped early:\n{self.log.read_text()}"
            try:
                found = xdotool(self.env, "search", "--onlyvisible", "--name", title, timeout=5)
            except subprocess.CalledProcessError:
                found = ""
            if found:
                self.window = found.splitlines()[0]
                break
            time.sleep(0.2)
        assert self.window, "the window did not appear"
        # No window manager under Xvfb: give the window the keyboard focus ourselves.
        xdotool(self.env, "windowfocus", self.window)
        wait_for(lambda: xdotool(self.env, "getwindowfocus") == self.window, what="keyboard focus")

    def scan(self, code: str) -> None:
        """What a keyboard-wedge scanner does: type the code fast, then Enter."""
        xdotool(self.env, "type", "--delay", "5", code)
        xdotool(self.env, "key", "Return")

    def quit(self) -> int:
        try:
            xdotool(self.env, "key", "ctrl+q")
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log_file.close()


def app_env(tmp_path: Path, display: str) -> dict[str, str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "DIGIBANK_LANG": "nl",
        "XDG_RUNTIME_DIR": str(runtime),
    }


def test_keyboard_only_lend_then_return_after_restart(tmp_path: Path, display: str) -> None:
    data = tmp_path / "data"
    ctx = open_context(data, actor="e2e")
    try:
        ctx.locations.initialise("KRT", "Kortrijk balie")
        tag = ctx.devices.add(DeviceInput(kind="laptop", brand="Lenovo", model="ThinkPad T480")).asset_tag
        make_ready(ctx, tag)
        person = BorrowerInput(first_name="Mia", last_name="Peeters", postcode="8500")
        card = ctx.borrowers.add(person).card_number
    finally:
        ctx.close()

    env = app_env(tmp_path, display)
    log = tmp_path / "app-output.txt"

    app = RunningApp(data, env, log)
    try:
        app.wait_window()
        app.scan(card)
        app.scan(tag)
        check = open_context(data)
        try:
            wait_for(lambda: check.loans.open_count() == 1, what="the checkout")
            assert check.devices.get(tag).status == "on-loan"
            assert check.loans.for_device(tag).borrower.card_number == card
        finally:
            check.close()
    finally:
        code = app.quit()
    assert code == 0, log.read_text()

    app = RunningApp(data, env, log)
    try:
        app.wait_window()
        app.scan(tag)  # no borrower active: the tag alone takes the device back
        check = open_context(data)
        try:
            wait_for(lambda: check.loans.open_count() == 0, what="the return")
            assert check.devices.get(tag).status == "wiping"  # never straight back to ready
        finally:
            check.close()
    finally:
        code = app.quit()
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def test_first_start_on_an_empty_folder(tmp_path: Path, display: str) -> None:
    data = tmp_path / "empty"
    env = app_env(tmp_path, display)
    log = tmp_path / "app-output.txt"
    # The installed `digibank` command without a sub-command opens the window (README's first command).
    digibank = Path(sys.executable).with_name("digibank")
    assert digibank.exists(), "the project is not installed in this environment"
    app = RunningApp(data, env, log, [str(digibank)])
    try:
        app.wait_window("Taal · Language")  # the first question, in every language: Enter keeps Dutch
        xdotool(env, "key", "Return")
        app.wait_window("eerste start")
        xdotool(env, "type", "--delay", "5", "Kortrijk balie")
        xdotool(env, "key", "Tab")
        xdotool(env, "type", "--delay", "5", "krt")
        xdotool(env, "key", "Return")
        app.wait_window("Eerste coördinator")  # may be skipped: a lone counter, as before
        xdotool(env, "key", "Escape")
        app.wait_window("Digibank Balie — Kortrijk balie")  # then the main window
        check = open_context(data)
        try:
            location = check.locations.current()
            assert (location.code, location.name, location.kind) == ("KRT", "Kortrijk balie", "fixed")
        finally:
            check.close()
    finally:
        code = app.quit()
    assert code == 0, log.read_text()


def test_wedge_double_scan_keeps_the_laptop_lent_until_escape_and_scan(tmp_path: Path, display: str) -> None:
    """Acceptance (issue 12): card, tag (lent), the same tag again → still lent; Escape, tag → returned."""
    data = tmp_path / "data"
    ctx = open_context(data, actor="e2e")
    try:
        ctx.locations.initialise("KRT", "Kortrijk balie")
        tags = []
        for model in ("ThinkPad T480", "ThinkPad T490"):
            tag = ctx.devices.add(DeviceInput(kind="laptop", brand="Lenovo", model=model)).asset_tag
            make_ready(ctx, tag)
            tags.append(tag)
        first, second = tags
        # A second laptop may go to the same person: its checkout shows that every scan before it
        # was handled (scans are processed in order), without waiting for a time.
        ctx.settings.max_open_loans_per_borrower = 2
        ctx.save_settings()
        card = ctx.borrowers.add(
            BorrowerInput(first_name="Mia", last_name="Peeters", postcode="8500")
        ).card_number
    finally:
        ctx.close()

    env = app_env(tmp_path, display)
    log = tmp_path / "app-output.txt"
    app = RunningApp(data, env, log)
    try:
        app.wait_window()
        app.scan(card)
        app.scan(first)
        app.scan(first)  # the scanner fires twice
        app.scan(second)
        check = open_context(data)
        try:
            wait_for(lambda: check.loans.for_device(second) is not None, what="the second checkout")
            still = check.loans.for_device(first)
            assert still is not None and still.borrower.card_number == card  # still lent
            assert check.devices.get(first).status == "on-loan"
            xdotool(env, "key", "Escape")
            app.scan(first)  # return mode: no person active
            wait_for(lambda: check.loans.for_device(first) is None, what="the return")
            assert check.devices.get(first).status == "wiping"
            assert check.loans.for_device(second) is not None
        finally:
            check.close()
    finally:
        code = app.quit()
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()
