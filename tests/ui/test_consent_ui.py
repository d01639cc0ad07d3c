"""The borrower form asks for consent explicitly; the details say when nobody was asked."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app import i18n
from app.borrowers import BorrowerInput
from ui.borrowers_view import BorrowersView
from ui.dialogs.borrower_dialog import BorrowerDialog


def _dialog(qtbot, ctx):
    dialog = BorrowerDialog(ctx.borrowers)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)


def _fill(qtbot, dialog):
    qtbot.keyClicks(dialog.first_name, "Mia")
    qtbot.keyClicks(dialog.last_name, "Peeters")
    qtbot.keyClicks(dialog.postcode, "8500")


def test_consent_is_a_question_not_a_default(qtbot, ctx):
    dialog, save = _dialog(qtbot, ctx)
    assert not dialog.consent.isChecked()
    assert "privacy" in dialog.privacy_text.toPlainText().lower()
    _fill(qtbot, dialog)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ctx.borrowers.get(dialog.result_borrower.card_number).consent_date is None


def test_ticked_consent_records_today(qtbot, ctx):
    dialog, save = _dialog(qtbot, ctx)
    _fill(qtbot, dialog)
    dialog.consent.setChecked(True)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert ctx.borrowers.get(dialog.result_borrower.card_number).consent_date == dt.date.today()


def test_privacy_text_follows_the_language(qtbot, ctx):
    dialog, _save = _dialog(qtbot, ctx)
    dutch = dialog.privacy_text.toPlainText()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    english = dialog.privacy_text.toPlainText()
    assert dutch != english and "personal data" in english.lower() and "persoonsgegevens" in dutch.lower()


def test_privacy_text_is_printable(qtbot, ctx, tmp_path):
    dialog, _save = _dialog(qtbot, ctx)
    out = dialog.write_privacy_pdf(tmp_path / "privacy.pdf")
    assert out.read_bytes().startswith(b"%PDF")


def test_details_say_no_consent_registered(qtbot, ctx):
    card = ctx.borrowers.add(BorrowerInput("Mia", "Peeters", "8500")).card_number
    view = BorrowersView(ctx.borrowers, ctx.loans)
    qtbot.addWidget(view)
    view._show_borrower(ctx.borrowers.get(card))
    assert "geen toestemming geregistreerd" in view.detail_text.text()
    i18n.set_language("nl")
