"""Loans ("Uitleningen"): every open loan, filtered, searched and sorted in SQL; open the person
or the device; and the reminders panel (letters to PDF, e-mails, the call list's outcomes).

The view keeps its widgets private. Its public API: `show_late()` (the status bar's TE LAAT
counter), `reload()`, and the signals `open_borrower(id)` / `open_device(id)`, which the main
window connects to the Ontleners and Toestellen tabs.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.formatting import date_be, datetime_be
from app.i18n import _
from app.loans_overview import FILTERS, LoanOverview, LoanRow, deposit_text, filter_names
from app.reminders.mail import store_smtp_password
from app.reminders.service import (
    ReminderService,
    SendReport,
    call_outcome_names,
)
from ui.devices_view import MessageBanner
from ui.operations import Changes, data_bus, run_operation
from ui.table_models import Column, LazyTableModel, SearchableTable
from ui.widgets.detail_pane import DetailPane, table_beside_details

log = logging.getLogger(__name__)

# What a change of these tables means for this view: reload the list.
SHOWN_TABLES = ("loan", "device", "borrower", "location", "reminder_sent", "reminder_call")


def _reminder_cell(row: LoanRow) -> str:
    parts = []
    if row.last_reminder is not None:
        parts.append(_("herinnerd {date}").format(date=date_be(row.last_reminder)))
    if row.last_call:
        parts.append(call_outcome_names().get(row.last_call, row.last_call))
    return " · ".join(parts)


def loan_columns() -> list[tuple[Column, str | None]]:
    """The columns, each with the SQL sort key it sorts by (None: not sortable)."""
    return [
        (Column(lambda: _("Toestel"), lambda r: r.tag), "tag"),
        (Column(lambda: _("Ontlener"), lambda r: r.name), "name"),
        (Column(lambda: _("Kaart"), lambda r: r.card), None),
        (Column(lambda: _("Telefoon"), lambda r: r.phone), None),
        (Column(lambda: _("Uit"), lambda r: date_be(r.out_at)), "out"),
        (Column(lambda: _("Terug tegen"), lambda r: date_be(r.due_date)), "due"),
        (Column(lambda: _("Te laat"), lambda r: str(r.days_late) if r.days_late else ""), "late"),
        (Column(lambda: _("Waarborg"), deposit_text), "deposit"),
        (Column(lambda: _("Locatie"), lambda r: r.location), "location"),
        (Column(lambda: _("Herinnering"), _reminder_cell), "reminder"),
    ]


class LoansView(QWidget):
    open_borrower = Signal(str)  # a borrower's id
    open_device = Signal(str)  # a device's id

    def __init__(
        self,
        overview: LoanOverview,
        reminders: ReminderService,
        letters_dir: Path,
        parent: QWidget | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self._overview = overview
        self._reminders = reminders
        self._letters_dir = letters_dir
        self._settings = settings
        self._sort = ("due", False)
        self._stale = False

        columns = loan_columns()
        self._sort_keys = [key for _column, key in columns]
        self._model = LazyTableModel(overview.rows, [column for column, _key in columns])
        self._filter = QComboBox(self)
        for code in FILTERS:
            self._filter.addItem(filter_names()[code], code)
        self._filter.setAccessibleName(_("Welke uitleningen"))
        self._location = QComboBox(self)
        self._location.setAccessibleName(_("Filter op locatie"))
        self._table = SearchableTable(
            self._model,
            self._search,
            _("Zoek op naam, kaart, telefoon, toestelnummer of model…"),
            self,
        )
        filters = self._table.add_filter_row()  # at 150 % the search field needs the whole row
        filters.addWidget(self._filter)
        filters.addWidget(QLabel(_("Locatie:"), self))
        filters.addWidget(self._location, 1)
        self._filter.currentIndexChanged.connect(lambda _i: self._table.run_search())
        self._location.currentIndexChanged.connect(lambda _i: self._table.run_search())
        self._table.set_column_widths([14, 20, 14, 14, 11, 13, 8, 9, 8, 22])  # a whole tag and card
        header = self._table.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self._sort_keys.index("due"), Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort)
        self._table.selection_changed.connect(self._show_loan)
        self._table.activated.connect(lambda row: row and self.open_borrower.emit(row.borrower_id))

        # -- details and actions ---------------------------------------------------------
        details = DetailPane(self)
        self._detail_title, self._detail_text = details.title, details.text
        self._message = MessageBanner(self)
        self._person_button = QPushButton(_("&Ontlener openen"), self)
        self._person_button.clicked.connect(self._open_person)
        self._device_button = QPushButton(_("&Toestel openen"), self)
        self._device_button.clicked.connect(self._open_device)

        calls = QGroupBox(_("Gebeld over deze uitlening"), self)
        calls_row = QHBoxLayout(calls)
        self._call_buttons: dict[str, QPushButton] = {}
        for code, label in (
            ("reached", _("&Bereikt")),
            ("no-answer", _("&Geen antwoord")),
            ("calls-back", _("Belt &terug")),
        ):
            button = QPushButton(label, calls)
            button.clicked.connect(lambda _checked=False, c=code: self.log_call(c))
            calls_row.addWidget(button)
            self._call_buttons[code] = button
        calls_row.addStretch(1)

        panel = QGroupBox(_("Herinneringen"), self)
        panel_layout = QVBoxLayout(panel)
        self._due_label = QLabel(panel)
        self._due_label.setWordWrap(True)
        self._letters_button = QPushButton(_("&Brieven naar PDF…"), panel)
        self._letters_button.clicked.connect(self.send_letters)
        self._email_button = QPushButton(_("&E-mails versturen"), panel)
        self._email_button.clicked.connect(self.send_emails)
        self._password_button = QPushButton(_("Wachtwoord &mailserver…"), panel)
        self._password_button.setToolTip(_("Het wachtwoord gaat in de sleutelhanger, nooit in een bestand."))
        self._password_button.clicked.connect(self.set_mail_password)
        self._password_button.setVisible(settings is not None)
        self._progress = QProgressBar(panel)
        self._progress.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self._letters_button)
        buttons.addWidget(self._email_button)
        buttons.addWidget(self._password_button)
        buttons.addStretch(1)
        panel_layout.addWidget(self._due_label)
        panel_layout.addLayout(buttons)
        panel_layout.addWidget(self._progress)

        table_beside_details(
            self,
            self._table,
            [details, calls, panel, self._message],
            [self._person_button, self._device_button],
        )
        data_bus().changed.connect(self._on_data_changed)
        self._letters_button.setEnabled(False)
        self._email_button.setEnabled(False)
        self._fill_locations()
        self._show_loan(None)
        self._table.run_search()
        self._update_due()

    # -- public ------------------------------------------------------------------------------

    def show_late(self) -> None:
        """The late loans only (the status bar's TE LAAT counter)."""
        self._table.search_field.clear()
        self._filter.setCurrentIndex(FILTERS.index("late"))
        self._table.run_search()
        self._table.search_field.setFocus()

    def reload(self) -> None:
        self._table.run_search()
        self._update_due()

    def focus_search(self) -> None:
        self._table.search_field.setFocus()

    # -- the list ---------------------------------------------------------------------------

    def _search(self, text: str) -> list[str]:
        key, descending = self._sort
        return self._overview.search_ids(
            text,
            filter=self._filter.currentData() or "open",
            location_id=self._location.currentData() or None,
            sort=key,
            descending=descending,
        )

    def _fill_locations(self) -> None:
        current = self._location.currentData()
        self._location.blockSignals(True)
        self._location.clear()
        self._location.addItem(_("Alle locaties"), "")
        for location_id, name in self._overview.locations():
            self._location.addItem(name, location_id)
        index = self._location.findData(current) if current else 0
        self._location.setCurrentIndex(max(0, index))
        self._location.blockSignals(False)

    def _on_sort(self, column: int, order: Qt.SortOrder) -> None:
        key = self._sort_keys[column] if 0 <= column < len(self._sort_keys) else None
        header = self._table.table.horizontalHeader()
        if key is None:  # not a sortable column: keep the indicator where the order really is
            header.blockSignals(True)
            previous = self._sort_keys.index(self._sort[0])
            header.setSortIndicator(
                previous, Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder
            )
            header.blockSignals(False)
            return
        self._sort = (key, order == Qt.SortOrder.DescendingOrder)
        self._table.run_search()

    def _on_data_changed(self, changes: Changes) -> None:
        if not changes.touches(*SHOWN_TABLES):
            return
        if self.isVisible():
            self._fill_locations()
            self.reload()
        else:
            self._stale = True  # reload when shown: no queries for a tab nobody looks at

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._fill_locations()
            self.reload()

    def _current(self) -> LoanRow | None:
        return self._table.current_record()

    def _show_loan(self, row: LoanRow | None) -> None:
        for button in (self._person_button, self._device_button, *self._call_buttons.values()):
            button.setEnabled(row is not None)
        if row is None:
            self._detail_title.setText(_("Geen uitlening gekozen"))
            self._detail_text.setText(_("Kies een uitlening in de lijst, of zoek op naam of toestelnummer."))
            return
        self._detail_title.setText(_("{tag} — {name}").format(tag=row.tag, name=row.name))
        lines = [
            _("Toestel: {tag} {device}").format(tag=row.tag, device=row.device),
            _("Ontlener: {name} ({card})").format(name=row.name, card=row.card),
            _("Telefoon: {phone}").format(phone=row.phone or "—"),
            _("E-mail: {email}").format(email=row.email or "—"),
            _("Uitgeleend op {out}, terug tegen {due}").format(
                out=date_be(row.out_at), due=date_be(row.due_date)
            ),
        ]
        if row.days_late:
            lines.append(_("TE LAAT: {days} dag(en)").format(days=row.days_late))
        lines.append(_("Waarborg: {deposit}").format(deposit=deposit_text(row)))
        if row.conflict:
            lines.append(_("Let op: {conflict}").format(conflict=row.conflict))
        history = self._reminders.history(row.id)
        if history:
            lines.append("")
            lines.append(_("Herinneringen en telefoontjes:"))
            lines += [f"  {datetime_be(h.when)}  {h.text}" for h in history]
        self._detail_text.setText("\n".join(lines))

    def _open_person(self) -> None:
        row = self._current()
        if row is not None:
            self.open_borrower.emit(row.borrower_id)

    def _open_device(self) -> None:
        row = self._current()
        if row is not None:
            self.open_device.emit(row.device_id)

    # -- calls ---------------------------------------------------------------------------------

    def log_call(self, outcome: str) -> None:
        row = self._current()
        if row is None:
            return
        loan_id = row.id
        run_operation(
            lambda _op: self._reminders.log_call(loan_id, outcome),
            on_success=lambda item: self._message.show_ok(
                _("Telefoontje over {tag} genoteerd: {outcome}.").format(
                    tag=item.tag, outcome=call_outcome_names()[outcome]
                )
            ),
            on_failure=self._message.show_error,
            changes=Changes.of("reminder_call", ids=[loan_id]),
            parent=self,
            what="log call",
        )

    # -- reminders -------------------------------------------------------------------------------

    def _update_due(self) -> None:
        """Count what is due today off the GUI thread (it reads every loan near its date)."""
        run_operation(
            lambda _op: self._reminders.counts(),
            on_success=self._show_due,
            on_failure=lambda message: self._due_label.setText(message),
            parent=self,
            what="reminder counts",
        )

    def _show_due(self, counts: tuple[int, int]) -> None:
        letters, emails = counts
        self._due_label.setText(
            _(
                "Vandaag klaar: {letters} brief/brieven en {emails} e-mail(s) (elke stap gaat maar één keer)."
            ).format(letters=letters, emails=emails)
        )
        self._letters_button.setEnabled(letters > 0)
        self._email_button.setEnabled(emails > 0)

    def _ask_letters_file(self) -> Path | None:
        """Where the letters go; tests replace this."""
        self._letters_dir.mkdir(parents=True, exist_ok=True)
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Brieven bewaren"),
            str(self._letters_dir / _("herinneringen.pdf")),
            _("PDF-bestanden (*.pdf)"),
        )
        return Path(name) if name else None

    def _confirm(self, text: str) -> bool:
        """A yes/no question; tests replace this."""
        answer = QMessageBox.question(self, _("Herinneringen"), text)
        return answer == QMessageBox.StandardButton.Yes

    def _start(self) -> None:
        self._progress.setRange(0, 0)
        self._progress.setVisible(True)
        self._letters_button.setEnabled(False)
        self._email_button.setEnabled(False)

    def _on_progress(self, done: int, total: int, _text: str) -> None:
        self._progress.setRange(0, total)
        self._progress.setValue(done)

    def _done(self) -> None:
        self._progress.setVisible(False)
        self._update_due()

    def send_letters(self) -> None:
        path = self._ask_letters_file()
        if path is None:
            return
        self._start()
        run_operation(
            lambda op: self._reminders.write_letters(path, progress=lambda d, t: op.progress(d, t)),
            on_success=self._on_sent,
            on_failure=self._on_send_failed,
            on_progress=self._on_progress,
            changes=Changes.of("reminder_sent"),
            parent=self,
            what="reminder letters",
        )

    def send_emails(self) -> None:
        if not self._confirm(_("De herinneringen van vandaag per e-mail versturen?")):
            return
        self._start()
        run_operation(
            lambda op: self._reminders.send_emails(progress=lambda d, t: op.progress(d, t)),
            on_success=self._on_sent,
            on_failure=self._on_send_failed,
            on_progress=self._on_progress,
            changes=Changes.of("reminder_sent"),
            parent=self,
            what="reminder e-mails",
        )

    def _ask_password(self) -> str | None:
        """The mail server's password, typed hidden; tests replace this."""
        text, ok = QInputDialog.getText(
            self,
            _("Wachtwoord mailserver"),
            _("Wachtwoord van {user} bij {host}:").format(
                user=self._settings.smtp_user if self._settings else "",
                host=self._settings.smtp_host if self._settings else "",
            ),
            QLineEdit.EchoMode.Password,
        )
        return text if ok and text else None

    def set_mail_password(self) -> None:
        settings = self._settings
        if settings is None:
            return
        password = self._ask_password()
        if password is None:
            return
        run_operation(
            lambda _op: store_smtp_password(settings, password),
            on_success=lambda _r: self._message.show_ok(
                _("Het wachtwoord van {host} staat in de sleutelhanger.").format(host=settings.smtp_host)
            ),
            on_failure=self._message.show_error,
            parent=self,
            what="store smtp password",
        )

    def _on_sent(self, report: SendReport) -> None:
        self._done()
        if report.channel == "letter":
            if report.sent:
                text = _("{count} brief/brieven klaar om af te drukken: {file}").format(
                    count=len(report.sent), file=report.file
                )
            else:
                text = _("Geen nieuwe brieven: elke herinnering van vandaag is al gemaakt.")
        else:
            text = _("{count} e-mail(s) verstuurd.").format(count=len(report.sent))
            if report.refused:
                text += " " + _("Geweigerd door de mailserver: {tags} — stuur een brief of bel.").format(
                    tags=", ".join(i.tag for i in report.refused)
                )
            if report.without_email:
                text += " " + _("{count} zonder e-mailadres: stuur een brief of bel.").format(
                    count=report.without_email
                )
        if report.refused and not report.sent:
            self._message.show_error(text)
        else:
            self._message.show_ok(text)

    def _on_send_failed(self, message: str) -> None:
        self._done()
        self._message.show_error(message)
