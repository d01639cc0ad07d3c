"""The "eID lezen" button: in the borrower dialog (pre-fill the form) and at the counter (find the
person, or register them with a pre-filled form). Reading is app/eid.py's, off the GUI thread;
this module only shows what was read, says why, and puts it in fields staff can still correct."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from app import eid
from app.borrowers import full_name
from app.i18n import _
from ui.operations import Changes, data_bus, run_operation

if TYPE_CHECKING:
    from ui.counter_view import CounterView
    from ui.dialogs.borrower_dialog import BorrowerDialog

log = logging.getLogger(__name__)

Reader = Callable[[], eid.EidPerson]


def read_lines(person: eid.EidPerson) -> str:
    municipality = person.municipality
    if person.card_municipality and not eid._same(person.card_municipality, municipality):
        municipality = _("{now} (op de kaart: {card})").format(
            now=municipality, card=person.card_municipality
        )
    year = str(person.birth_year) if person.birth_year else _("(onbekend)")
    return _("Gelezen: {first} {last}, {street}, {postcode} {municipality}; geboortejaar {year}.").format(
        first=person.first_names,
        last=person.last_name,
        street=person.street,
        postcode=person.postcode,
        municipality=municipality,
        year=year,
    )


class EidButton(QPushButton):
    """Reads the card when clicked; `person_read(EidPerson)` or `failed(str)` on the GUI thread."""

    person_read = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, reader: Reader | None = None) -> None:
        super().__init__(_("eID &lezen"), parent)
        self.setToolTip(eid.notice())
        self._reader = reader or eid.read_card
        self.clicked.connect(self.read)

    def read(self) -> None:
        self.setEnabled(False)
        run_operation(
            lambda _op: self._reader(),
            on_success=self._done,
            on_failure=self._failed,
            parent=self,
            what="eid read",
        )

    def _done(self, person: eid.EidPerson) -> None:
        self.setEnabled(True)
        self.person_read.emit(person)

    def _failed(self, message: str) -> None:
        self.setEnabled(True)
        self.failed.emit(message)


class EidPanel(QWidget):
    """For the borrower dialog: the button, what the program reads and why, and what it read.
    Fills the dialog's first_name, last_name, street, postcode and municipality fields."""

    def __init__(self, dialog: BorrowerDialog, reader: Reader | None = None) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.button = EidButton(self, reader)
        self.button.person_read.connect(self.fill)
        self.button.failed.connect(self._show_error)
        self.why = QLabel(eid.notice(), self)
        self.why.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.why, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.result)

    def fill(self, person: eid.EidPerson) -> None:
        d = self.dialog
        d.first_name.setText(person.first_names)
        d.last_name.setText(person.last_name)
        d.street.setText(person.street)
        d.postcode.setText(person.postcode)
        d.municipality.setText(person.municipality)
        self.result.setText(read_lines(person) + " " + _("Kijk na en verbeter waar nodig vóór u bewaart."))
        self.result.setVisible(True)

    def _show_error(self, message: str) -> None:
        self.result.setText(message)
        self.result.setVisible(True)


class CounterEid:
    """At the counter: card → the registered person (as if their member card was scanned), or a
    new-borrower form filled from the card."""

    def __init__(self, view: CounterView, reader: Reader | None = None) -> None:
        self.view = view
        self.button = EidButton(view, reader)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
        self.button.person_read.connect(self.found)
        self.button.failed.connect(self._failed)

    def found(self, person: eid.EidPerson) -> None:
        borrowers = self.view.counter.borrowers
        matches = eid.find_borrowers(borrowers, person)
        if len(matches) == 1:
            self.view.scan(matches[0].card_number)
            return
        if matches:
            new = _("Iemand anders: nieuwe ontlener inschrijven")
            choices = [f"{b.card_number} — {full_name(b)}, {b.postcode} {b.municipality}" for b in matches]
            choice, ok = QInputDialog.getItem(
                self.view, _("eID gelezen"), _("Wie is dit?"), [*choices, new], 0, False
            )
            if not ok:
                return
            if choice != new:
                self.view.scan(matches[choices.index(choice)].card_number)
                return
        self.register(person)

    def register(self, person: eid.EidPerson) -> None:
        from ui.dialogs.borrower_dialog import BorrowerDialog

        dialog = BorrowerDialog(self.view.counter.borrowers, None, self.view)
        dialog.eid_panel.fill(person)
        if dialog.exec() and dialog.result_borrower is not None:
            data_bus().announce(Changes.of("borrower"))  # a quick write at the counter: say so ourselves
            self.view.scan(dialog.result_borrower.card_number)

    def _failed(self, message: str) -> None:
        from app.counter import Outcome

        self.view._show_result(Outcome.UNKNOWN, message)
