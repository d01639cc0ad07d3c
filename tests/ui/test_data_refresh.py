"""Stale lists (issue 12, wrong today #3): every view follows `data_bus().changed`, so a change
made in another view, by a sync or by another process shows without typing in a search field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.inventory import status_name
from tests.ui.conftest import add_borrower, add_ready_devices
from ui.main_window import MainWindow
from ui.operations import Changes, data_bus, wait_for_running

REPO = Path(__file__).resolve().parents[2]


def make_window(qtbot, ctx) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_for_running()
    return window


def shown_status(window: MainWindow, tag: str) -> str:
    model = window.devices_view.model
    row = model.row_of(window.ctx.devices.get(tag).id)
    assert row >= 0, f"{tag} not listed"
    return str(model.data(model.index(row, 1), Qt.ItemDataRole.DisplayRole))


def test_toestellen_shows_a_status_changed_in_werkbank(qtbot, ctx):
    tags = add_ready_devices(ctx, 3)
    window = make_window(qtbot, ctx)
    window.show_tab(window.tabs.indexOf(window.devices_view))
    window.devices_view.table.select_id(ctx.devices.get(tags[1]).id)
    assert shown_status(window, tags[1]) == status_name("ready")

    window.show_tab(window.tabs.indexOf(window.bench_view))
    bench = window.bench_view
    assert bench.show_tag(tags[1])
    bench.status_combo.setCurrentIndex(bench.status_combo.findData("repair"))
    assert bench.apply_status()

    window.show_tab(window.tabs.indexOf(window.devices_view))
    assert window.devices_view.table.search_field.text() == ""  # nobody typed
    assert shown_status(window, tags[1]) == status_name("repair")
    # The selection stays on the same device, and its details follow.
    assert window.devices_view.table.current_id() == ctx.devices.get(tags[1]).id
    assert status_name("repair") in window.devices_view.detail_text.text()


def test_a_status_filter_drops_a_device_changed_elsewhere(qtbot, ctx):
    tags = add_ready_devices(ctx, 2)
    window = make_window(qtbot, ctx)
    window.show_tab(window.tabs.indexOf(window.devices_view))
    view = window.devices_view
    view.status_filter.setCurrentIndex(view.status_filter.findData("ready"))
    assert view.model.rowCount() == 2
    ctx.devices.set_status(tags[0], "repair")  # e.g. a dialog's service call
    data_bus().announce(Changes.of("device"))
    assert view.model.rowCount() == 1
    assert view.table.count_label.text() == "1 gevonden"


def test_toestellen_shows_a_command_line_write_when_the_window_is_active_again(qtbot, ctx):
    tags = add_ready_devices(ctx, 2)
    window = make_window(qtbot, ctx)
    window.show_tab(window.tabs.indexOf(window.devices_view))
    assert shown_status(window, tags[0]) == status_name("ready")

    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = ["device", "status", tags[0], "repair"]
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(ctx.data_dir), *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    app = QGuiApplication.instance()
    assert isinstance(app, QApplication)
    # The person comes back from the terminal: the application becomes active again.
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    wait_for_running()
    assert shown_status(window, tags[0]) == status_name("repair")
    assert window.devices_view.table.search_field.text() == ""


def test_the_status_bar_and_borrowers_follow_a_checkout_without_hand_wiring(qtbot, ctx):
    card = add_borrower(ctx)
    tags = add_ready_devices(ctx, 1)
    window = make_window(qtbot, ctx)
    assert window.status.open_label.text().endswith(": 0")
    window.counter_view.scan_field.setText(card)
    window.counter_view.scan_field.scanned.emit(card)
    window.counter_view.scan_field.scanned.emit(tags[0])
    wait_for_running()
    assert window.status.open_label.text().endswith(": 1")
    window.show_tab(window.tabs.indexOf(window.devices_view))
    assert shown_status(window, tags[0]) == status_name("on-loan")
