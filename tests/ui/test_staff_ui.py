"""Sign-in in the window: keyboard only, Ctrl+L, idle lock that keeps the counter, greying by role."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import add_borrower, add_ready_devices
from ui.main_window import MainWindow


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def sign_in(qtbot, window, name: str | None, pin: str) -> None:
    page = window.staff.page
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (page.name_edit, page.pin_edit))
    if name is not None:
        assert QApplication.focusWidget() is page.name_edit
        qtbot.keyClicks(page.name_edit, name)
        qtbot.keyClick(page.name_edit, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.pin_edit
    qtbot.keyClicks(page.pin_edit, pin)
    qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)


def with_staff(ctx):
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    ctx.staff.add("Vera", "vrijwilliger", "1111", by=anna)


def test_without_staff_nothing_locks(qtbot, ctx):
    window = make_window(qtbot, ctx)
    assert not window.staff.locked
    assert window.staff.status_label.text() == "geen personeel ingesteld"
    assert window.restore_action.isEnabled()
    assert window.borrowers_view.erase_allowed


def test_volunteer_signs_in_and_sees_coordinator_actions_greyed(qtbot, ctx, tmp_path):
    card = add_borrower(ctx)
    with_staff(ctx)
    window = make_window(qtbot, ctx)
    assert window.staff.locked and not window.menuBar().isEnabled()
    sign_in(qtbot, window, "Vera", "0000")
    assert window.staff.locked and "Verkeerde pincode" in window.staff.page.message.text()
    sign_in(qtbot, window, None, "1111")  # the name stays, only the PIN again
    assert not window.staff.locked
    assert window.staff.status_label.text() == "Aangemeld: Vera"
    assert window.windowTitle().endswith(" · Vera (vrijwilliger)")
    assert ctx.signed_in is not None and ctx.signed_in.name == "Vera"

    window.show_tab(2)
    borrowers = window.borrowers_view
    borrowers.table.search_field.setText(card)
    borrowers.table.run_search()
    qtbot.waitUntil(lambda: borrowers.table.model.rowCount() == 1)
    borrowers.table.table.selectRow(0)
    qtbot.waitUntil(lambda: borrowers.current_borrower() is not None)
    assert borrowers.edit_button.isEnabled()
    assert not borrowers.erase_button.isEnabled()
    assert borrowers.erase_button.toolTip() == "Alleen een coördinator mag dit."
    assert not window.restore_action.isEnabled()
    assert window.restore_action.toolTip() == "Alleen een coördinator mag dit."
    assert not any(a.isEnabled() for a in window.language_actions.values())
    assert not window.sync.conflicts_view.resolve_allowed
    assert window.sync.conflicts_view.keep_button.toolTip() == "Alleen een coördinator mag dit."
    assert not window.sync.settings_page.login_button.isEnabled()
    shots(window, tmp_path, "vrijwilliger")

    # Ctrl+L: someone else takes over; the coordinator may erase.
    qtbot.keyClick(borrowers.table.search_field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.staff.locked and window.staff.page.name_edit.text() == ""
    sign_in(qtbot, window, "Anna", "4321")
    assert borrowers.erase_button.isEnabled() and window.restore_action.isEnabled()
    assert all(a.isEnabled() for a in window.language_actions.values())
    assert window.sync.conflicts_view.resolve_allowed and window.sync.settings_page.login_button.isEnabled()
    actions = [(e.staff_name, e.action, e.outcome) for e in ctx.audit.events()]
    assert actions[-4:] == [
        ("Vera", "sign-in", "refused"),
        ("Vera", "sign-in", "ok"),
        ("Vera", "sign-out", "ok"),
        ("Anna", "sign-in", "ok"),
    ]


def test_idle_lock_brings_back_the_same_counter_screen(qtbot, ctx, tmp_path):
    card = add_borrower(ctx)
    with_staff(ctx)
    window = make_window(qtbot, ctx)
    sign_in(qtbot, window, "Vera", "1111")
    counter = window.counter_view
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.scan_field)
    counter.scan(card)
    qtbot.waitUntil(lambda: counter.counter.active is not None)
    assert window.staff.idle_timer.isActive()
    assert window.staff.idle_timer.interval() == ctx.settings.idle_lock_minutes * 60_000 == 600_000
    window.staff.idle_timer.timeout.emit()  # the idle time has passed
    assert window.staff.locked
    assert not counter.isEnabled()  # no scan lands while nobody is signed in
    page = window.staff.page
    assert page.name_edit.text() == "Vera" and "Vergrendeld" in page.message.text()
    shots(window, tmp_path, "vergrendeld")
    sign_in(qtbot, window, None, "1111")
    assert not window.staff.locked and window.tabs.currentWidget() is counter
    assert counter.counter.active is not None and counter.counter.active.card_number == card
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.scan_field)
    # What she does in the window is in the audit log under her name.
    [tag] = add_ready_devices(ctx, 1)
    counter.scan(tag)
    qtbot.waitUntil(lambda: any(e.action == "loan checkout" for e in ctx.audit.events()))
    [event] = [e for e in ctx.audit.events() if e.action == "loan checkout"]
    assert (event.staff_name, event.subject, event.location) == ("Vera", tag, "KRT")


def shots(window, tmp_path, name: str) -> None:
    """Screenshots for a person to look at (DIGIBANK_SHOTS=folder); nothing is asserted on them."""
    folder = os.environ.get("DIGIBANK_SHOTS")
    if folder:
        window.grab().save(os.path.join(folder, f"staff-{name}.png"))


def test_first_coordinator_dialog(qtbot, ctx, tmp_path):
    from ui.first_coordinator import FirstCoordinatorDialog

    dialog = FirstCoordinatorDialog(ctx.staff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name, "Anna")
    qtbot.keyClicks(dialog.pin, "4321")
    qtbot.keyClicks(dialog.pin_again, "4322")
    qtbot.keyClick(dialog.pin_again, Qt.Key.Key_Return)
    assert dialog.isVisible() and "niet gelijk" in dialog.error.text()
    assert not ctx.staff.any_staff()
    qtbot.keyClicks(dialog.pin_again, "4321")
    folder = os.environ.get("DIGIBANK_SHOTS")
    if folder:
        dialog.grab().save(os.path.join(folder, "staff-eerste-coordinator.png"))
    qtbot.keyClick(dialog.pin_again, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    [anna] = ctx.staff.list()
    assert (anna.name, anna.role) == ("Anna", "coordinator")


def test_first_coordinator_can_be_skipped(qtbot, ctx):
    from PySide6.QtWidgets import QDialog

    from ui.first_coordinator import FirstCoordinatorDialog

    dialog = FirstCoordinatorDialog(ctx.staff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not ctx.staff.any_staff()


def test_audit_log_in_the_window_is_read_only_and_filters(qtbot, ctx, tmp_path):
    with_staff(ctx)
    window = make_window(qtbot, ctx)
    sign_in(qtbot, window, "Vera", "1111")
    assert not window.audit_action.isEnabled()  # a volunteer does not read who did what
    qtbot.keyClick(window.counter_view.scan_field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    sign_in(qtbot, window, "Anna", "4321")
    assert window.audit_action.isEnabled()
    window.audit_action.trigger()
    dialog = window.audit_dialog
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    table = dialog.table
    whos = [table.item(r, 1).text() for r in range(table.rowCount())]
    actions = [table.item(r, 2).text() for r in range(table.rowCount())]
    assert actions[:4] == ["sign-in", "sign-out", "sign-in", "staff add"]  # newest first
    assert whos[:3] == ["Anna", "Vera", "Vera"]
    assert not table.item(0, 0).flags() & Qt.ItemFlag.ItemIsEditable
    dialog.person.setCurrentIndex(dialog.person.findData("Vera"))
    assert {table.item(r, 1).text() for r in range(table.rowCount())} == {"Vera"}
    dialog.action.setText("sign-out")
    assert table.rowCount() == 1
    folder = os.environ.get("DIGIBANK_SHOTS")
    if folder:
        dialog.action.clear()
        dialog.person.setCurrentIndex(0)
        dialog.grab().save(os.path.join(folder, "staff-auditlog.png"))


def test_idle_lock_cancels_an_open_dialog(qtbot, ctx):
    from PySide6.QtWidgets import QDialog

    with_staff(ctx)
    window = make_window(qtbot, ctx)
    sign_in(qtbot, window, "Vera", "1111")
    dialog = QDialog(window)
    dialog.setModal(True)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog)
    window.staff.idle_timer.timeout.emit()
    assert window.staff.locked and not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected
