"""Devices view: lazy table over ids, search-as-you-type, details, status changes, dialog."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import insert

from app.context import AppContext
from app.inventory import TRANSITIONS, DeviceInput, status_name
from db.models import Device
from tests.ui.conftest import add_borrower, add_ready_devices
from ui.devices_view import DevicesView
from ui.dialogs.device_dialog import DeviceDialog


def bulk_devices(ctx: AppContext, count: int) -> None:
    """Test data only: Core inserts (no outbox), as the benchmark generator does, for speed."""
    location = ctx.locations.current()
    rows = [
        {
            "asset_tag": f"KRT-{i:06d}",
            "kind": "laptop",
            "brand": "Dell" if i % 2 else "Lenovo",
            "model": f"Latitude {i:04d}" if i % 2 else f"ThinkPad {i:04d}",
            "serial": f"SN{i:06d}",
            "intake_date": dt.date(2026, 1, 5),
            "status": "intake",
            "location_id": location.id,
            "specs": {},
        }
        for i in range(1, count + 1)
    ]
    with ctx.sessions() as s, s.begin():
        s.execute(insert(Device), rows)


def spy(obj, name: str) -> list:
    calls: list = []
    real = getattr(obj, name)

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    setattr(obj, name, wrapper)
    return calls


def make_view(qtbot, ctx: AppContext) -> DevicesView:
    view = DevicesView(ctx.devices, ctx.loans)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def fetched_ids(calls: list) -> list[str]:
    return [i for args, _kw in calls for i in args[0]]


def test_model_fetches_only_visible_pages(qtbot, ctx):
    bulk_devices(ctx, 2000)
    by_id_calls = spy(ctx.devices, "table_rows")  # the page rows (by_id: the selected record)
    view = make_view(qtbot, ctx)
    model = view.model
    assert model.rowCount() == 2000
    qtbot.waitUntil(lambda: len(by_id_calls) >= 1)
    assert len(fetched_ids(by_id_calls)) <= 100  # the first page only

    view.table.table.scrollToBottom()
    last_id = model.id_at(1999)
    qtbot.waitUntil(lambda: last_id in fetched_ids(by_id_calls))
    ids = fetched_ids(by_id_calls)
    assert len(ids) <= 300  # first page, last page (and at most one next to it)
    assert model.id_at(1000) not in ids  # the middle was never read
    assert model.data(model.index(1999, 0)) == "KRT-000001"  # newest tag first


def test_search_as_you_type_is_debounced_and_filters(qtbot, ctx):
    bulk_devices(ctx, 2000)
    searches = spy(ctx.devices, "search_ids")
    view = make_view(qtbot, ctx)
    assert view.model.rowCount() == 2000
    before = len(searches)

    qtbot.keyClicks(view.table.search_field, "dell")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1000)
    assert len(searches) == before + 1  # one query for four keystrokes
    assert view.table.count_label.text() == "1000 gevonden"

    view.table.search_field.clear()
    qtbot.keyClicks(view.table.search_field, "latitude 0041")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.data(view.model.index(0, 4)) == "Latitude 0041"
    assert view.model.headerData(4, Qt.Orientation.Horizontal) == "Model"


def test_status_filter_and_details(qtbot, ctx):
    tags = add_ready_devices(ctx, 2)
    card = add_borrower(ctx)
    ctx.loans.checkout(tags[0], card)
    ctx.devices.add(DeviceInput(kind="screen", brand="Dell", model="P2419H"))
    view = make_view(qtbot, ctx)
    assert view.model.rowCount() == 3

    view.status_filter.setCurrentIndex(view.status_filter.findData("on-loan"))
    assert view.model.rowCount() == 1
    view.table.select_row(0)
    assert tags[0] in view.detail_title.text()
    assert "Status: uitgeleend" in view.detail_text.text()
    assert "Uitgeleend aan Mia Peeters (KRT-B-00001)" in view.detail_text.text()
    assert not view.status_button.isEnabled()  # only the counter takes a device back

    view.status_filter.setCurrentIndex(view.status_filter.findData("intake"))
    assert view.model.rowCount() == 1
    assert view.model.data(view.model.index(0, 1)) == "binnengekomen"


def test_status_change_offers_allowed_transitions_and_shows_refusals(qtbot, ctx):
    tag = ctx.devices.add(DeviceInput(kind="laptop", brand="HP", model="EliteBook 840")).asset_tag
    view = make_view(qtbot, ctx)
    view.table.select_row(0)
    offered = [a.text() for a in view.status_menu.actions()]
    assert sorted(offered) == sorted(status_name(s) for s in TRANSITIONS["intake"])

    assert view.change_status("ready") is False  # no passed wipe yet
    assert view.message.isVisible()
    assert "geen geslaagde gegevenswissing" in view.message.text()
    assert ctx.devices.get(tag).status == "intake"

    assert view.change_status("wiping") is True
    assert ctx.devices.get(tag).status == "wiping"
    assert "wissen" in view.message.text()
    assert view.model.data(view.model.index(0, 1)) == "wissen"
    assert "Status: wissen" in view.detail_text.text()


def test_device_dialog_keeps_open_on_error_and_saves(qtbot, ctx):
    dialog = DeviceDialog(ctx.devices)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)

    qtbot.keyClicks(dialog.model_edit, "ThinkPad T480")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.brand_error.isVisible()
    assert "merk" in dialog.brand_error.text()
    assert ctx.devices.count() == 0

    qtbot.keyClicks(dialog.brand, "Lenovo")
    qtbot.keyClicks(dialog.cost, "twaalf")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Ongeldig bedrag" in dialog.cost_error.text()

    dialog.cost.setText("12,50")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    device = ctx.devices.get(dialog.result_device.asset_tag)
    assert (device.brand, device.model, device.acquisition_cost_cents) == ("Lenovo", "ThinkPad T480", 1250)


def test_new_and_edit_through_the_view(qtbot, ctx, monkeypatch):
    view = make_view(qtbot, ctx)

    def fill_new(dialog: DeviceDialog) -> bool:
        dialog.brand.setText("Dell")
        dialog.model_edit.setText("Latitude 5490")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(view, "_exec", fill_new)
    view.new_button.click()
    assert view.model.rowCount() == 1
    assert "KRT-000001" in view.message.text()
    assert "KRT-000001" in view.detail_title.text()

    def fill_edit(dialog: DeviceDialog) -> bool:
        dialog.serial.setText("5CG8123XYZ")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(view, "_exec", fill_edit)
    view.edit_button.click()
    assert ctx.devices.get("KRT-000001").serial == "5CG8123XYZ"
    assert view.model.data(view.model.index(0, 5)) == "5CG8123XYZ"


def test_a_scan_into_the_table_does_not_open_the_editor_but_double_click_does(qtbot, ctx, monkeypatch):
    ctx.devices.add(DeviceInput(kind="laptop", brand="HP", model="EliteBook 840"))
    view = make_view(qtbot, ctx)
    opened = []
    monkeypatch.setattr(view, "_exec", lambda dialog: opened.append(dialog.windowTitle()) or False)
    view.table.select_row(0)
    view.table.table.setFocus()
    qtbot.keyClicks(view.table.table, "KRT-B-00006")
    qtbot.keyClick(view.table.table, Qt.Key.Key_Return)
    assert opened == []
    table = view.table.table
    rect = table.visualRect(view.model.index(0, 0))
    # A real double-click is press, release, double-click (Qt checks the pressed index).
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == ["Toestel KRT-000001 bewerken"]


def test_the_table_shows_light_rows_and_gives_the_selected_devices_whole_record(qtbot, ctx):
    # Issue 13: a page is read as the table's columns only; details and editors get the record.
    bulk_devices(ctx, 150)
    view = make_view(qtbot, ctx)
    model = view.model
    shown = model.record(120)
    assert not isinstance(shown, Device) and shown.asset_tag == model.data(model.index(120, 0))
    view.table.select_row(120)
    device = view.current_device()
    assert isinstance(device, Device) and device.id == shown.id and device.specs == {}
    assert view.detail_title.text() and device.asset_tag in view.detail_title.text()
