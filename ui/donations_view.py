"""Donation intake wizard: first the donor, then a fast grid — scan or type serials
(kind, brand and model stay filled in for the next one) — and on finish all devices
are booked in one transaction and their labels printed in one go."""

from __future__ import annotations

import logging
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.donations import DONOR_KINDS, DonationService, IntakeItem, donor_kind_names
from app.duplicates import DuplicateSerial
from app.errors import UserError, os_error_message
from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names
from db.models import DEVICE_KINDS, Donation
from ui.operations import Changes, data_bus, reload_on_change
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)

COLUMNS = ("serial", "kind", "brand", "model")


class DonationsView(QWidget):
    """Constructor: `DonationsView(donations: DonationService, printer: PrintService | None = None,
    labels_dir: Path | None = None, label_layout: str | None = None, open_labels: bool = True,
    parent: QWidget | None = None)` — `printer` is an `app.printing.service.PrintService`."""

    def __init__(
        self,
        donations: DonationService,
        printer: Any | None = None,
        labels_dir: Path | None = None,
        label_layout: str | None = None,
        open_labels: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.donations = donations
        self.printer = printer
        self.labels_dir = Path(labels_dir) if labels_dir else Path(tempfile.gettempdir())
        self.label_layout = label_layout
        self.open_labels = open_labels
        self.donation: Donation | None = None
        self.last_labels: Path | None = None

        root = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(QLabel(_("Recente schenkingen")))
        self.recent = QListWidget()
        self.recent.setWordWrap(True)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.addWidget(self.recent, 1)
        self.certificate_button = QPushButton(_("&Wisattest voor de schenker (PDF)"))
        self.certificate_button.clicked.connect(self.certificate_for_selected)
        left.addWidget(self.certificate_button)
        # The same choice as `donation certificate … --draft`: an attest only when every device
        # is wiped; before that, only an overview that says so.
        self.draft_button = QPushButton(_("&Voorlopig overzicht (nog niet gewist)"))
        self.draft_button.clicked.connect(lambda: self.certificate_for_selected(draft=True))
        left.addWidget(self.draft_button)
        root.addLayout(left, 2)

        right = QVBoxLayout()
        self.message = QLabel()
        # No word wrap (a wrapped label gets squeezed by the layouts around it): the text
        # has its own line breaks, and an ignored width keeps long lines from widening the view.
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.pages = QStackedWidget()
        right.addWidget(self.pages, 1)
        right.addWidget(self.message)
        root.addLayout(right, 5)

        # -- step 1: donor ----------------------------------------------------------------
        donor_page = QGroupBox(_("Stap 1 — Wie schenkt?"))
        form = QFormLayout(donor_page)
        self.donor = QLineEdit()
        self.donor.setPlaceholderText(_("bv. Bakkerij Dewitte bv"))
        self.contact = QLineEdit()
        self.contact.setPlaceholderText(_("contactpersoon, telefoon of e-mail"))
        self.donor_kind = QComboBox()
        for code in DONOR_KINDS:
            self.donor_kind.addItem(donor_kind_names()[code], code)
        self.donor_kind.setCurrentIndex(DONOR_KINDS.index("organisation"))
        self.notes = QLineEdit()
        self.start_button = QPushButton(_("Volgende: toestellen inboeken"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_donation)
        self.donor.returnPressed.connect(self.start_donation)
        form.addRow(_("Schenker"), self.donor)
        form.addRow(_("Contact"), self.contact)
        form.addRow(_("Soort"), self.donor_kind)
        form.addRow(_("Opmerking"), self.notes)
        form.addRow(self.start_button)
        self.pages.addWidget(donor_page)

        # -- step 2: the grid --------------------------------------------------------------
        grid_page = QGroupBox(_("Stap 2 — Toestellen: scan of typ het serienummer en druk Enter"))
        grid_box = QVBoxLayout(grid_page)
        self.donation_label = QLabel()
        self.donation_label.setStyleSheet("font-weight:bold;")
        grid_box.addWidget(self.donation_label)
        defaults = QHBoxLayout()
        self.kind = QComboBox()
        for code in DEVICE_KINDS:
            self.kind.addItem(kind_names()[code], code)
        self.brand = QLineEdit()
        self.brand.setPlaceholderText(_("merk"))
        self.model = QLineEdit()
        self.model.setPlaceholderText(_("model"))
        defaults.addWidget(QLabel(_("Soort")))
        defaults.addWidget(self.kind)
        defaults.addWidget(QLabel(_("Merk")))
        defaults.addWidget(self.brand, 1)
        defaults.addWidget(QLabel(_("Model")))
        defaults.addWidget(self.model, 1)
        grid_box.addLayout(defaults)
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(
            _("Serienummer scannen of typen + Enter (leeg laten kan met Ctrl+N)")
        )
        self.scan_field.scanned.connect(self.add_serial)
        grid_box.addWidget(self.scan_field)
        no_serial = QShortcut(QKeySequence("Ctrl+N"), self)
        no_serial.activated.connect(lambda: self.add_row(""))

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_("Serienummer"), _("Soort"), _("Merk"), _("Model")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        grid_box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.remove_button = QPushButton(_("Regel &verwijderen"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.cancel_button = QPushButton(_("Annuleren"))
        self.cancel_button.clicked.connect(self.reset)
        self.finish_button = QPushButton(_("&Klaar: inboeken en etiketten afdrukken"))
        self.finish_button.clicked.connect(self.finish)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.finish_button)
        grid_box.addLayout(buttons)
        self.pages.addWidget(grid_page)

        self.refresh_recent()
        reload_on_change(self, ("donation",), self.refresh_recent)

    # -- step 1 ------------------------------------------------------------------------------

    def start_donation(self) -> bool:
        try:
            self.donation = self.donations.add(
                self.donor.text(),
                contact=self.contact.text(),
                kind=self.donor_kind.currentData(),
                notes=self.notes.text(),
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        data_bus().announce(Changes.of("donation"))
        self.donation_label.setText(
            _("Schenking {number} van {donor} ({date})").format(
                number=self.donation.number,
                donor=self.donation.donor_name,
                date=date_be(self.donation.received_on),
            )
        )
        self.table.setRowCount(0)
        self.pages.setCurrentIndex(1)
        self._say(
            _("Schenking {number} aangemaakt. Scan nu de serienummers.").format(number=self.donation.number),
            ok=True,
        )
        self.refresh_recent()
        if self.brand.text():
            self.scan_field.setFocus()
        else:
            self.brand.setFocus()
        return True

    # -- step 2 --------------------------------------------------------------------------------

    def add_serial(self, serial: str) -> None:
        serial = serial.strip()
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if serial and item is not None and item.text().strip().upper() == serial.upper():
                self._say(
                    _("Serienummer {serial} staat al in de lijst (regel {row}).").format(
                        serial=serial, row=r + 1
                    ),
                    ok=False,
                )
                self.table.selectRow(r)
                return
        self.add_row(serial)

    def add_row(self, serial: str) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        values = [serial, self.kind.currentData(), self.brand.text().strip(), self.model.text().strip()]
        for c, value in enumerate(values):
            item = QTableWidgetItem(kind_names().get(value, value) if c == 1 else value)
            if c == 1:
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(r, c, item)
        self.table.scrollToBottom()
        self._say(_("{n} toestel(len) in de lijst.").format(n=self.table.rowCount()), ok=True)
        self.scan_field.setFocus()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        self.scan_field.setFocus()

    def items(self) -> list[IntakeItem]:
        result = []
        for r in range(self.table.rowCount()):

            def text(c: int, r: int = r) -> str:
                item = self.table.item(r, c)
                return item.text().strip() if item is not None else ""

            kind_item = self.table.item(r, 1)
            kind = kind_item.data(Qt.ItemDataRole.UserRole) if kind_item is not None else "laptop"
            result.append(IntakeItem(kind=kind, brand=text(2), model=text(3), serial=text(0)))
        return result

    def finish(self) -> bool:
        if self.donation is None:
            return False
        try:
            try:
                devices = self.donations.intake(self.donation.number, self.items())
            except DuplicateSerial as exc:
                # Warned before saving: booked in before, or a second label on purpose?
                self._say(exc.message, ok=False)
                if not self.confirm_duplicate(exc):
                    return False
                devices = self.donations.intake(self.donation.number, self.items(), duplicate_ok=True)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        data_bus().announce(Changes.of("donation", "device", "data_wipe"))
        tags = [d.asset_tag for d in devices]
        number = self.donation.number
        printed = self.print_labels(tags, self.labels_dir / f"etiketten-{number}.pdf")
        text = _("{n} toestellen ingeboekt in {number}: {first} … {last}.").format(
            n=len(tags), number=number, first=tags[0], last=tags[-1]
        )
        failure = self.message.text().lstrip("⚠ ") if printed is None else ""
        self.reset()
        if printed is None:
            # The devices are in, the labels are not: say both, never in green.
            self._say(
                text
                + "\n"
                + failure
                + "\n"
                + _("Druk ze opnieuw af: kies de toestellen in Toestellen, dan Afdrukken → Etiketten."),
                ok=False,
            )
        else:
            self._say(text + " " + _("Etiketten: {file}").format(file=printed), ok=True)
        return True

    def confirm_duplicate(self, exc: DuplicateSerial) -> bool:
        """Ask whether to book them in anyway; tests replace this."""
        answer = QMessageBox.question(
            self,
            _("Is dit hetzelfde toestel?"),
            exc.message + "\n\n" + _("Toch inboeken?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def print_labels(self, tags: list[str], out: Path) -> Path | None:
        """All labels of this intake in one PDF, through the printing module."""
        try:
            # A fresh install has no labels folder yet.
            out.parent.mkdir(parents=True, exist_ok=True)
            printer = self.printer
            if printer is None:
                from app.printing.service import PrintService

                printer = PrintService(self.donations.session_factory)
            printer.labels_for_tags(tags, self.label_layout, out)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return None
        except (ImportError, OSError) as exc:
            log.exception("labels for %s failed", tags)
            self._say(_("De etiketten konden niet gemaakt worden: {error}").format(error=exc), ok=False)
            return None
        self.last_labels = out
        if self.open_labels:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        return out

    def certificate_for_selected(self, draft: bool = False) -> Path | None:
        """The data-wipe certificate of the selected donation, for the donor's GDPR records;
        refused while a device is not wiped (`draft`: the provisional overview instead)."""
        from app.printing.certificates import render_wipe_certificate

        item = self.recent.currentItem()
        if item is None:
            self._say(_("Kies eerst een schenking in de lijst."), ok=False)
            return None
        number = item.data(Qt.ItemDataRole.UserRole)
        try:
            data = self.donations.certificate_data(number)
            name = "wisattest" if data.all_wiped else "voorlopig-overzicht"
            out = self.labels_dir / f"{name}-{number}.pdf"
            out.parent.mkdir(parents=True, exist_ok=True)  # a fresh install has no folder yet
            render_wipe_certificate(data, out, draft=draft)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return None
        except OSError as exc:
            log.warning("certificate for %s failed: %s", number, exc)
            self._say(os_error_message(exc), ok=False)
            return None
        if data.all_wiped:
            self._say(_("Wisattest: {file}").format(file=out), ok=True)
        else:
            self._say(_("Voorlopig overzicht (geen attest): {file}").format(file=out), ok=True)
        if self.open_labels:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        return out

    def reset(self) -> None:
        self.donation = None
        self.table.setRowCount(0)
        for w in (self.donor, self.contact, self.notes):
            w.clear()
        self.pages.setCurrentIndex(0)
        self.refresh_recent()
        self.donor.setFocus()

    def refresh_recent(self) -> None:
        self.recent.clear()
        for d in self.donations.list(limit=50):
            item = QListWidgetItem(
                _("{number} · {date} · {donor} · {n} toestellen").format(
                    number=d.number, date=date_be(d.received_on), donor=d.donor_name, n=d.item_count
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, d.number)
            self.recent.addItem(item)

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color:#1b5e20;" if ok else "color:#9b1c1c; font-weight:bold;")
        # Long refusals (which devices are not wiped yet) get their own line breaks.
        lines = [textwrap.fill(line, 90) if line else line for line in text.split("\n")]
        self.message.setText(("✔ " if ok else "⚠ ") + "\n".join(lines))
