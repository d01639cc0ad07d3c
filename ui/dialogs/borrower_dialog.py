"""Register or edit a borrower. Every check is app/borrowers.py's or app/postcodes.py's;
the dialog calls them per field so each message appears next to its field, and
stays open until the service accepts the whole record."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import postcodes
from app.borrowers import (
    TARGET_GROUPS,
    BorrowerInput,
    BorrowerService,
    clean_email,
    clean_name,
    clean_phone,
    target_group_names,
)
from app.duplicates import PossibleDuplicate
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.printing.privacy_notice import privacy_text, title_and_paragraphs, write_privacy_pdf
from app.validation import max_length
from db.models import Borrower
from ui.dialogs.common import ErrorLabel

log = logging.getLogger(__name__)


def language_names() -> dict[str, str]:
    return {"nl": _("Nederlands"), "fr": _("Frans"), "en": _("Engels"), "other": _("andere taal")}


class BorrowerDialog(QDialog):
    def __init__(
        self, borrowers: BorrowerService, borrower: Borrower | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.borrowers = borrowers
        self.borrower = borrower
        self.result_borrower: Borrower | None = None
        self.setWindowTitle(
            _("Nieuwe ontlener inschrijven")
            if borrower is None
            else _("Ontlener {card} bewerken").format(card=borrower.card_number)
        )
        self.setMinimumWidth(480)

        self.first_name = QLineEdit(self)
        self.last_name = QLineEdit(self)
        self.street = QLineEdit(self)
        self.postcode = QLineEdit(self)
        self.postcode.setPlaceholderText(_("bv. 8500"))
        self.postcode.setMaxLength(7)
        self.postcode.editingFinished.connect(self._fill_municipality)
        self.municipality = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.phone.setPlaceholderText(_("bv. 056 12 34 56"))
        self.email = QLineEdit(self)
        self.email.setPlaceholderText(_("bv. naam@voorbeeld.be"))
        self.language = QComboBox(self)
        for code, name in language_names().items():
            self.language.addItem(name, code)
        self.target_group = QComboBox(self)
        names = target_group_names()
        for code in TARGET_GROUPS:
            self.target_group.addItem(names[code], code)
        self.eligibility_proof = QLineEdit(self)
        self.eligibility_proof.setPlaceholderText(_("bv. attest OCMW gezien"))
        self.notes = QLineEdit(self)
        # Typing stops at the length the field rules allow (db/rules.py), as on the server.
        for edit, name in (
            (self.first_name, "first_name"),
            (self.last_name, "last_name"),
            (self.street, "street"),
            (self.municipality, "municipality"),
            (self.phone, "phone"),
            (self.email, "email"),
            (self.eligibility_proof, "eligibility_proof"),
        ):
            edit.setMaxLength(max_length("borrower", name))
        # Consent is a question the person answers, never a default: unticked until asked.
        self.privacy_text = QPlainTextEdit(self)
        self.privacy_text.setReadOnly(True)
        self.privacy_text.setMinimumHeight(110)
        self.consent = QCheckBox(_("De persoon stemt &in met de privacyverklaring"), self)
        self.print_privacy = QPushButton(_("Privacyverklaring &afdrukken…"), self)
        self.print_privacy.clicked.connect(self._print_privacy)
        self.language.currentIndexChanged.connect(self._show_privacy_text)
        self._show_privacy_text()

        self.first_name_error = ErrorLabel(self)
        self.last_name_error = ErrorLabel(self)
        self.postcode_error = ErrorLabel(self)
        self.phone_error = ErrorLabel(self)
        self.email_error = ErrorLabel(self)
        self.error = ErrorLabel(self)

        form = QFormLayout()
        form.addRow(_("&Voornaam:"), self.first_name)
        form.addRow("", self.first_name_error)
        form.addRow(_("&Familienaam:"), self.last_name)
        form.addRow("", self.last_name_error)
        form.addRow(_("&Straat en nummer:"), self.street)
        form.addRow(_("&Postcode:"), self.postcode)
        form.addRow("", self.postcode_error)
        form.addRow(_("&Gemeente:"), self.municipality)
        form.addRow(_("&Telefoon:"), self.phone)
        form.addRow("", self.phone_error)
        form.addRow(_("&E-mail:"), self.email)
        form.addRow("", self.email_error)
        form.addRow(_("T&aal:"), self.language)
        form.addRow(_("&Doelgroep:"), self.target_group)
        form.addRow(_("&Bewijs recht op uitlenen:"), self.eligibility_proof)
        form.addRow(_("&Notities:"), self.notes)
        form.addRow(_("Privacy:"), self.privacy_text)
        form.addRow("", self.consent)
        print_row = QHBoxLayout()
        print_row.addWidget(self.print_privacy)
        print_row.addStretch(1)
        form.addRow("", print_row)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        if borrower is not None:
            self.first_name.setText(borrower.first_name)
            self.last_name.setText(borrower.last_name)
            self.street.setText(borrower.street)
            self.postcode.setText(borrower.postcode)
            self.municipality.setText(borrower.municipality)
            self.phone.setText(borrower.phone)
            self.email.setText(borrower.email)
            self.language.setCurrentIndex(max(0, self.language.findData(borrower.language)))
            self.target_group.setCurrentIndex(max(0, self.target_group.findData(borrower.target_group)))
            self.eligibility_proof.setText(borrower.eligibility_proof)
            self.notes.setText(borrower.notes)
            if borrower.consent_date:
                self.consent.setChecked(True)
                self.consent.setEnabled(False)  # withdrawing consent is erasure, not an untick
                self.consent.setText(
                    _("Toestemming gegeven op {date}").format(date=date_be(borrower.consent_date))
                )

    def _language(self) -> str:
        return str(self.language.currentData() or "nl")

    def _show_privacy_text(self) -> None:
        title, paragraphs = title_and_paragraphs(privacy_text(self._language()))
        self.privacy_text.setPlainText("\n\n".join([title.upper(), *paragraphs]))

    def write_privacy_pdf(self, out: Path) -> Path:
        return write_privacy_pdf(self._language(), out)

    def _print_privacy(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Privacyverklaring bewaren als PDF"), "privacyverklaring.pdf", "PDF (*.pdf)"
        )
        if not name:
            return
        try:
            self.write_privacy_pdf(Path(name))
        except (UserError, OSError) as exc:
            self.error.show_message(getattr(exc, "message", str(exc)))

    def _fill_municipality(self) -> None:
        if self.municipality.text().strip():
            return
        with contextlib.suppress(UserError):  # a bad postcode is shown when saving
            self.municipality.setText(postcodes.municipality_for(self.postcode.text()))

    def _field_checks(self) -> list[tuple[QLineEdit, ErrorLabel, Callable[[str], object]]]:
        return [
            (self.first_name, self.first_name_error, lambda v: clean_name(v, _("voornaam"))),
            (self.last_name, self.last_name_error, lambda v: clean_name(v, _("familienaam"))),
            (self.postcode, self.postcode_error, postcodes.normalise),
            (self.phone, self.phone_error, clean_phone),
            (self.email, self.email_error, clean_email),
        ]

    def accept(self) -> None:
        first_bad: QLineEdit | None = None
        self.error.clear_message()
        for field, label, check in self._field_checks():
            try:
                check(field.text())
                label.clear_message()
            except UserError as exc:
                label.show_message(exc.message)
                first_bad = first_bad or field
        if first_bad is not None:
            first_bad.setFocus()
            return
        values = {
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "street": self.street.text(),
            "postcode": self.postcode.text(),
            "municipality": self.municipality.text(),
            "phone": self.phone.text(),
            "email": self.email.text(),
            "language": str(self.language.currentData()),
            "target_group": str(self.target_group.currentData()),
            "eligibility_proof": self.eligibility_proof.text(),
            "notes": self.notes.text(),
        }
        try:
            if self.borrower is None:
                data = BorrowerInput(**values, consent=self.consent.isChecked())
                try:
                    self.result_borrower = self.borrowers.add(data)
                except PossibleDuplicate as exc:
                    # Warned before saving: the same person again, or someone else?
                    self.error.show_message(exc.message)
                    if not self.confirm_duplicate(exc):
                        return
                    self.result_borrower = self.borrowers.add(data, duplicate_ok=True)
            else:
                changes = {k: v for k, v in values.items() if getattr(self.borrower, k) != v}
                self.result_borrower = (
                    self.borrowers.edit(self.borrower.card_number, **changes) if changes else self.borrower
                )
                if self.consent.isChecked() and not self.borrower.consent_date:
                    self.result_borrower = self.borrowers.record_consent(self.borrower.card_number)
        except UserError as exc:
            self.error.show_message(exc.message)
            return
        super().accept()

    def confirm_duplicate(self, exc: PossibleDuplicate) -> bool:
        """Ask whether to register a new person anyway; tests replace this."""
        box = QMessageBox(QMessageBox.Icon.Question, _("Is dit dezelfde persoon?"), exc.message, parent=self)
        box.setInformativeText(
            _(
                "Is het dezelfde persoon, kies dan Annuleren en gebruik de bestaande kaart. "
                "Twee kaarten van één persoon voegt een coördinator samen in Ontleners (Samenvoegen)."
            )
        )
        new = box.addButton(_("Toch &nieuwe persoon inschrijven"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is new
