"""Borrowers view and dialog: validation next to the fields, search, details, block."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app.context import AppContext
from tests.ui.conftest import add_borrower, add_ready_devices, make_overdue
from ui.borrowers_view import BorrowersView
from ui.dialogs.borrower_dialog import BorrowerDialog


def make_view(qtbot, ctx: AppContext) -> BorrowersView:
    view = BorrowersView(ctx.borrowers, ctx.loans)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def open_dialog(qtbot, ctx: AppContext, borrower=None) -> tuple[BorrowerDialog, object]:
    dialog = BorrowerDialog(ctx.borrowers, borrower)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    return dialog, save


def test_dialog_shows_each_message_next_to_its_field_and_stays_open(qtbot, ctx):
    dialog, save = open_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.last_name, "Peeters")
    qtbot.keyClicks(dialog.postcode, "75001")
    qtbot.keyClicks(dialog.phone, "12")
    qtbot.keyClicks(dialog.email, "mia@")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert "voornaam is verplicht" in dialog.first_name_error.text()
    assert not dialog.last_name_error.isVisible()
    assert "geen Belgische postcode" in dialog.postcode_error.text()
    assert "Telefoonnummer '12' klopt niet" in dialog.phone_error.text()
    assert "E-mailadres 'mia@' klopt niet" in dialog.email_error.text()
    assert ctx.borrowers.count() == 0

    qtbot.keyClicks(dialog.first_name, "Mia")
    dialog.postcode.clear()
    qtbot.keyClicks(dialog.postcode, "8500")
    dialog.phone.setText("0470 12 34 56")
    dialog.email.setText("mia@voorbeeld.be")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    borrower = ctx.borrowers.get(dialog.result_borrower.card_number)
    assert (borrower.first_name, borrower.postcode, borrower.municipality) == ("Mia", "8500", "Kortrijk")
    assert borrower.province == "WVL"


def test_dialog_edit_changes_only_what_changed(qtbot, ctx):
    card = add_borrower(ctx)
    dialog, save = open_dialog(qtbot, ctx, ctx.borrowers.get(card))
    assert dialog.first_name.text() == "Mia"
    dialog.phone.setText("056 12 34 56")
    dialog.email.setText("geen-mail")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.email_error.isVisible()
    assert ctx.borrowers.get(card).phone == ""

    dialog.email.setText("")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ctx.borrowers.get(card).phone == "056 12 34 56"


def test_search_details_and_open_loans(qtbot, ctx):
    card = add_borrower(ctx, "Mia", "Peeters", "8500")
    add_borrower(ctx, "Jan", "Claes", "9000")
    add_borrower(ctx, "Fatima", "El Amrani", "2000")
    tags = add_ready_devices(ctx, 1)
    make_overdue(ctx, ctx.loans.checkout(tags[0], card).loan.id)
    view = make_view(qtbot, ctx)
    assert view.model.rowCount() == 3
    assert view.model.data(view.model.index(0, 1)) == "Claes"  # ordered by family name

    qtbot.keyClicks(view.table.search_field, "peet")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.select_row(0)
    assert view.detail_title.text() == "Mia Peeters — kaart KRT-B-00001"
    details = view.detail_text.text()
    assert "Provincie: West-Vlaanderen" in details
    assert "In bruikleen (1):" in details
    assert f"TE LAAT: {tags[0]}" in details


def test_new_borrower_shows_card_number(qtbot, ctx, monkeypatch):
    view = make_view(qtbot, ctx)

    def fill(dialog: BorrowerDialog) -> bool:
        dialog.first_name.setText("Lucas")
        dialog.last_name.setText("Vermeulen")
        dialog.postcode.setText("3500")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(view, "_exec", fill)
    view.new_button.click()
    assert view.new_card.isVisible()
    assert "KRT-B-00001" in view.new_card.text()
    assert view.model.rowCount() == 1
    assert "Lucas Vermeulen" in view.detail_title.text()


def test_block_and_unblock(qtbot, ctx, monkeypatch):
    card = add_borrower(ctx)
    view = make_view(qtbot, ctx)
    view.table.select_row(0)
    assert view.block_button.isEnabled() and not view.unblock_button.isEnabled()

    monkeypatch.setattr(view, "_ask_reason", lambda b: "   ")
    view.block_button.click()
    assert "Geef een reden" in view.message.text()
    assert not ctx.borrowers.get(card).blocked

    monkeypatch.setattr(view, "_ask_reason", lambda b: "laptop niet teruggebracht")
    view.block_button.click()
    assert ctx.borrowers.get(card).blocked
    assert "GEBLOKKEERD: laptop niet teruggebracht" in view.detail_text.text()
    assert view.model.data(view.model.index(0, 3)) == "GEBLOKKEERD"
    assert view.unblock_button.isEnabled()

    view.unblock_button.click()
    assert not ctx.borrowers.get(card).blocked
    assert "GEBLOKKEERD" not in view.detail_text.text()


def test_block_buttons_stay_greyed_for_an_erased_person(qtbot, ctx):
    card = add_borrower(ctx)
    ctx.privacy.erase(card)
    view = make_view(qtbot, ctx)
    view.table.select_row(0)
    assert not view.block_button.isEnabled() and not view.unblock_button.isEnabled()
