"""Ontleners → Samenvoegen: two registrations of one person become one (coordinator).

The dialog proposes the possible duplicates the service finds (same name and postcode,
phone or e-mail); a card number may also be typed. The merge itself runs through
ui/operations.run_operation, and every view hears what changed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.borrower_merge import MergeResult
from app.borrowers import BorrowerService, full_name
from app.errors import UserError
from app.i18n import _
from db.models import Borrower
from ui.dialogs.common import ErrorLabel
from ui.operations import Changes, Operation, run_operation
from ui.screen_fit import fit_dialog

MERGE_CHANGES = Changes.of(
    "borrower", "loan", "helpdesk_visit", "attendance", "registration", "waiting_list_entry", "device"
)


class MergeDialog(QDialog):
    def __init__(self, borrowers: BorrowerService, borrower: Borrower, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Twee inschrijvingen samenvoegen"))
        self.borrowers = borrowers
        self.keep_card = borrower.card_number
        self.merge_result: MergeResult | None = None
        self.operation: Operation[MergeResult] | None = None

        self.keep_label = QLabel(self)
        self.keep_label.setWordWrap(True)
        self.other = QComboBox(self)
        self.other.setEditable(True)
        # Long proposals must not widen the dialog past a small screen: they are cut in the box.
        self.other.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.other.setMinimumContentsLength(24)
        self.other.setAccessibleName(_("Kaart die opgaat in de bewaarde kaart"))
        for match in borrowers.possible_duplicates(borrower.card_number):
            self.other.addItem(
                _("{card} — {name} ({postcode}): {why}").format(
                    card=match.card, name=match.name, postcode=match.postcode, why=match.why
                ),
                match.card,
            )
        self.other.setCurrentIndex(0 if self.other.count() else -1)
        line = self.other.lineEdit()
        if line is not None:
            line.setCursorPosition(0)  # the card number first, not the end of the reason
        self.swap_button = QPushButton(_("&Omwisselen: de andere kaart bewaren"), self)
        self.swap_button.clicked.connect(self.swap)
        explain = QLabel(
            _(
                "Alle uitleningen, helpdeskbezoeken, opleidingen en wachtlijstaanvragen van de andere "
                "kaart gaan naar de bewaarde kaart; ontbrekende contactgegevens worden aangevuld. De "
                "andere kaart blijft bestaan als 'samengevoegd' en geblokkeerd: wie ze scant, ziet welke "
                "kaart te gebruiken. Dit kan niet ongedaan gemaakt worden."
            ),
            self,
        )
        explain.setWordWrap(True)
        self.error = ErrorLabel(self)

        form = QFormLayout()
        form.addRow(_("Blijft:"), self.keep_label)
        form.addRow(_("&Gaat op in:"), self.other)
        form.addRow("", self.swap_button)
        body = QWidget(self)
        inner = QVBoxLayout(body)
        inner.addLayout(form)
        inner.addWidget(explain)
        inner.addWidget(self.error)
        inner.addStretch(1)
        scroll = QScrollArea(self)  # fits a small screen at 150 %
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = self.buttons.addButton(_("&Samenvoegen"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 90, metrics.lineSpacing() * 18)
        fit_dialog(self)  # the size above, capped to the screen and centred (ui/screen_fit.py)
        self._show_keep()

    def other_card(self) -> str:
        index = self.other.currentIndex()
        if index >= 0 and self.other.itemText(index) == self.other.currentText():
            return str(self.other.itemData(index))
        return self.other.currentText().strip()

    def _show_keep(self) -> None:
        try:
            person = self.borrowers.get(self.keep_card)
            self.keep_label.setText(f"{person.card_number} — {full_name(person)} ({person.postcode})")
        except UserError:  # a typed card that does not exist: the merge says so
            self.keep_label.setText(self.keep_card)

    def swap(self) -> None:
        other = self.other_card()
        if not other:
            return
        self.other.setEditText(self.keep_card)
        self.keep_card = other
        self._show_keep()

    def accept(self) -> None:
        other = self.other_card()
        if not other:
            self.error.show_message(_("Kies of typ de kaart die opgaat in de bewaarde kaart."))
            return
        self.error.clear_message()
        self.merge_button.setEnabled(False)
        keep = self.keep_card
        self.operation = run_operation(
            lambda op: self.borrowers.merge(keep, other),
            on_success=self._merged,
            on_failure=self._failed,
            changes=MERGE_CHANGES,
            parent=self,
            what="borrower merge",
        )

    def _merged(self, result: MergeResult) -> None:
        self.merge_result = result
        super().accept()

    def _failed(self, message: str) -> None:
        self.merge_button.setEnabled(True)
        self.error.show_message(message)
