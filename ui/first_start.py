"""First start: name this computer's location (its code prefixes every tag and card)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.i18n import _
from app.locations import LocationService
from db.models import Location
from ui.dialogs.common import ErrorLabel

log = logging.getLogger(__name__)


def location_kind_names() -> dict[str, str]:
    return {"fixed": _("vaste balie"), "mobile": _("bus")}


class FirstStartDialog(QDialog):
    def __init__(self, locations: LocationService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.locations = locations
        self.location: Location | None = None
        self.setWindowTitle(_("Digibank Balie — eerste start"))
        self.setMinimumWidth(480)

        intro = QLabel(
            _(
                "Welkom! Deze computer moet eerst weten welke locatie hij is. De code staat "
                "voor elk toestel- en kaartnummer (bv. KRT-000123) en kan later niet meer veranderen."
            ),
            self,
        )
        intro.setWordWrap(True)
        font = QFont(intro.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        intro.setFont(font)

        self.name = QLineEdit(self)
        self.name.setPlaceholderText(_("bv. Kortrijk balie"))
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(_("2 tot 5 letters, bv. KRT"))
        self.code.setMaxLength(5)
        self.code.textEdited.connect(lambda text: self.code.setText(text.upper()))
        self.kind = QComboBox(self)
        for code, name in location_kind_names().items():
            self.kind.addItem(name, code)
        self.error = ErrorLabel(self)

        form = QFormLayout()
        form.addRow(_("&Naam van de locatie:"), self.name)
        form.addRow(_("&Code:"), self.code)
        form.addRow(_("&Soort:"), self.kind)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name.setFocus()

    def accept(self) -> None:
        try:
            self.location = self.locations.initialise(
                self.code.text(), self.name.text(), str(self.kind.currentData())
            )
        except UserError as exc:
            self.error.show_message(exc.message)
            return
        super().accept()
