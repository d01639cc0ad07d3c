"""Borrowers ("Ontleners"): search, a lazy table, details with open loans, add/edit, block."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.borrowers import BorrowerService, full_name, target_group_names
from app.duplicates import is_merged
from app.erasure_requests import ErasureRequests, PendingErasure
from app.errors import UserError
from app.formatting import date_be
from app.history import HistoryService, history_lines
from app.i18n import _
from app.loans import LoanService
from app.postcodes import province_name
from app.privacy import PrivacyService
from db.models import Borrower
from ui.counter_view import loan_line
from ui.devices_view import MessageBanner
from ui.dialogs.borrower_dialog import BorrowerDialog, language_names
from ui.operations import Changes, data_bus, reload_on_change, run_operation
from ui.table_models import SearchableTable, borrower_model
from ui.widgets.detail_pane import DetailPane, table_beside_details

log = logging.getLogger(__name__)


class BorrowersView(QWidget):
    borrowers_changed = Signal()

    def __init__(
        self,
        borrowers: BorrowerService,
        loans: LoanService,
        parent: QWidget | None = None,
        privacy: PrivacyService | None = None,
        backup_keep_days: int = 30,
        retention_months: int = 24,
        erasures: ErasureRequests | None = None,
        history: HistoryService | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.borrowers = borrowers
        self.loans = loans
        self.privacy = privacy
        # Erase at once, or ask a coordinator-scope PC to confirm (app/erasure_requests.py).
        self.erasures = erasures
        self.backup_keep_days = backup_keep_days
        self.retention_months = retention_months

        self.model = borrower_model(borrowers.table_rows, borrowers.by_id)
        self.table = SearchableTable(
            self.model,
            lambda text, order: borrowers.search_ids(text, order=order),
            _("Zoek op naam, kaartnummer, telefoon, e-mail of gemeente…"),
            self,
            sortable=True,
        )
        self.table.set_column_widths([16, 15, 12, 16, 10, 14, 16, 14])
        self.table.selection_changed.connect(self._show_borrower)
        self.table.activated.connect(lambda _b: self.edit_borrower())

        # -- the card number of a new registration, large enough to copy onto a card --
        self.new_card = QLabel(self)
        card_font = QFont(self.font())
        card_font.setPointSizeF(card_font.pointSizeF() * 1.6)
        card_font.setBold(True)
        self.new_card.setFont(card_font)
        self.new_card.setWordWrap(True)
        self.new_card.setVisible(False)
        self.new_card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        details = DetailPane(self)
        self.detail_title, self.detail_text = details.title, details.text
        self.message = MessageBanner(self)

        self.new_button = QPushButton(_("&Nieuwe ontlener"), self)
        self.new_button.clicked.connect(self.new_borrower)
        self.edit_button = QPushButton(_("Be&werken"), self)
        self.edit_button.clicked.connect(self.edit_borrower)
        self.block_button = QPushButton(_("B&lokkeren…"), self)
        self.block_button.clicked.connect(self.block_borrower)
        self.unblock_button = QPushButton(_("&Deblokkeren"), self)
        self.unblock_button.clicked.connect(self.unblock_borrower)
        self.erase_allowed = True
        self.erase_button = QPushButton(_("&Wissen (GDPR)…"), self)
        self.erase_button.clicked.connect(self.erase_borrower)
        self.erase_button.setVisible(privacy is not None)
        # Erasures asked at an ordinary counter, waiting for confirmation: for the coordinator.
        self.erasures_button = QPushButton(self)
        self.erasures_button.clicked.connect(self.show_erasure_requests)
        self.erasures_button.setVisible(False)
        # Coordinator work too (ui/staff_wiring.py greys them for other roles).
        self.merge_button = QPushButton(_("Samen&voegen…"), self)
        self.merge_button.clicked.connect(self.merge_borrower)
        self.export_button = QPushButton(_("E&xporteren (GDPR)…"), self)
        self.export_button.clicked.connect(self.export_borrower)
        self.export_button.setVisible(privacy is not None)
        self.retention_button = QPushButton(_("&Bewaartermijn toepassen…"), self)
        self.retention_button.clicked.connect(self.apply_retention)
        self.retention_button.setVisible(False)
        # How many people are due for anonymisation (retention): small, for the coordinator.
        self.retention_label = QLabel(self)
        self.retention_label.setWordWrap(True)
        self.retention_label.setVisible(False)
        table_beside_details(
            self,
            self.table,
            # The erasures button sits with the retention note, not in the crowded button rows.
            [self.new_card, details, self.message, self.retention_label, self.erasures_button],
            [self.new_button, self.edit_button, self.block_button, self.unblock_button],
            [self.erase_button, self.merge_button, self.export_button, self.retention_button],
        )  # fmt: skip
        self._show_retention()

        self._show_borrower(None)
        self.table.run_search()
        reload_on_change(self, ("borrower", "loan", "device"), self.table.reload)
        self.borrowers_changed.connect(lambda: data_bus().announce(Changes.of("borrower")))

    def current_borrower(self) -> Borrower | None:
        return self.table.current_record()

    def _show_borrower(self, borrower: Borrower | None) -> None:
        for button in (self.edit_button, self.block_button, self.unblock_button, self.erase_button):
            button.setEnabled(borrower is not None and not borrower.erased)
        # Erased here, refused by the server: erasing again sends the erasure again.
        refused = self._erasure_refused(borrower)
        # The signed-in person's role may not erase (ui/staff_wiring.py sets this).
        self.erase_button.setEnabled((self.erase_button.isEnabled() or refused) and self.erase_allowed)
        usable = borrower is not None and not borrower.erased and self.erase_allowed
        self.merge_button.setEnabled(usable and not is_merged(borrower))  # type: ignore[arg-type]
        self.export_button.setEnabled(usable)
        if borrower is None:
            self.detail_title.setText(_("Geen ontlener gekozen"))
            self.detail_text.setText(_("Kies iemand in de lijst, of zoek op naam of kaartnummer."))
            return
        self.block_button.setEnabled(not borrower.erased and not borrower.blocked)
        self.unblock_button.setEnabled(not borrower.erased and borrower.blocked)
        self.detail_title.setText(
            _("{name} — kaart {card}").format(name=full_name(borrower), card=borrower.card_number)
        )
        lines = []
        pending = self.erasures.pending_for(borrower.id) if self.erasures is not None else None
        if pending is not None:
            lines.append(_("LET OP: {what}; er wordt niets meer uitgeleend.").format(what=pending.line()))
            self.erase_button.setEnabled(False)
        if refused:
            lines.append(
                _(
                    "LET OP: de server weigerde deze wissing; de andere balies kennen de persoon nog. "
                    "Wis opnieuw zodra het toestel terug is."
                )
            )
        if borrower.blocked:
            lines.append(_("GEBLOKKEERD: {reason}").format(reason=borrower.blocked_reason))
        address = " ".join(p for p in (borrower.postcode, borrower.municipality) if p)
        if borrower.street:
            address = f"{borrower.street}, {address}"
        lines.append(_("Adres: {address}").format(address=address))
        lines.append(_("Provincie: {province}").format(province=province_name(borrower.province)))
        if borrower.phone:
            lines.append(_("Telefoon: {phone}").format(phone=borrower.phone))
        if borrower.email:
            lines.append(_("E-mail: {email}").format(email=borrower.email))
        lines.append(
            _("Taal: {language}").format(language=language_names().get(borrower.language, borrower.language))
        )
        if borrower.target_group:
            lines.append(
                _("Doelgroep: {group}").format(
                    group=target_group_names().get(borrower.target_group, borrower.target_group)
                )
            )
        if borrower.consent_date:
            lines.append(_("Privacytoestemming: {date}").format(date=date_be(borrower.consent_date)))
        else:
            lines.append(_("Privacytoestemming: geen toestemming geregistreerd"))
        if borrower.notes:
            lines.append(_("Notities: {notes}").format(notes=borrower.notes))
        open_loans = self.loans.list(open_only=True, borrower_id=borrower.id)
        lines.append("")
        if open_loans:
            lines.append(_("In bruikleen ({count}):").format(count=len(open_loans)))
            lines.extend(f"  {loan_line(view)}" for view in open_loans)
        else:
            lines.append(_("Geen toestellen in bruikleen."))
        if self.history is not None:  # every loan and return, with reminders and calls
            lines += ["", *history_lines(self.history.person(borrower.id))]
        self.detail_text.setText("\n".join(lines))

    # -- actions ---------------------------------------------------------------------------

    def new_borrower(self) -> None:
        dialog = BorrowerDialog(self.borrowers, None, self)
        if self._exec(dialog) and dialog.result_borrower is not None:
            borrower = dialog.result_borrower
            self.table.search_field.clear()
            self.table.run_search()
            self.table.select_id(borrower.id)
            message = _(
                "Nieuwe kaart: {card} — {name}. Schrijf het nummer op de lidkaart; afdrukken kan later."
            )
            self.new_card.setText(message.format(card=borrower.card_number, name=full_name(borrower)))
            self.new_card.setVisible(True)
            self.borrowers_changed.emit()

    def edit_borrower(self) -> None:
        borrower = self.current_borrower()
        if borrower is None:
            return
        dialog = BorrowerDialog(self.borrowers, borrower, self)
        if self._exec(dialog):
            self.table.refresh_current()
            self.message.show_ok(_("{card} is bijgewerkt.").format(card=borrower.card_number))
            self.borrowers_changed.emit()

    def block_borrower(self) -> None:
        borrower = self.current_borrower()
        if borrower is None:
            return
        reason = self._ask_reason(borrower)
        if reason is None:
            return
        try:
            self.borrowers.block(borrower.card_number, reason)
        except UserError as exc:
            self.message.show_error(exc.message)
            return
        self.message.show_ok(
            _("{name} is geblokkeerd: aan de balie wordt niets meer uitgeleend.").format(
                name=full_name(borrower)
            )
        )
        self.table.refresh_current()
        self.borrowers_changed.emit()

    def unblock_borrower(self) -> None:
        borrower = self.current_borrower()
        if borrower is None:
            return
        try:
            self.borrowers.unblock(borrower.card_number)
        except UserError as exc:
            self.message.show_error(exc.message)
            return
        self.message.show_ok(_("{name} is niet meer geblokkeerd.").format(name=full_name(borrower)))
        self.table.refresh_current()
        self.borrowers_changed.emit()

    def erase_borrower(self) -> None:
        borrower = self.current_borrower()
        if borrower is None or self.privacy is None or not self._confirm_erase(borrower):
            return
        try:
            if self.erasures is not None:
                outcome = self.erasures.erase_borrower(borrower.card_number)
                erased = outcome.erased
            else:
                self.privacy.erase(borrower.card_number)
                erased = True
        except UserError as exc:
            self.message.show_error(exc.message)
            return
        if erased:
            self.message.show_ok(
                _(
                    "De gegevens van {card} zijn gewist; postcode en doelgroep blijven voor de rapporten."
                ).format(card=borrower.card_number)
            )
        else:
            self.message.show_ok(
                _(
                    "Wissing van {card} aangevraagd: ze gebeurt zodra een coördinator ze bevestigt op een pc "
                    "met een coördinatorsleutel of de beheerder van de server. Tot dan wordt er niets meer "
                    "aan uitgeleend."
                ).format(card=borrower.card_number)
            )
        self.table.refresh_current()
        self._show_borrower(self.current_borrower())
        self._show_retention()
        self.borrowers_changed.emit()

    def _erasure_refused(self, borrower: Borrower | None) -> bool:
        """Erased here, refused by the server, and this PC may send erasures (its token's scope)."""
        return (
            borrower is not None
            and borrower.erased
            and self.privacy is not None
            and (self.erasures is None or self.erasures.erases_at_once())
            and self.privacy.erasure_refused(borrower.id)
        )

    def erase_question(self, borrower: Borrower) -> str:
        if self._erasure_refused(borrower):
            return _(
                "De server weigerde eerder de wissing van {card}. Ze wordt nu opnieuw verstuurd, "
                "samen met wat deze balie sindsdien over de persoon ontving."
            ).format(card=borrower.card_number)
        if self.erasures is not None and not self.erasures.erases_at_once():
            return _(
                "De wissing van de persoonsgegevens van {name} ({card}) wordt aangevraagd. Ze gebeurt "
                "zodra een coördinator ze bevestigt op een pc met een coördinatorsleutel, of de beheerder "
                "van de server; tot dan wordt er niets meer aan {name} uitgeleend.\n\nEen bevestigde "
                "wissing kan niet ongedaan gemaakt worden."
            ).format(name=full_name(borrower), card=borrower.card_number)
        return _(
            "De persoonsgegevens van {name} ({card}) worden gewist: naam, contactgegevens, notities, "
            "handtekeningen en teksten over de uitleningen. Postcode en doelgroep blijven voor de "
            "rapporten.\n\nDit kan niet ongedaan gemaakt worden.\n\nBack-ups van vóór vandaag bevatten "
            "de gegevens nog, tot ze na {days} dagen automatisch verwijderd worden."
        ).format(name=full_name(borrower), card=borrower.card_number, days=self.backup_keep_days)

    def _confirm_erase(self, borrower: Borrower) -> bool:
        """Ask before an erasure; tests replace this to answer without a nested loop."""
        answer = QMessageBox.question(
            self,
            _("Persoonsgegevens wissen"),
            self.erase_question(borrower),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _show_erasure_requests(self) -> None:
        count = len(self.erasures.pending()) if self.erasures is not None else 0
        self.erasures_button.setVisible(count > 0)
        self.erasures_button.setText(_("Aangevraagde wissingen ({count})…").format(count=count))

    def show_erasure_requests(self) -> None:
        if self.erasures is None:
            return
        dialog = ErasureRequestsDialog(self.erasures, allowed=self.erase_allowed, parent=self)
        self._exec(dialog)
        self.table.refresh_current()
        self._show_borrower(self.current_borrower())
        self._show_erasure_requests()
        self.borrowers_changed.emit()

    def _show_retention(self) -> None:
        self._show_erasure_requests()
        if self.privacy is None:
            return
        due = len(self.privacy.retention_due(self.retention_months, self.borrowers.today()))
        self.retention_label.setVisible(due > 0)
        self.retention_button.setVisible(due > 0)
        self.retention_button.setEnabled(self.erase_allowed)
        self.retention_label.setText(
            _(
                "Bewaartermijn: {count} persoon/personen zonder activiteit sinds {months} maanden "
                "(knop Bewaartermijn toepassen, coördinator)."
            ).format(count=due, months=self.retention_months)
        )

    # -- coordinator: merge, subject access, retention ---------------------------------------

    def merge_borrower(self) -> None:
        from ui.dialogs.merge_dialog import MergeDialog

        borrower = self.current_borrower()
        if borrower is None:
            return
        dialog = MergeDialog(self.borrowers, borrower, self)
        self.merge_dialog = dialog  # tests look at it
        if self._exec(dialog) and dialog.merge_result is not None:
            result = dialog.merge_result
            self.table.run_search()
            self.message.show_ok(
                _("{merged} is samengevoegd met {kept}: {count} record(s) verhuisd.").format(
                    merged=result.merged, kept=result.kept, count=result.total
                )
            )
            self.borrowers_changed.emit()

    def export_borrower(self) -> None:
        """Subject access: a JSON file and a readable PDF in a folder the coordinator picks."""
        from pathlib import Path

        borrower = self.current_borrower()
        if borrower is None or self.privacy is None:
            return
        folder = self._ask_folder(borrower.card_number)
        if not folder:
            return
        privacy, card, days = self.privacy, borrower.card_number, self.backup_keep_days
        self.export_operation = run_operation(
            lambda op: privacy.export_data(card, Path(folder), backup_keep_days=days),
            on_success=lambda path: self.message.show_ok(
                _("Gegevens van {card}: {json} en {pdf}").format(
                    card=card, json=path, pdf=path.with_suffix(".pdf")
                )
            ),
            on_failure=self.message.show_error,
            parent=self,
            what="subject access export",
        )

    def apply_retention(self) -> None:
        if self.privacy is None:
            return
        due = self.privacy.retention_due(self.retention_months, self.borrowers.today())
        answer = self._confirm(
            _("Bewaartermijn toepassen"),
            _(
                "{count} persoon/personen zonder activiteit sinds {months} maanden worden geanonimiseerd "
                "(wie nog een toestel in bruikleen heeft niet). Dit kan niet ongedaan gemaakt worden."
            ).format(count=len(due), months=self.retention_months),
        )
        if not answer:
            return
        privacy, months, today = self.privacy, self.retention_months, self.borrowers.today()
        self.retention_operation = run_operation(
            lambda op: privacy.apply_retention(months, today),
            on_success=lambda result: (
                self.message.show_ok(
                    _("{erased} geanonimiseerd; {skipped} overgeslagen (toestel in bruikleen).").format(
                        erased=len(result.erased), skipped=len(result.skipped)
                    )
                ),
                self.refresh(),
            ),
            on_failure=self.message.show_error,
            changes=Changes.of("borrower", "loan", "helpdesk_visit", "waiting_list_entry"),
            parent=self,
            what="retention",
        )

    def _ask_folder(self, card: str) -> str:
        """A folder for the files; tests replace this."""
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getExistingDirectory(self, _("Map voor de gegevens van {card}").format(card=card))

    def _confirm(self, title: str, question: str) -> bool:
        """Yes/Cancel; tests replace this to answer without a nested loop."""
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_reason(self, borrower: Borrower) -> str | None:
        """Ask why; tests replace this to answer without a nested loop."""
        text, ok = QInputDialog.getText(
            self,
            _("Blokkeren"),
            _("Waarom wordt {name} geblokkeerd?").format(name=full_name(borrower)),
        )
        return text if ok else None

    def _exec(self, dialog: QDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def refresh(self) -> None:
        self.table.run_search()
        self._show_retention()


class ErasureRequestsDialog(QDialog):
    """The erasures asked at ordinary counters; a coordinator confirms one here when this
    PC's token has the coordinator scope (else the note says where it can be done)."""

    def __init__(
        self, erasures: ErasureRequests, allowed: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._erasures = erasures
        self.setWindowTitle(_("Aangevraagde wissingen"))
        self.list = QListWidget(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.message = MessageBanner(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.approve_button = buttons.addButton(
            _("&Bevestigen en wissen"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.approve_button.clicked.connect(self.approve)
        self._may = allowed and erasures.erases_at_once()
        if not erasures.erases_at_once():
            self.note.setText(
                _(
                    "Bevestigen kan enkel op een pc met een coördinatorsleutel van de server, of door "
                    "de beheerder van de server ('digibank-server erasure approve')."
                )
            )
        elif not allowed:
            self.note.setText(_("Alleen een coördinator mag dit"))
        self.note.setVisible(bool(self.note.text()))
        layout = QVBoxLayout(self)
        for widget in (self.list, self.note, self.message, buttons):
            layout.addWidget(widget)
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.refresh()
        self.resize(640, 360)

    def refresh(self) -> None:
        self.list.clear()
        for pending in self._erasures.pending():
            reason = f" — {pending.reason}" if pending.reason else ""
            item = QListWidgetItem(f"{pending.subject_code}: {pending.line()}{reason}")
            item.setData(Qt.ItemDataRole.UserRole, pending)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._enable()

    def _enable(self) -> None:
        self.approve_button.setEnabled(self._may and self.list.currentItem() is not None)

    def _confirm(self, pending: PendingErasure) -> bool:
        """Ask before the erasure; tests replace this to answer without a nested loop."""
        answer = QMessageBox.question(
            self,
            _("Persoonsgegevens wissen"),
            _("De gegevens van {code} worden nu gewist. Dit kan niet ongedaan gemaakt worden.").format(
                code=pending.subject_code
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def approve(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        pending: PendingErasure = item.data(Qt.ItemDataRole.UserRole)
        if not self._confirm(pending):
            return
        try:
            self._erasures.approve(pending.id)
        except UserError as exc:
            self.message.show_error(exc.message)
            return
        self.message.show_ok(
            _("Bevestigd: de gegevens van {code} zijn gewist.").format(code=pending.subject_code)
        )
        self.refresh()
