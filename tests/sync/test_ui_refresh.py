"""Acceptance (issue 12, stale lists): Toestellen shows a status another counter changed, as soon
as the window's sync round applied it — through the data bus, without typing in the search field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.inventory import DeviceInput, status_name
from tests.conftest import make_ready
from tests.sync.conftest import make_replica
from ui.main_window import MainWindow
from ui.operations import data_bus, wait_for_running


# The offscreen platform has no window manager to pass size hints to (see tests/ui/conftest.py).
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_toestellen_shows_a_status_changed_by_a_sync(qtbot, tmp_path, sqlite_server, replicas, monkeypatch):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token_a = server.issue_token("Kortrijk", "KRT")
    a = make_replica(tmp_path, "a", server, token_a, "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    replicas += [a, b]
    tags = []
    for serial in ("SN1", "SN2"):
        tag = a.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", serial)).asset_tag
        make_ready(a.ctx, tag)
        tags.append(tag)
    a.sync(), b.sync()

    monkeypatch.setenv("DIGIBANK_TOKEN", token_a)
    a.ctx.settings.server_url = server.url
    window = MainWindow(a.ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_for_running()
    window.show_tab(window.tabs.indexOf(window.devices_view))
    view = window.devices_view
    view.status_filter.setCurrentIndex(view.status_filter.findData("ready"))
    assert view.model.rowCount() == 2
    view.table.select_id(a.ctx.devices.get(tags[1]).id)

    b.ctx.devices.set_status(tags[0], "repair")  # the other counter takes one to the bench
    b.sync()

    heard = []
    data_bus().changed.connect(heard.append)
    with qtbot.waitSignal(window.sync.controller.finished, timeout=20000) as round_done:
        window.sync.controller.sync_now()
    assert "device" in round_done.args[0].applied_tables
    assert any(c.touches("device") and c.tables for c in heard)  # named tables, not "everything"
    # Only the ready one is left under the "ready" filter, still selected; nobody typed.
    assert view.table.search_field.text() == ""
    assert view.model.rowCount() == 1
    assert view.table.current_id() == a.ctx.devices.get(tags[1]).id
    view.status_filter.setCurrentIndex(0)
    row = view.model.row_of(a.ctx.devices.get(tags[0]).id)
    assert view.model.data(view.model.index(row, 1), Qt.ItemDataRole.DisplayRole) == status_name("repair")
    window.sync.stop()
