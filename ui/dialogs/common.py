"""Pieces the dialogs share: an inline error line under a field, a size that fits the screen."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_STYLE = "color:#9b1c1c; font-weight:bold;"


class ErrorLabel(QLabel):
    """A message next to a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setVisible(False)

    def show_message(self, message: str) -> None:
        # "⚠" plus bold text: the warning does not rely on the red colour alone.
        self.setText(f"⚠ {message}")
        self.setVisible(True)

    def clear_message(self) -> None:
        self.setText("")
        self.setVisible(False)

    def message(self) -> str:
        return self.text().removeprefix("⚠ ")


def fit_to_screen(dialog: QWidget, width: int, height: int) -> None:
    """Resize to the wanted size, never larger than the screen it is on (1366×768 at 150 %
    is the normal counter PC); the content scrolls instead."""
    screen = dialog.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, int(room.width() * 0.95))
        height = min(height, int(room.height() * 0.9))
    dialog.resize(width, height)
