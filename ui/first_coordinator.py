"""First start: make the first coordinator, or skip and work as a lone counter.

Until someone is made here (or with `digibank staff add`), nobody signs in, exactly as
before staff existed. The first staff member is always a coordinator (app/staff.py).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.errors import UserError
from app.i18n import _
from app.staff import COORDINATOR, StaffService
from ui.dialogs.common import ErrorLabel
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)


class FirstCoordinatorDialog(QDialog):
    def __init__(self, staff: StaffService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        self.setWindowTitle(_("Eerste coördinator"))
        intro = QLabel(
            _(
                "Wie beheert deze digibank? De coördinator kan daarna vrijwilligers en techniekers "
                "toevoegen; wie wat mag doen, hangt dan af van wie aangemeld is.\n\n"
                "Overslaan kan: dan werkt deze balie zonder aanmelden, tot er personeel is."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.name = QLineEdit(self)
        self.pin = QLineEdit(self)
        self.pin_again = QLineEdit(self)
        for field in (self.pin, self.pin_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(8)
            field.setValidator(QRegularExpressionValidator(r"\d{0,8}", field))
        self.error = ErrorLabel(self)
        form = QFormLayout()
        form.addRow(_("&Naam:"), self.name)
        form.addRow(_("&Pincode (4 tot 8 cijfers):"), self.pin)
        form.addRow(_("Pincode &nog eens:"), self.pin_again)
        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton(_("&Aanmaken"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.skip_button = buttons.addButton(_("&Overslaan"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Word-wrapped text gets its full height only from a known width (also at 150%).
        width = self.fontMetrics().averageCharWidth() * 70
        intro.setFixedWidth(width)
        intro.setMinimumHeight(intro.heightForWidth(width))
        self.create_button.setDefault(True)
        self.name.setFocus()
        fit_dialog(self)  # fits a 1366×768 screen at 150 % (ui/screen_fit.py)

    def create(self) -> None:
        if self.pin.text() != self.pin_again.text():
            self.error.show_message(_("De twee pincodes zijn niet gelijk."))
            self.pin_again.clear()
            self.pin_again.setFocus()
            return
        try:
            self._staff.add(self.name.text(), COORDINATOR, self.pin.text())
        except UserError as exc:
            self.error.show_message(exc.message)
            return
        log.info("first coordinator created")
        self.accept()
