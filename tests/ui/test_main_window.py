"""Main window: the views as tabs, keyboard tab switching, status bar, language, excepthook."""

from __future__ import annotations

import json
import logging
import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.conftest import add_ready_devices, make_overdue
from ui.app import ErrorReporter
from ui.main_window import MainWindow


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.counter_view.scan_field)
    return window


def test_tabs_shortcuts_and_plugging_in(qtbot, ctx):
    window = make_window(qtbot, ctx)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == [
        "Balie",
        "Toestellen",
        "Ontleners",
        "Uitleningen",
        "Helpdesk",
        "Opleidingen",
        "Werkbank",
        "Schenkingen",
        "Wachtlijst",
        "Rapporten",
        "Conflicten",
        "Synchronisatie",
    ]
    assert "Kortrijk balie (KRT)" in window.windowTitle()

    extra = QLabel("later view")
    assert window.add_view("Later", extra) == len(titles)
    sync = QLabel("Sync: nooit")
    window.status.add_permanent(sync)
    assert sync.parent() is not None

    qtbot.keyClick(window.counter_view.scan_field, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.loans_view
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.helpdesk_view
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.devices_view
    assert QApplication.focusWidget() is window.devices_view.table.search_field
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.counter_view
    assert QApplication.focusWidget() is window.counter_view.scan_field


def test_status_bar_follows_the_counter(qtbot, ctx):
    from tests.ui.conftest import add_borrower

    card = add_borrower(ctx)
    other = add_borrower(ctx, "Jan", "Claes", "9000")
    tags = add_ready_devices(ctx, 2)
    make_overdue(ctx, ctx.loans.checkout(tags[1], other).loan.id)
    window = make_window(qtbot, ctx)
    assert window.status.location_label.text() == "Locatie: Kortrijk balie (KRT)"
    assert window.status.open_label.text() == "Open uitleningen: 1"
    assert window.status.overdue_label.text() == "TE LAAT: 1"

    field = window.counter_view.scan_field
    qtbot.keyClicks(field, f"{card}\r{tags[0]}\r")
    assert window.status.open_label.text() == "Open uitleningen: 2"
    # the devices table shows the new status without a manual refresh
    row = window.devices_view.model.row_of(ctx.devices.get(tags[0]).id)
    assert window.devices_view.model.data(window.devices_view.model.index(row, 1)) == "uitgeleend"


def test_language_choice_is_saved_for_next_start(qtbot, ctx, monkeypatch):
    window = make_window(qtbot, ctx)
    shown = []
    monkeypatch.setattr(window, "_inform", lambda title, text: shown.append(text))
    window.language_actions["en"].trigger()
    saved = json.loads((ctx.data_dir / "settings.json").read_text(encoding="utf-8"))
    assert saved["language"] == "en"
    assert len(shown) == 1
    assert window.language_actions["en"].isChecked()


def test_excepthook_logs_details_and_shows_plain_words(qtbot, tmp_path, caplog):
    reporter = ErrorReporter(tmp_path / "digibank.log")
    shown = []
    reporter.show_message = lambda text, details: shown.append((text, details))
    try:
        raise ValueError("boom in a slot")
    except ValueError:
        info = sys.exc_info()
    with caplog.at_level(logging.ERROR):
        reporter(*info)
    assert "Traceback" in caplog.text and "ValueError: boom in a slot" in caplog.text
    assert len(shown) == 1
    text, details = shown[0]
    assert "Er ging iets mis" in text
    assert "Traceback" not in text + details and "ValueError" not in text + details
    assert str(tmp_path / "digibank.log") in details


def test_qt_standard_buttons_speak_dutch(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from ui.qt_i18n import install_qt_translations

    app = QApplication.instance()
    translators = install_qt_translations(app, "nl")
    try:
        assert len(translators) == 1
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert [b.text() for b in box.buttons()] == ["Opslaan", "Annuleren"]
    finally:
        for translator in translators:
            app.removeTranslator(translator)


def test_sync_without_a_server_opens_the_sync_settings(qtbot, ctx):
    window = make_window(qtbot, ctx)
    assert window.sync.status.parent() is not None  # in the status bar
    window.sync.start()  # no server known: nothing may start in the background
    assert not window.sync.controller.busy
    window.sync.status.sync_requested.emit()
    assert window.tabs.currentWidget() is window.sync.settings_page
    assert not window.sync.controller.busy


def test_print_labels_takes_every_selected_device(qtbot, ctx):
    from app.inventory import DeviceInput

    tags = [ctx.devices.add(DeviceInput("laptop", "Dell", f"M{i}", f"S{i}")).asset_tag for i in range(3)]
    window = make_window(qtbot, ctx)
    window.show_tab(1)
    table = window.devices_view.table
    table.run_search()
    table.table.selectAll()
    assert sorted(window.print_actions.selected_tags()) == sorted(tags)


def test_changes_waiting_follow_the_counter_and_ctrl_0_reaches_the_tenth_tab(qtbot, ctx):
    from tests.ui.conftest import add_borrower, add_ready_devices

    card = add_borrower(ctx)
    (tag,) = add_ready_devices(ctx, 1)
    window = make_window(qtbot, ctx)

    def waiting() -> int:
        return int(window.sync.status.waiting_label.text().split()[0])

    before = waiting()
    for code in (card, tag):
        qtbot.keyClicks(window.counter_view.scan_field, code)
        qtbot.keyClick(window.counter_view.scan_field, Qt.Key.Key_Return)
    assert ctx.loans.open_count() == 1
    assert waiting() > before  # the loan and the device's new status wait to be sent
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 9


def test_start_work_runs_after_the_window_and_off_its_thread(qtbot, ctx, tmp_path):
    import threading

    from ui.operations import wait_for_running

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    gui = threading.get_ident()
    ran: list[int] = []
    gate = threading.Event()

    def backup() -> None:
        gate.wait(10)
        ran.append(threading.get_ident())

    window.start_background_work(backup)
    assert window.status.busy_label.isVisibleTo(window.status)  # "bezig…" while it runs
    assert "Reservekopie" in window.status.busy_label.text()
    gate.set()
    assert wait_for_running()
    assert ran and ran[0] != gui
    assert not window.status.busy_label.isVisibleTo(window.status)

    def broken() -> None:
        raise OSError("schijf vol")

    window.start_background_work(broken)
    assert wait_for_running()
    assert window.status.busy_label.text().startswith("⚠ Automatische reservekopie mislukt")


def test_window_start_imports_no_reports_workbook_or_migration_tool(tmp_path):
    """Window start imports neither openpyxl (reports) nor alembic (schema up to date)."""
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = (
        "import sys, os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from app.context import open_context\n"
        "app = QApplication([])\n"
        "ctx = open_context(sys.argv[1], actor='t')\n"
        "ctx.locations.initialise('KRT', 'Kortrijk balie')\n"
        "ctx.close()\n"
        "for m in [m for m in sys.modules if m.startswith(('alembic', 'openpyxl'))]:\n"
        "    del sys.modules[m]\n"
        "import ui.app\n"
        "from ui.main_window import MainWindow\n"
        "ctx = open_context(sys.argv[1], actor='t')\n"
        "window = MainWindow(ctx)\n"
        "window.show()\n"
        "app.processEvents()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('alembic', 'openpyxl'))}))\n"
        "ctx.close()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(repo), DIGIBANK_PASSPHRASE="a-long-enough-test-passphrase")
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        cwd=repo,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
