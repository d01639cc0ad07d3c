"""Undo a deletion in the window (the 30-day undo of app/deletions.py had only a command):
the list, Terugzetten, every view told, a refused restore said plainly, greyed for a volunteer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.formatting import date_be
from tests.shots import shots_folder
from tests.ui.conftest import add_borrower
from ui.deletions_dialog import DeletionsDialog
from ui.main_window import MainWindow
from ui.operations import data_bus, wait_for_running


def _shot(widget, name: str) -> None:
    folder = shots_folder()
    if folder is not None:
        QApplication.processEvents()
        widget.grab().save(str(folder / f"{name}.png"))


def test_a_deleted_helpdesk_visit_is_put_back_and_every_view_hears_it(qtbot, ctx):
    card = add_borrower(ctx)
    visit = ctx.helpdesk.log("itsme", card=card, minutes=10)
    ctx.helpdesk.undo(visit.id)
    assert ctx.helpdesk.day().count == 0
    dialog = DeletionsDialog(ctx.deletions)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)  # the Alt shortcut needs the active window
    (row,) = dialog.rows()
    assert (row.table, row.id) == ("helpdesk_visit", visit.id)
    assert dialog.can_restore()
    _shot(dialog, "deletions-dialog")
    heard = []
    data_bus().changed.connect(heard.append)
    assert "&Terugzetten" in [b.text() for b in dialog.findChildren(QPushButton)]
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # Enter on the chosen row puts it back
    assert wait_for_running()
    qtbot.waitUntil(lambda: "Teruggezet" in dialog.message_text())
    assert ctx.helpdesk.day().count == 1
    assert dialog.rows() == []
    assert any(c.touches("helpdesk_visit") for c in heard)
    assert dialog.isVisible()  # Enter restored; it did not also close the dialog


def test_a_restore_that_cannot_be_done_says_why_and_changes_nothing(qtbot, ctx, monkeypatch):
    card = add_borrower(ctx)
    visit = ctx.helpdesk.log("itsme", card=card, minutes=10)
    ctx.helpdesk.undo(visit.id)
    dialog = DeletionsDialog(ctx.deletions)
    qtbot.addWidget(dialog)
    dialog.show()
    # Meanwhile someone restored it at the command line: the dialog's row is stale.
    ctx.deletions.restore("helpdesk_visit", visit.id)
    dialog.restore_selected()
    assert wait_for_running()
    qtbot.waitUntil(lambda: dialog.message_text() != "")
    assert "Geen verwijderde" in dialog.message_text()
    assert ctx.helpdesk.day().count == 1


def test_the_menu_entry_is_greyed_for_a_volunteer_and_the_dates_are_belgian(qtbot, ctx):
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    ctx.staff.add("Vera", "vrijwilliger", "1111", by=anna)
    card = add_borrower(ctx)
    visit = ctx.helpdesk.log("itsme", card=card, minutes=10)
    ctx.helpdesk.undo(visit.id)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    ctx.sign_in(ctx.staff.authenticate("Vera", "1111"))
    window.staff._signed_in(ctx.signed_in)
    assert not window.deletions_action.isEnabled()
    assert "coördinator" in window.deletions_action.toolTip()
    ctx.sign_in(ctx.staff.authenticate("Anna", "4321"))
    window.staff._signed_in(ctx.signed_in)
    assert window.deletions_action.isEnabled()
    window.deletions_action.trigger()
    dialog = window.deletions_dialog
    (row,) = dialog.rows()
    assert dialog.can_restore()
    texts = dialog.cell_texts(0)
    assert texts[0] == "helpdeskbezoek" or "helpdesk" in texts[0].lower()
    assert texts[3] == date_be(row.final_on)
    dialog.close()
