"""First start: the location name and code, checked by the location service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app.context import open_context
from ui.first_start import FirstStartDialog


def test_first_start_initialises_the_location(qtbot, tmp_path):
    ctx = open_context(tmp_path / "fresh")
    try:
        assert not ctx.locations.is_initialised()
        dialog = FirstStartDialog(ctx.locations)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)

        qtbot.keyClicks(dialog.name, "Digibus Meetjesland")
        qtbot.keyClicks(dialog.code, "m1")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert dialog.isVisible()
        assert "Locatiecode 'M1' is ongeldig" in dialog.error.text()
        assert not ctx.locations.is_initialised()

        dialog.code.clear()
        qtbot.keyClicks(dialog.code, "mjl")
        assert dialog.code.text() == "MJL"
        dialog.kind.setCurrentIndex(dialog.kind.findData("mobile"))
        assert dialog.kind.currentText() == "bus"
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        location = ctx.locations.current()
        assert (location.code, location.name, location.kind) == ("MJL", "Digibus Meetjesland", "mobile")
    finally:
        ctx.close()
