"""The layout the Toestellen and Ontleners views share: a searchable table on the left,
a details pane with a message line and buttons on the right."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from app.i18n import _


class DetailPane(QGroupBox):
    """A bold title over selectable, wrapped text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Details"), parent)
        self.title = QLabel(self)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)


def table_beside_details(
    view: QWidget,
    table: QWidget,
    right_parts: Sequence[QWidget],
    buttons: Sequence[QWidget],
    more_buttons: Sequence[QWidget] = (),
) -> None:
    """Lay out `view`: table left; the parts (a DetailPane takes the spare height) and a row
    of buttons right (`more_buttons` in a second row, so a small screen keeps the table).
    The table gets most of the width."""
    right = QWidget(view)
    right_layout = QVBoxLayout(right)
    right_layout.setContentsMargins(0, 0, 0, 0)
    for part in right_parts:
        right_layout.addWidget(part, 1 if isinstance(part, DetailPane) else 0)
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    right_layout.addLayout(row)
    if more_buttons:
        second = QHBoxLayout()
        for button in more_buttons:
            second.addWidget(button)
        second.addStretch(1)
        right_layout.addLayout(second)

    splitter = QSplitter(Qt.Orientation.Horizontal, view)
    splitter.addWidget(table)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    splitter.setSizes([650, 350])
    layout = QVBoxLayout(view)
    layout.addWidget(splitter)
