"""The database passphrase, asked before the main window when no OS keychain keeps the key.

Keyboard only: the field has the focus, Enter confirms, Escape cancels. A new
database (or the upgrade of an unencrypted one) asks twice, so a typing error
cannot lock the data away.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.credentials import MIN_PASSPHRASE
from app.i18n import _
from ui.dialogs.common import ErrorLabel
from ui.screen_fit import fit_dialog


class PassphraseDialog(QDialog):
    def __init__(self, new: bool, folder: Path, error: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new = new
        self.setWindowTitle(_("Digibank Balie — wachtwoord van de database"))
        self.setMinimumWidth(480)
        if new:
            text = _(
                "De gegevens in {folder} worden versleuteld bewaard. Deze computer heeft geen veilige "
                "sleutelhanger, dus kies een wachtwoord (minstens {n} tekens). Zonder dit wachtwoord "
                "zijn de gegevens niet meer te openen: bewaar het veilig bij de coördinator."
            ).format(folder=folder, n=MIN_PASSPHRASE)
        else:
            text = _("De gegevens in {folder} zijn versleuteld. Typ het wachtwoord van de database.").format(
                folder=folder
            )
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        self.intro = intro

        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = ErrorLabel(self)
        if error:
            self.error.show_message(error)

        form = QFormLayout()
        form.addRow(_("&Wachtwoord:"), self.passphrase_edit)
        if new:
            form.addRow(_("&Nog eens:"), self.confirm_edit)
        else:
            self.confirm_edit.hide()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Openen"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Stoppen"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # Grow with the wrapped text and the message instead of clipping them.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.passphrase_edit.setFocus()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        # A wrapped label in a top-level dialog is otherwise given the height of fewer lines;
        # once shown, the font and width are final.
        spare = self.intro.fontMetrics().lineSpacing()  # heightForWidth comes out a little short
        self.intro.setMinimumHeight(self.intro.heightForWidth(self.intro.width()) + spare)
        self.adjustSize()
        fit_dialog(self)  # fits a 1366×768 screen at 150 % (ui/screen_fit.py)

    def _say(self, message: str) -> None:
        self.error.show_message(message)
        self.adjustSize()  # the wrapped intro text must stay whole when the message appears

    def passphrase(self) -> str:
        return self.passphrase_edit.text()

    def accept(self) -> None:
        if self.new:
            if len(self.passphrase()) < MIN_PASSPHRASE:
                self.error.show_message(
                    _("Kies een wachtwoord van minstens {n} tekens voor de database.").format(
                        n=MIN_PASSPHRASE
                    )
                )
                self.passphrase_edit.setFocus()
                return
            if self.confirm_edit.text() != self.passphrase():
                self._say(_("De twee wachtwoorden zijn niet gelijk."))
                self.confirm_edit.clear()
                self.confirm_edit.setFocus()
                return
        elif not self.passphrase():
            self._say(_("Typ het wachtwoord van de database."))
            return
        super().accept()
