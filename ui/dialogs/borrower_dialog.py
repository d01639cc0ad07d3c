"""Register or edit a borrower. Every check is app/borrowers.py's or app/postcodes.py's;
the dialog calls them per field so each message appears next to its field, and
stays open until the service accepts the whole record."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
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
from app.eligibility import Eligibility, age_band_names, eligibility_names
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.printing.privacy_notice import privacy_text, title_and_paragraphs, write_privacy_pdf
from app.validation import max_length
from db.models import AGE_BANDS, ELIGIBILITY_PROOFS, Borrower
from ui.dialogs.common import ErrorLabel
from ui.eid_reader import EidPanel
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)


def _qdate(day: object) -> QDate:
    return QDate(day.year, day.month, day.day)  # type: ignore[attr-defined]


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
        # A postcode shared by several municipalities: staff choose (the NIS code is stored).
        self.municipality_choice = QComboBox(self)
        self.municipality_choice.setVisible(False)
        self.place_hint = QLabel(self)  # "NIS 46030 · Oost-Vlaanderen": what the reports will count
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
        self.eligibility_proof.setPlaceholderText(_("bv. attest gezien op het OCMW (nooit een kopie)"))
        self._eligibility_widgets(borrower)
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
        place = QHBoxLayout()
        place.addWidget(self.municipality, 1)
        place.addWidget(self.municipality_choice, 1)
        place.addWidget(self.place_hint)
        town_label = QLabel(_("&Gemeente:"), self)
        town_label.setBuddy(self.municipality)
        form.addRow(town_label, place)
        form.addRow(_("&Telefoon:"), self.phone)
        form.addRow("", self.phone_error)
        form.addRow(_("&E-mail:"), self.email)
        form.addRow("", self.email_error)
        form.addRow(_("T&aal:"), self.language)
        form.addRow(_("&Doelgroep:"), self.target_group)
        form.addRow(_("&Bewijs recht op uitlenen:"), self.proof)
        form.addRow(_("Doo&rverwezen door:"), self.referrer)
        dates = QHBoxLayout()
        dates.addWidget(self.checked_on)
        dates.addWidget(QLabel(_("geldig tot"), self))
        dates.addWidget(self.valid_until)
        dates.addStretch(1)
        checked_label = QLabel(_("Gecontroleerd op:"), self)
        checked_label.setBuddy(self.checked_on)
        form.addRow(checked_label, dates)
        form.addRow(_("Opmerking bij bewijs:"), self.eligibility_proof)
        age = QHBoxLayout()
        age.addWidget(self.age_band)
        age.addWidget(self.birth_year)
        age_label = QLabel(_("&Leeftijd:"), self)
        age_label.setBuddy(self.age_band)
        form.addRow(age_label, age)
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
        self.eid_panel = EidPanel(self)  # "eID lezen": fills the name and address fields above
        layout.addWidget(self.eid_panel)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        if borrower is not None:
            self.first_name.setText(borrower.first_name)
            self.last_name.setText(borrower.last_name)
            self.street.setText(borrower.street)
            self.postcode.setText(borrower.postcode)
            self.municipality.setText(borrower.municipality)
            self._show_place(borrower.nis_code)
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
        fit_dialog(self)  # fits a 1366×768 screen at 150 % (ui/screen_fit.py)

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
        found: list[postcodes.Municipality] = []
        with contextlib.suppress(UserError):  # a bad postcode is shown when saving
            found = postcodes.for_postcode(self.postcode.text())
        self.municipality_choice.clear()
        self.municipality_choice.setVisible(len(found) > 1)
        self.municipality.setVisible(len(found) <= 1)
        if len(found) > 1:
            self.municipality_choice.addItem(_("Kies de gemeente…"), "")
            for m in found:
                self.municipality_choice.addItem(m.label(), m.nis)
            self.place_hint.clear()
            return
        if found and not self.municipality.text().strip():
            self.municipality.setText(found[0].name)
        self._show_place(found[0].nis if found else "")

    def _show_place(self, nis: str) -> None:
        m = postcodes.by_nis(nis) if nis else None
        self.place_hint.setText(
            _("NIS {nis} · {province}").format(nis=m.nis, province=postcodes.province_name(m.province))
            if m
            else ""
        )

    def _municipality_value(self) -> str:
        """What the service resolves: the chosen NIS code, else the typed name."""
        if self.municipality_choice.count():
            return str(self.municipality_choice.currentData() or "")
        return self.municipality.text()

    # -- eligibility and age ---------------------------------------------------------

    def _eligibility_widgets(self, borrower: Borrower | None) -> None:
        self.proof = QComboBox(self)
        proofs = eligibility_names()
        for code in ELIGIBILITY_PROOFS:
            self.proof.addItem(proofs[code], code)
        self.referrer = QComboBox(self)
        self.referrer.addItem(_("(niet opgegeven)"), "")
        known = self.borrowers.referrers()
        if borrower is not None and borrower.referrer and borrower.referrer not in known:
            known.append(borrower.referrer)  # synced from a counter with another list
        for name in known:
            self.referrer.addItem(name, name)
        today = self.borrowers.today()
        checked = borrower.eligibility_checked_on if borrower and borrower.eligibility_checked_on else today
        self.checked_on, self.valid_until = QDateEdit(self), QDateEdit(self)
        for edit in (self.checked_on, self.valid_until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.checked_on.setMaximumDate(_qdate(today))
        self.checked_on.setDate(_qdate(checked))
        until = borrower.eligibility_valid_until if borrower else None
        self.valid_until.setDate(_qdate(until or self.borrowers.default_valid_until(checked)))
        self.checked_on.dateChanged.connect(
            lambda d: self.valid_until.setDate(_qdate(self.borrowers.default_valid_until(d.toPython())))
        )
        self.proof.currentIndexChanged.connect(self._proof_changed)
        self.age_band = QComboBox(self)
        bands = age_band_names()
        for band in AGE_BANDS:
            self.age_band.addItem(bands[band], band)
        self.birth_year = QLineEdit(self)
        self.birth_year.setPlaceholderText(_("of geboortejaar, bv. 1984"))
        self.birth_year.setMaxLength(4)
        if borrower is not None:
            self.proof.setCurrentIndex(max(0, self.proof.findData(borrower.eligibility_code)))
            self.referrer.setCurrentIndex(max(0, self.referrer.findData(borrower.referrer)))
            self.age_band.setCurrentIndex(max(0, self.age_band.findData(borrower.age_band)))
            self.birth_year.setText(str(borrower.birth_year) if borrower.birth_year else "")
        self._proof_changed()

    def _proof_changed(self) -> None:
        recorded = bool(self.proof.currentData())
        self.checked_on.setEnabled(recorded)
        self.valid_until.setEnabled(recorded)

    def _eligibility_values(self) -> dict[str, object]:
        code = str(self.proof.currentData() or "")
        year = self.birth_year.text().strip()
        return {
            "eligibility_code": code,
            "referrer": str(self.referrer.currentData() or ""),
            "eligibility_checked_on": self.checked_on.date().toPython() if code else None,
            "eligibility_valid_until": self.valid_until.date().toPython() if code else None,
            "birth_year": year or None,
            "age_band": "" if year else str(self.age_band.currentData() or ""),
        }

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
            "municipality": self._municipality_value(),
            "phone": self.phone.text(),
            "email": self.email.text(),
            "language": str(self.language.currentData()),
            "target_group": str(self.target_group.currentData()),
            "eligibility_proof": self.eligibility_proof.text(),
            "notes": self.notes.text(),
        }
        extra = self._eligibility_values()
        try:
            if self.borrower is None:
                year = str(extra["birth_year"] or "")
                if year and not year.isdigit():
                    raise UserError(
                        _("Geboortejaar '{year}' klopt niet: vier cijfers, bv. 1984.").format(year=year)
                    )
                data = BorrowerInput(
                    **values,
                    consent=self.consent.isChecked(),
                    eligibility=Eligibility(
                        str(extra["eligibility_code"]),
                        str(extra["referrer"]),
                        extra["eligibility_checked_on"],  # type: ignore[arg-type]
                        extra["eligibility_valid_until"],  # type: ignore[arg-type]
                    ),
                    birth_year=int(year) if year else None,
                    age_band=str(extra["age_band"]),
                )
                try:
                    self.result_borrower = self.borrowers.add(data)
                except PossibleDuplicate as exc:
                    # Warned before saving: the same person again, or someone else?
                    self.error.show_message(exc.message)
                    if not self.confirm_duplicate(exc):
                        return
                    self.result_borrower = self.borrowers.add(data, duplicate_ok=True)
            else:
                if extra["birth_year"] is not None:
                    extra["birth_year"] = self.borrowers.clean_age(extra["birth_year"], "")[0]  # type: ignore[arg-type]
                if extra["birth_year"] is not None and extra["birth_year"] == self.borrower.birth_year:
                    extra["age_band"] = self.borrower.age_band  # the band follows the (same) year
                values.update(extra)  # type: ignore[arg-type]
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
