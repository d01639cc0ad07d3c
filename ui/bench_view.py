"""The technician's bench: scan a tag, see the device and its specs, record a wipe or
a repair, change the status, import specs files from a USB stick.

Every rule (no *ready* without a passed wipe, codes, money) lives in app.bench and
app.inventory; this view shows their answers.
"""

from __future__ import annotations

import logging
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.bench import BenchService, wipe_method_names, wipe_result_names
from app.borrowers import BorrowerService
from app.errors import UserError
from app.formatting import date_be, datetime_be, euro
from app.i18n import _
from app.inventory import DeviceService, kind_names, status_name, status_names
from app.specs import specs_lines
from app.waiting_list import WaitingListService
from db.models import DEVICE_STATUSES, WIPE_METHODS, Device, Location
from ui.operations import Changes, OpControl, data_bus, reload_on_change, run_operation
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)


class BenchView(QWidget):
    """Constructor: `BenchView(devices: DeviceService, bench: BenchService,
    waiting: WaitingListService | None = None, parent=None)`."""

    def __init__(
        self,
        devices: DeviceService,
        bench: BenchService,
        waiting: WaitingListService | None = None,
        parent: QWidget | None = None,
        *,
        borrowers: BorrowerService | None = None,
        location: Callable[[], Location | None] = lambda: None,
        documents_dir: Path | None = None,
        open_files: bool = True,
    ) -> None:
        super().__init__(parent)
        self.devices = devices
        self.bench = bench
        self.waiting = waiting
        self.device: Device | None = None
        # For a give-away's handover form: the receiver and the digibank's name on the paper.
        self.borrowers = borrowers
        self.location = location
        self.documents_dir = documents_dir or Path(tempfile.gettempdir())
        self.open_files = open_files
        self._log_text = ""
        # Asks the technician whether the disk named in an nwipe log is this device's, when its
        # specs cannot tell (replaceable in tests).
        self.confirm_disk: Callable[[str], bool] = self._ask_disk

        root = QVBoxLayout(self)
        top = QHBoxLayout()
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(_("Scan het inventarisnummer van het toestel en druk Enter"))
        self.scan_field.scanned.connect(self.show_tag)
        self.import_button = QPushButton(_("Specs &inlezen (USB-stick)…"))
        self.import_button.clicked.connect(self._choose_specs_folder)
        top.addWidget(self.scan_field, 1)
        top.addWidget(self.import_button)
        root.addLayout(top)

        self.message = QLabel()
        # No word wrap (a wrapped label gets squeezed by the layouts around it): the text
        # has its own line breaks, and an ignored width keeps long lines from widening the view.
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        root.addWidget(self.message)

        grid = QGridLayout()
        root.addLayout(grid, 1)

        # -- the device -----------------------------------------------------------------
        device_box = QGroupBox(_("Toestel"))
        device_layout = QVBoxLayout(device_box)
        self.device_title = QLabel(_("Nog geen toestel gescand."))
        _enlarge(self.device_title, 1.3)
        self.device_title.setWordWrap(True)
        self.device_status = QLabel()
        # At least as tall as its lines (the wipe-gate reason adds some), never widening the view.
        self.device_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.specs_label = QLabel()
        self.specs_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.specs_label.setTextFormat(Qt.TextFormat.PlainText)
        device_layout.addWidget(self.device_title)
        device_layout.addWidget(self.device_status)
        device_layout.addWidget(self.specs_label)
        status_row = QHBoxLayout()
        self.status_combo = QComboBox()
        names = status_names()
        for code in DEVICE_STATUSES:
            if code != "on-loan":  # lending goes through the counter
                self.status_combo.addItem(names[code], code)
        self.status_button = QPushButton(_("Status &wijzigen"))
        self.status_button.clicked.connect(self.apply_status)
        status_row.addWidget(QLabel(_("Nieuwe status:")))
        status_row.addWidget(self.status_combo, 1)
        status_row.addWidget(self.status_button)
        device_layout.addLayout(status_row)
        self.give_button = QPushButton(_("&Weggeven aan een persoon…"))
        self.give_button.clicked.connect(self.give_away)
        device_layout.addWidget(self.give_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.give_button.setVisible(borrowers is not None)
        device_layout.addStretch(1)
        grid.addWidget(device_box, 0, 0, 2, 1)

        # -- history -------------------------------------------------------------------------
        history = QGroupBox(_("Wissingen en herstellingen"))
        history_layout = QVBoxLayout(history)
        self.history = QListWidget()
        history_layout.addWidget(self.history)
        grid.addWidget(history, 2, 0)

        # -- wipe form --------------------------------------------------------------------------
        wipe_box = QGroupBox(_("Gegevenswissing registreren"))
        wipe_form = QFormLayout(wipe_box)
        self.method = QComboBox()
        methods = wipe_method_names()
        for code in WIPE_METHODS:
            self.method.addItem(methods[code], code)
        self.method.setCurrentIndex(WIPE_METHODS.index("nwipe"))
        self.result = QComboBox()
        for code, name in wipe_result_names().items():
            self.result.addItem(name, code)
        self.technician = QLineEdit()
        self.verified_by = QLineEdit()
        self.tool = QLineEdit()
        self.tool.setPlaceholderText(_("bv. nwipe 0.34"))
        log_row = QHBoxLayout()
        self.log_label = QLabel(_("geen logboek"))
        self.log_button = QPushButton(_("nwipe-&logboek…"))
        self.log_button.clicked.connect(self._choose_log)
        log_row.addWidget(self.log_label, 1)
        log_row.addWidget(self.log_button)
        self.wipe_button = QPushButton(_("Wissing &opslaan"))
        self.wipe_button.clicked.connect(self.save_wipe)
        wipe_form.addRow(_("Methode"), self.method)
        wipe_form.addRow(_("Resultaat"), self.result)
        wipe_form.addRow(_("Technicus"), self.technician)
        wipe_form.addRow(_("Nagekeken door"), self.verified_by)
        wipe_form.addRow(_("Programma"), self.tool)
        wipe_form.addRow(_("Logboek"), log_row)
        wipe_form.addRow(self.wipe_button)
        grid.addWidget(wipe_box, 0, 1)

        # -- repair form ----------------------------------------------------------------------
        repair_box = QGroupBox(_("Herstelling registreren"))
        repair_form = QFormLayout(repair_box)
        self.action = QLineEdit()
        self.action.setPlaceholderText(_("bv. nieuwe batterij"))
        self.parts = QLineEdit()
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("0,00")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setSuffix(" min")
        self.repair_button = QPushButton(_("Herstelling o&pslaan"))
        self.repair_button.clicked.connect(self.save_repair)
        repair_form.addRow(_("Wat"), self.action)
        repair_form.addRow(_("Onderdelen"), self.parts)
        repair_form.addRow(_("Kosten (€)"), self.cost)
        repair_form.addRow(_("Tijd"), self.minutes)
        repair_form.addRow(self.repair_button)
        grid.addWidget(repair_box, 1, 1, 2, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        self._set_enabled(False)
        reload_on_change(self, ("device", "data_wipe", "repair"), self.refresh)

    # -- showing a device -------------------------------------------------------------------

    def _set_enabled(self, on: bool) -> None:
        for w in (
            self.status_button,
            self.wipe_button,
            self.repair_button,
            self.log_button,
            self.give_button,
        ):
            w.setEnabled(on)

    # -- end of life: give away -------------------------------------------------------------

    def give_away(self) -> None:
        """Give the (ready, wiped) device to a person for good, with a handover form."""
        if self.device is None or self.borrowers is None:
            return
        card = self.ask_card(self.device.asset_tag)
        if not card:
            return
        bench, borrowers, tag = self.bench, self.borrowers, self.device.asset_tag
        location = self.location()
        out = self.documents_dir / f"overdracht-{tag}.pdf"

        def work(op: OpControl) -> Path:
            from app.printing.certificates import render_handover_form

            device = bench.give_away(tag, card)
            out.parent.mkdir(parents=True, exist_ok=True)
            render_handover_form(device, borrowers.get(card), location, out)
            return out

        def done(path: Path) -> None:
            self.refresh()
            self._say(
                _("{tag} is weggeschonken aan {card}. Overdrachtsformulier: {file}").format(
                    tag=tag, card=card.strip().upper(), file=path
                ),
                ok=True,
            )
            if self.open_files:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        self.give_operation = run_operation(
            work,
            on_success=done,
            on_failure=lambda message: self._say(message, ok=False),
            changes=Changes.of("device", ids=[self.device.id]),
            parent=self,
            what="give away",
        )

    def ask_card(self, tag: str) -> str:
        """The receiver's card; tests replace this."""
        text, ok = QInputDialog.getText(
            self,
            _("Weggeven"),
            _(
                "{tag} voorgoed weggeven (het toestel moet klaar en gewist zijn). Kaart van de ontvanger:"
            ).format(tag=tag),
        )
        return text.strip() if ok else ""

    def show_tag(self, tag: str) -> bool:
        try:
            self.device = self.devices.get(tag)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        self._log_text = ""
        self.log_label.setText(_("geen logboek"))
        self.refresh()
        self._say(_("{tag} geladen.").format(tag=self.device.asset_tag), ok=True)
        return True

    def refresh(self) -> None:
        if self.device is None:
            return
        d = self.devices.get(self.device.asset_tag)
        self.device = d
        self._set_enabled(True)
        self.device_title.setText(f"{d.asset_tag} — {kind_names().get(d.kind, d.kind)} {d.brand} {d.model}")
        status_text = _("Status: {status} · serienummer {serial} · binnen sinds {date}").format(
            status=status_name(d.status), serial=d.serial or "—", date=date_be(d.intake_date)
        )
        gate = self.devices.wipe_gate(d.asset_tag) if d.status in ("wiping", "repair", "ready") else ""
        if gate:
            # One sentence a line: a word-wrapped label gets squeezed by the layouts around it.
            status_text += "\n⚠ " + gate.replace(". ", ".\n")
        self.device_status.setText(status_text)
        rows = specs_lines(d.specs or {})
        if rows:
            self.specs_label.setText("\n".join(f"{label}: {value}" for label, value in rows))
        else:
            self.specs_label.setText(_("Nog geen hardwaregegevens: lees het lshw-bestand in."))
        index = self.status_combo.findData(d.status)
        if index >= 0:
            self.status_combo.setCurrentIndex(index)
        self.history.clear()
        methods, results = wipe_method_names(), wipe_result_names()
        for w in self.bench.wipes(d.asset_tag):
            when = datetime_be(w.ended_at or w.started_at) or "—"
            who = f", {w.technician}" if w.technician else ""
            self.history.addItem(
                _("Wissing {when}: {method} — {result}{who}").format(
                    when=when,
                    method=methods.get(w.method, w.method),
                    result=results.get(w.result, w.result),
                    who=who,
                )
            )
        for r in self.bench.repairs(d.asset_tag):
            self.history.addItem(
                _("Herstelling {date}: {action} — {cost}, {minutes} min.").format(
                    date=date_be(r.done_on), action=r.action, cost=euro(r.cost_cents), minutes=r.minutes
                )
            )

    # -- actions -----------------------------------------------------------------------------

    def save_wipe(self) -> bool:
        if self.device is None:
            return False
        tag = self.device.asset_tag
        confirmed = False
        try:
            if self._log_text:
                match = self.bench.check_log(tag, self._log_text)
                if match.needs_confirmation:
                    if not self.confirm_disk(match.question):
                        self._say(_("Niet opgeslagen: de schijf in het logboek is niet bevestigd."), ok=False)
                        return False
                    confirmed = True
            wipe = self.bench.record_wipe(
                tag,
                method=self.method.currentData(),
                result=None if self._log_text else self.result.currentData(),
                technician=self.technician.text(),
                verified_by=self.verified_by.text(),
                tool=self.tool.text(),
                log_text=self._log_text,
                disk_confirmed=confirmed,
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        self._log_text = ""
        self.log_label.setText(_("geen logboek"))
        data_bus().announce(Changes.of("data_wipe", "device"))
        self.refresh()
        text = _("Wissing opgeslagen voor {tag}: {result}.").format(
            tag=tag, result=wipe_result_names().get(wipe.result, wipe.result)
        )
        if wipe.result == "passed" and self.device is not None and self.device.status == "wiping":
            # The next step is usually *ready*: offer it, the technician still decides.
            self.status_combo.setCurrentIndex(self.status_combo.findData("ready"))
            text += " " + _("Kies 'klaar om uit te lenen' en Status wijzigen als het verder in orde is.")
        self._say(text, ok=True)
        self.scan_field.setFocus()
        return True

    def _ask_disk(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            _("Schijf bevestigen"),
            question + "\n\n" + _("Kijk het serienummer op de schijf of in het BIOS na voor u bevestigt."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save_repair(self) -> bool:
        if self.device is None:
            return False
        try:
            self.bench.record_repair(
                self.device.asset_tag,
                self.action.text(),
                parts=self.parts.text(),
                cost=self.cost.text(),
                minutes=self.minutes.value(),
                technician=self.technician.text(),
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        for w in (self.action, self.parts, self.cost):
            w.clear()
        self.minutes.setValue(0)
        data_bus().announce(Changes.of("repair", "device"))
        self.refresh()
        self._say(_("Herstelling opgeslagen voor {tag}.").format(tag=self.device.asset_tag), ok=True)
        self.scan_field.setFocus()
        return True

    def apply_status(self) -> bool:
        if self.device is None:
            return False
        try:
            self.devices.set_status(self.device.asset_tag, self.status_combo.currentData())
        except UserError as exc:
            self._say(exc.message, ok=False)
            self.refresh()
            return False
        data_bus().announce(Changes.of("device"))
        self.refresh()
        text = _("{tag} heeft nu status '{status}'.").format(
            tag=self.device.asset_tag, status=status_name(self.device.status)
        )
        if self.device.status == "ready" and self.waiting is not None:
            # Someone may be waiting for exactly this kind of device.
            nxt = self.waiting.next(self.device.kind)
            if nxt is not None:
                text += "\n" + _("Eerste op de wachtlijst: {name} ({card}).").format(
                    name=f"{nxt.borrower.first_name} {nxt.borrower.last_name}", card=nxt.borrower.card_number
                )
        self._say(text, ok=True)
        self.scan_field.setFocus()
        return True

    def load_log(self, path: Path) -> None:
        try:
            self._log_text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self._say(_("Kan het logboek niet lezen: {error}").format(error=exc), ok=False)
            return
        self.log_label.setText(Path(path).name)
        self.method.setCurrentIndex(WIPE_METHODS.index("nwipe"))

    def import_specs(self, path: Path) -> None:
        try:
            report = self.bench.import_specs(path)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return
        lines = [f"{'✔' if f.ok else '⚠'} {f.path.name}: {f.message}" for f in report.files] or [
            _("Geen .json- of .txt-bestanden gevonden.")
        ]
        summary = _("{ok} ingelezen, {failed} mislukt.").format(
            ok=len(report.imported), failed=len(report.failed)
        )
        self._say(summary + "\n" + "\n".join(lines), ok=not report.failed)
        if report.imported:
            data_bus().announce(Changes.of("device"))
        self.refresh()

    def _choose_log(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("nwipe-logboek kiezen"), "", _("Logboeken (*.log *.txt)")
        )
        if name:
            self.load_log(Path(name))

    def _choose_specs_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Map met lshw-bestanden kiezen"))
        if folder:
            self.import_specs(Path(folder))

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color:#1b5e20;" if ok else "color:#9b1c1c; font-weight:bold;")
        # Long refusals (a log of another disk names both disks) get their own line breaks.
        lines = [textwrap.fill(line, 120) if line else line for line in text.split("\n")]
        self.message.setText(("✔ " if ok else "⚠ ") + "\n".join(lines))


def _enlarge(widget: QWidget, factor: float) -> None:
    """Bold and bigger relative to the user's font, so it scales with a 150% system font."""
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    widget.setFont(font)
