"""The field a keyboard-wedge scanner types into.

A scanner types a code and Enter at full speed, sometimes several codes back
to back. Each Enter must hand over exactly the text typed before it, once:
the text is taken and the field cleared in the same key event, before any
slot runs, so keys that arrive while a scan is being processed land in an
empty field and become the next scan.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget

from app.i18n import _

log = logging.getLogger(__name__)


class ScanField(QLineEdit):
    """Emits `scanned(text)` on Enter, `escaped()` on Escape, `undo_requested()` on Ctrl+Z, and
    `confirmed()` on Enter in the empty field (the answer to a question the counter asked)."""

    scanned = Signal(str)
    confirmed = Signal()
    escaped = Signal()
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanField")
        self.setPlaceholderText(_("Scan een kaart of toestel en druk Enter"))
        self.setClearButtonEnabled(False)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.setFont(font)
        self.setMinimumHeight(self.fontMetrics().height() + 16)
        self.setAccessibleName(_("Scanveld"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Take and clear in one step: nothing typed later can join this scan.
            text = self.text()
            self.clear()
            event.accept()
            if text.strip():
                self.scanned.emit(text)
            else:
                self.confirmed.emit()
            return
        if event.matches(QKeySequence.StandardKey.Undo):
            # A line edit would undo its own typing; at the counter Ctrl+Z undoes the last loan action.
            event.accept()
            self.undo_requested.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.clear()
            event.accept()
            self.escaped.emit()
            return
        super().keyPressEvent(event)
