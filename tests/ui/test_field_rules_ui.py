"""The window meets the same field rules (db/rules.py): typing stops at the limit, and
a value the rules refuse is shown in plain words, nothing saved (issue 9, case 1)."""

from __future__ import annotations

import os

from tests.ui.conftest import add_borrower
from ui.borrowers_view import BorrowersView
from ui.dialogs.device_dialog import DeviceDialog


def test_device_dialog_stops_typing_at_the_rules_limit(qtbot, ctx):
    dialog = DeviceDialog(ctx.devices)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.accessories.maxLength() == 200
    assert (dialog.brand.maxLength(), dialog.model_edit.maxLength(), dialog.serial.maxLength()) == (
        80,
        120,
        120,
    )
    qtbot.keyClicks(dialog.accessories, "x" * 216)
    assert dialog.accessories.text() == "x" * 200


def test_a_too_long_block_reason_is_shown_with_field_and_limit(qtbot, ctx, monkeypatch, tmp_path):
    card = add_borrower(ctx)
    view = BorrowersView(ctx.borrowers, ctx.loans)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.table.select_row(0)
    monkeypatch.setattr(view, "_ask_reason", lambda b: "r" * 201)
    view.block_button.click()
    text = view.message.text()
    assert "Reden van blokkering" in text and "200" in text
    assert not ctx.borrowers.get(card).blocked
    if os.environ.get("DIGIBANK_SCREENSHOTS"):
        view.grab().save(str(tmp_path / "block-reason.png"))
        print(tmp_path / "block-reason.png")
    assert view.message.isVisible()
