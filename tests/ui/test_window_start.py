"""Window start (issue 13): the frame first, the data folder opened off the GUI thread, scans
typed meanwhile kept and committed once the counter is ready, tabs built when first opened,
and a failure in the background said in one plain Dutch message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text

from app.context import open_context
from tests.ui.conftest import add_borrower, add_ready_devices
from ui import app as ui_app
from ui.main_window import MainWindow
from ui.operations import wait_for_running

ROOT = Path(__file__).resolve().parents[2]


def frame(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def test_the_frame_says_it_is_opening_and_keeps_scans_for_the_counter(qtbot, ctx):
    card = add_borrower(ctx)
    tags = add_ready_devices(ctx, 2)
    window = frame(qtbot)
    opening = window.opening
    assert opening is not None and not window.is_ready
    assert opening.busy_label.isVisible() and "Bezig met openen" in opening.busy_label.text()
    assert "Bezig met openen" in window.status.busy_label.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is opening.scan_field)
    # A keyboard-wedge scanner does not wait: two whole scans and half of a third.
    qtbot.keyClicks(opening.scan_field, f"{card}\r{tags[0]}\r{tags[1][:3]}")
    assert opening.queued == [card, tags[0]]
    assert ctx.loans.open_count() == 0  # nothing committed before the context is there
    assert "Wachtende scans: 2" in opening.queued_label.text()

    with qtbot.waitSignal(window.ready):
        window.attach(ctx)
    assert window.is_ready and window.opening is None
    assert ctx.loans.open_count() == 1
    assert ctx.loans.for_device(tags[0]).borrower.card_number == card
    field = window.counter_view.scan_field
    assert window.tabs.widget(0) is window.counter_view
    assert field.text() == tags[1][:3]  # the scan in progress goes on in the real field
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    scanned: list[str] = []
    counter = window.counter_view.counter
    real_scan = counter.scan
    counter.scan = lambda code: scanned.append(code) or real_scan(code)  # type: ignore[method-assign]
    qtbot.keyClicks(field, tags[1][3:] + "\r")
    assert scanned == [tags[1]]
    assert not window.status.busy_label.isVisible()
    assert "Kortrijk balie (KRT)" in window.windowTitle()


def test_scans_typed_while_opening_wait_for_the_sign_in_when_staff_exist(qtbot, ctx):
    card = add_borrower(ctx)
    (tag,) = add_ready_devices(ctx, 1)
    ctx.staff.add("Anna", "coordinator", "4321")
    window = frame(qtbot)
    qtbot.keyClicks(window.opening.scan_field, f"{card}\r{tag}\r")
    window.attach(ctx)
    assert window.staff.locked
    assert ctx.loans.open_count() == 0  # never committed for nobody
    page = window.staff.page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.name_edit)
    qtbot.keyClicks(page.name_edit, "Anna\r")
    qtbot.keyClicks(page.pin_edit, "4321\r")
    assert not window.staff.locked
    assert ctx.loans.open_count() == 1
    loan = ctx.loans.for_device(tag)
    assert loan.borrower.card_number == card


def test_tabs_other_than_the_counter_are_built_when_first_opened(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.counter_view.scan_field)
    assert window._built == {}  # only the counter: no list loaded at start
    qtbot.keyClick(window.counter_view.scan_field, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert set(window._built) == {"borrowers_view"}
    assert window.tabs.currentWidget() is window.borrowers_view
    assert QApplication.focusWidget() is window.borrowers_view.table.search_field
    assert window.tabs.tabText(2) == "Ontleners"
    reports = window.reports_view  # asked for by its attribute: built, in its own tab
    assert window.tabs.indexOf(reports) == 9 and window.tabs.tabText(9) == "Rapporten"


class _App:
    """Stands in for the QApplication's exit: a real exit() would end every later test's
    event loops too."""

    def __init__(self) -> None:
        self.exits: list[int] = []

    def exit(self, code: int) -> None:
        self.exits.append(code)

    def removeTranslator(self, _translator: object) -> None:  # noqa: N802 (Qt's name)
        pass


def _start(qtbot, folder: Path) -> tuple[ui_app._Start, MainWindow]:
    start = ui_app._Start(_App(), folder, None, [])  # type: ignore[arg-type]
    window = frame(qtbot)
    start.window = window
    return start, window


def test_the_start_opens_the_folder_off_the_gui_thread_and_loses_no_scan(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    card = add_borrower(ctx)
    (tag,) = add_ready_devices(ctx, 1)
    ctx.close()

    import app.context

    opened_on: list[int] = []
    real_open = app.context.open_context

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened_on.append(threading.get_ident())
        return real_open(*args, **kwargs)

    monkeypatch.setattr(app.context, "open_context", spy)
    start, window = _start(qtbot, folder)
    try:
        start.open()
        # Typed at once, before the worker's result can come back (this thread is busy typing).
        qtbot.keyClicks(window.opening.scan_field, f"{card}\r{tag}\r")
        qtbot.waitUntil(lambda: window.is_ready, timeout=60_000)
        assert opened_on and opened_on[0] != threading.get_ident()
        assert start.ctx is not None and start.exit_code is None
        assert start.ctx.loans.open_count() == 1
        assert start.ctx.loans.for_device(tag).borrower.card_number == card
        assert wait_for_running()  # the sync modules imported, then the daily backup
        assert window.sync is not None
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert titles[-2:] == ["Conflicten", "Synchronisatie"]
        assert list(start.folder.glob("backups/digibank-*.db"))  # the daily backup was made
    finally:
        window.close()
        start.finish()


def test_a_newer_database_is_refused_in_plain_dutch_and_the_start_ends(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    with ctx.engine.begin() as con:
        con.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    ctx.close()
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, message: said.append(message))
    start, window = _start(qtbot, folder)
    start.open()
    qtbot.waitUntil(lambda: start.exit_code is not None, timeout=60_000)
    start.finish()
    assert start.exit_code == 1 and start.app.exits == [1] and not window.is_ready
    assert len(said) == 1 and "nieuwere versie" in said[0] and "9999" in said[0]
    assert "Traceback" not in said[0]


def test_an_unexpected_failure_while_opening_is_one_plain_line(qtbot, tmp_path, monkeypatch):
    import app.context

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.context, "open_context", broken)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, message: said.append(message))
    start, window = _start(qtbot, tmp_path / "data")
    start.open()
    qtbot.waitUntil(lambda: start.exit_code is not None, timeout=60_000)
    start.finish()
    assert start.exit_code == 1 and start.app.exits == [1]
    assert len(said) == 1 and said[0].startswith("De gegevens in ")
    assert "konden niet geopend worden" in said[0]
    assert "disk on fire" not in said[0] and "Traceback" not in said[0]
    assert "konden niet geopend worden" in window.opening.busy_label.text()


def test_the_frame_is_built_without_the_database_layer():
    """What runs before the frame is shown imports neither SQLAlchemy nor the services."""
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import ui.app\n"
        "from ui.main_window import MainWindow\n"
        "window = MainWindow()\n"
        "window.show()\n"
        "app.processEvents()\n"
        "heavy = {'sqlalchemy', 'db', 'reportlab', 'openpyxl', 'httpx', 'keyring', 'alembic'}\n"
        "found = {m for m in sys.modules if m.split('.')[0] in heavy or m in ('app.context', 'app.errors')}\n"
        "print(sorted(found))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_an_older_database_is_backed_up_then_migrated_by_the_window_start(qtbot, tmp_path):
    from alembic import command

    from db.engine import alembic_config, current_revision, migration_revisions

    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    with ctx.engine.begin() as con:  # one migration back, as the previous version left it
        cfg = alembic_config(ctx.engine)
        cfg.attributes["connection"] = con
        command.downgrade(cfg, "-1")
    ctx.close()
    start, window = _start(qtbot, folder)
    try:
        start.open()
        qtbot.waitUntil(lambda: window.is_ready, timeout=60_000)
        assert current_revision(start.ctx.engine) == migration_revisions()[1]
        backups = list(folder.glob("backups/digibank-*.db"))
        assert backups  # made before the schema was migrated (the daily one is not due then)
        assert wait_for_running()
        assert list(folder.glob("backups/digibank-*.db")) == backups
    finally:
        window.close()
        start.finish()
