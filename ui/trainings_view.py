"""Trainings: the sessions, a new-session form, and per session the registrations with
attendance — by scanning member cards (code + Enter, like the counter), or by ticking
names — and the walk-in counter.

Scans are handled one at a time in the order typed; a scan that arrives while another
is being handled waits in a queue, so none is lost or counted twice. The service
makes a double scan of one card a single attendance anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.formatting import datetime_be
from app.i18n import _
from app.trainings import RegistrationRow, SessionSummary, TrainingService, registration_state_names
from app.validation import max_length
from db.models import Location
from ui.operations import Changes, OpControl, data_bus, reload_on_change, run_operation
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)

MODE_ATTEND = "attend"
MODE_REGISTER = "register"


class TrainingsView(QWidget):
    """Constructor: `TrainingsView(trainings: TrainingService, parent: QWidget | None = None)`."""

    def __init__(
        self,
        trainings: TrainingService,
        parent: QWidget | None = None,
        *,
        location: Callable[[], Location | None] = lambda: None,
        documents_dir: Path | None = None,
        open_files: bool = True,
    ) -> None:
        super().__init__(parent)
        self.trainings = trainings
        # For the attendance list and attestations (the digibank's name on the paper).
        self.location = location
        self.documents_dir = documents_dir or Path(tempfile.gettempdir())
        self.open_files = open_files
        self.last_document: Path | None = None
        self._sessions: list[SessionSummary] = []
        self._rows: list[RegistrationRow] = []
        self._current: str | None = None
        self._pending: deque[str] = deque()
        self._busy = False
        self._filling = False
        self.processed = 0

        root = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(splitter)

        # -- left: sessions and the new-session form --------------------------------------
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.addWidget(QLabel(_("Sessies")))
        self.sessions_table = QTableWidget(0, 5)
        self.sessions_table.setHorizontalHeaderLabels(
            [_("Nummer"), _("Datum"), _("Titel"), _("Ingeschr."), _("Aanw.")]
        )
        self._table_defaults(self.sessions_table)
        # The title takes the free width; the numbers keep theirs, so nothing is cut off.
        self.sessions_table.horizontalHeader().setStretchLastSection(False)
        self.sessions_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.sessions_table.itemSelectionChanged.connect(self._on_session_selected)
        left_box.addWidget(self.sessions_table, 1)

        form_box = QGroupBox(_("Nieuwe sessie"))
        form = QFormLayout(form_box)
        self.title_edit = QLineEdit()
        self.start_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.start_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.start_edit.setCalendarPopup(True)
        self.capacity_edit = QSpinBox()
        self.capacity_edit.setRange(1, 200)
        self.capacity_edit.setValue(12)
        self.series_edit = QLineEdit()
        self.series_edit.setPlaceholderText(_("bv. Basis laptop (leeg = losse sessie)"))
        part_row = QHBoxLayout()
        self.part_edit = QSpinBox()
        self.part_edit.setRange(0, 50)
        self.of_edit = QSpinBox()
        self.of_edit.setRange(0, 50)
        part_row.addWidget(self.part_edit)
        part_row.addWidget(QLabel(_("van")))
        part_row.addWidget(self.of_edit)
        self.trainer_edit = QLineEdit()
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText(_("bv. bibliotheek, of de bus"))
        for edit, name in (
            (self.title_edit, "title"),
            (self.series_edit, "series"),
            (self.trainer_edit, "trainer"),
            (self.place_edit, "place"),
        ):
            edit.setMaxLength(max_length("training_session", name))  # the field rules' limits
        form.addRow(_("Titel"), self.title_edit)
        form.addRow(_("Begin"), self.start_edit)
        form.addRow(_("Capaciteit"), self.capacity_edit)
        form.addRow(_("Reeks"), self.series_edit)
        form.addRow(_("Deel"), part_row)
        form.addRow(_("Lesgever"), self.trainer_edit)
        form.addRow(_("Plaats"), self.place_edit)
        self.add_button = QPushButton(_("Sessie &toevoegen"))
        self.add_button.clicked.connect(self.add_session)
        form.addRow(self.add_button)
        left_box.addWidget(form_box)
        splitter.addWidget(left)

        # -- right: the selected session ------------------------------------------------------
        right = QWidget()
        right_box = QVBoxLayout(right)
        self.session_title = QLabel(_("Kies een sessie links."))
        _enlarge(self.session_title, 1.3)
        self.session_title.setWordWrap(True)
        self.session_details = QLabel()
        self.session_details.setWordWrap(True)
        self.session_counts = QLabel()
        self.session_counts.setWordWrap(True)
        right_box.addWidget(self.session_title)
        right_box.addWidget(self.session_details)
        right_box.addWidget(self.session_counts)

        scan_row = QHBoxLayout()
        self.mode = QComboBox()
        self.mode.addItem(_("Scannen = aanwezig"), MODE_ATTEND)
        self.mode.addItem(_("Scannen = inschrijven"), MODE_REGISTER)
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(_("Scan een ledenkaart en druk Enter"))
        self.scan_field.scanned.connect(self._on_scanned)
        scan_row.addWidget(self.mode)
        scan_row.addWidget(self.scan_field, 1)
        right_box.addLayout(scan_row)

        self.message = QLabel()
        # No word wrap (a wrapped label gets squeezed by the layouts around it): the text
        # has its own line breaks, and an ignored width keeps long lines from widening the view.
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        right_box.addWidget(self.message)

        self.people_table = QTableWidget(0, 4)
        self.people_table.setHorizontalHeaderLabels([_("Aanwezig"), _("Naam"), _("Kaart"), _("Inschrijving")])
        self._table_defaults(self.people_table)
        self.people_table.itemChanged.connect(self._on_item_changed)
        right_box.addWidget(self.people_table, 1)

        walk = QHBoxLayout()
        walk.addWidget(QLabel(_("Vrije deelnemers zonder kaart:")))
        self.walk_in_label = QLabel("0")
        _enlarge(self.walk_in_label, 1.5)
        self.walk_in_minus = QPushButton("−1")
        self.walk_in_plus = QPushButton(_("+1 vrije deelnemer"))
        self.walk_in_minus.clicked.connect(lambda: self.add_walk_ins(-1))
        self.walk_in_plus.clicked.connect(lambda: self.add_walk_ins(1))
        walk.addWidget(self.walk_in_label)
        walk.addWidget(self.walk_in_minus)
        walk.addWidget(self.walk_in_plus)
        walk.addStretch(1)
        right_box.addLayout(walk)
        papers = QHBoxLayout()
        self.list_button = QPushButton(_("Aanwezigheids&lijst (PDF)"))
        self.list_button.clicked.connect(self.print_attendance_list)
        self.attestation_button = QPushButton(_("Attest voor de gekozen &deelnemer (PDF)"))
        self.attestation_button.clicked.connect(self.print_attestation)
        papers.addWidget(self.list_button)
        papers.addWidget(self.attestation_button)
        papers.addStretch(1)
        right_box.addLayout(papers)
        splitter.addWidget(right)
        splitter.setSizes([420, 620])

        self.refresh_sessions()
        reload_on_change(
            self,
            ("training_session", "registration", "attendance", "borrower"),
            lambda: self.refresh_session() if self._current else self.refresh_sessions(),
        )

    @staticmethod
    def _table_defaults(table: QTableWidget) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    # -- sessions ---------------------------------------------------------------------------

    def refresh_sessions(self) -> None:
        self._sessions = self.trainings.list()
        self.sessions_table.blockSignals(True)
        self.sessions_table.setRowCount(len(self._sessions))
        select_row = -1
        for r, s in enumerate(self._sessions):
            t = s.session
            values = [
                s.short,
                datetime_be(t.starts_at),
                t.title,
                f"{s.registered}/{t.capacity}" + (f" (+{s.waiting})" if s.waiting else ""),
                str(s.present),
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.sessions_table.setItem(r, c, item)
            if t.id == self._current:
                select_row = r
        if select_row >= 0:
            self.sessions_table.selectRow(select_row)
        self.sessions_table.blockSignals(False)

    def select_session(self, session_id: str) -> None:
        for r, s in enumerate(self._sessions):
            if s.session.id == session_id:
                self.sessions_table.selectRow(r)
                return

    def _on_session_selected(self) -> None:
        rows = self.sessions_table.selectionModel().selectedRows()
        if not rows:
            return
        self._current = self._sessions[rows[0].row()].session.id
        self.refresh_session()
        self.scan_field.setFocus()

    def add_session(self) -> bool:
        start = self.start_edit.dateTime().toPython()
        try:
            training = self.trainings.add(
                self.title_edit.text(),
                start.replace(second=0, microsecond=0) if isinstance(start, dt.datetime) else start,
                capacity=self.capacity_edit.value(),
                series=self.series_edit.text(),
                part=self.part_edit.value(),
                of=self.of_edit.value(),
                trainer=self.trainer_edit.text(),
                place=self.place_edit.text(),
            )
        except UserError as exc:
            self._say(exc.message, ok=False)
            return False
        self.title_edit.clear()
        data_bus().announce(Changes.of("training_session"))
        self._current = training.id
        self.refresh_sessions()
        self.select_session(training.id)
        self._say(_("Sessie {short} toegevoegd.").format(short=training.id[:8]), ok=True)
        return True

    # -- the selected session -------------------------------------------------------------

    def refresh_session(self) -> None:
        if self._current is None:
            return
        summary = self.trainings.summary(self._current)
        t = summary.session
        series = (
            _("{series}, deel {part} van {of}").format(series=t.series, part=t.series_part, of=t.series_size)
            if t.series
            else _("losse sessie")
        )
        self.session_title.setText(f"{t.title} — {datetime_be(t.starts_at)}")
        self.session_details.setText(
            _("Nummer {short} · {series} · lesgever {trainer} · {place}").format(
                short=summary.short, series=series, trainer=t.trainer or "—", place=t.place or "—"
            )
        )
        self.session_counts.setText(
            _(
                "Ingeschreven {reg} van {cap} · wachtlijst {wait} · aanwezig {att} met kaart + {walk} vrij"
            ).format(
                reg=summary.registered,
                cap=t.capacity,
                wait=summary.waiting,
                att=summary.attended,
                walk=t.walk_ins,
            )
        )
        self.walk_in_label.setText(str(t.walk_ins))
        self._rows = [
            r for r in self.trainings.registrations(self._current) if r.registration.state != "cancelled"
        ]
        states = registration_state_names()
        self._filling = True
        self.people_table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            tick = QTableWidgetItem(_("aanwezig") if row.attended else "")
            tick.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            )
            tick.setCheckState(Qt.CheckState.Checked if row.attended else Qt.CheckState.Unchecked)
            self.people_table.setItem(r, 0, tick)
            b = row.borrower
            for c, value in enumerate(
                [f"{b.last_name}, {b.first_name}", b.card_number, states.get(row.registration.state, "")],
                start=1,
            ):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.people_table.setItem(r, c, item)
        self._filling = False
        self.refresh_sessions()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 0 or self._current is None:
            return
        row = self._rows[item.row()]
        card = row.borrower.card_number
        try:
            if item.checkState() == Qt.CheckState.Checked:
                self.trainings.attend(self._current, card)
            else:
                self.trainings.unattend(self._current, card)
        except UserError as exc:
            self._say(exc.message, ok=False)
        else:
            data_bus().announce(Changes.of("attendance", "registration"))
        # Refresh after the check-box signal has returned, not inside it.
        QTimer.singleShot(0, self.refresh_session)

    def add_walk_ins(self, count: int) -> None:
        if self._current is None:
            self._say(_("Kies eerst een sessie."), ok=False)
            return
        try:
            self.trainings.walk_in(self._current, count)
        except UserError as exc:
            self._say(exc.message, ok=False)
        else:
            data_bus().announce(Changes.of("attendance"))
        self.refresh_session()
        self.scan_field.setFocus()

    # -- scanning ---------------------------------------------------------------------------

    def _on_scanned(self, text: str) -> None:
        self._pending.append(text)
        if self._busy:
            return
        self._busy = True
        try:
            while self._pending:
                self._handle_scan(self._pending.popleft())
        finally:
            self._busy = False
        self.scan_field.setFocus()

    def _handle_scan(self, card: str) -> None:
        self.processed += 1
        if self._current is None:
            self._say(_("Kies eerst een sessie, dan scannen."), ok=False)
            return
        try:
            if self.mode.currentData() == MODE_REGISTER:
                reg = self.trainings.register(self._current, card)
                msg = (
                    _("{card} staat op de wachtlijst (de sessie is volzet).")
                    if reg.state == "waiting"
                    else _("{card} is ingeschreven.")
                ).format(card=card.strip().upper())
                self._say(msg, ok=True)
            else:
                result = self.trainings.attend(self._current, card)
                name = f"{result.borrower.first_name} {result.borrower.last_name}"
                if result.already:
                    self._say(_("{name} was al aanwezig gezet (telt één keer).").format(name=name), ok=True)
                else:
                    self._say(_("{name} is aanwezig.").format(name=name), ok=True)
        except UserError as exc:
            self._say(exc.message, ok=False)
            return
        data_bus().announce(Changes.of("registration", "attendance"))
        self.refresh_session()

    # -- paper: attendance list and attestation ----------------------------------------------

    def print_attendance_list(self) -> None:
        """Everyone registered, who was present, a column to sign (app/printing/attestations.py)."""
        if self._current is None:
            self._say(_("Kies eerst een sessie."), ok=False)
            return
        trainings, ref, location = self.trainings, self._current, self.location()
        out = self.documents_dir / f"aanwezigheidslijst-{ref[:8]}.pdf"

        def work(op: OpControl) -> Path:
            from app.printing.attestations import render_attendance_list

            out.parent.mkdir(parents=True, exist_ok=True)
            return render_attendance_list(trainings.summary(ref), trainings.registrations(ref), location, out)

        self._paper(work, _("Aanwezigheidslijst: {file}"))

    def print_attestation(self) -> None:
        """Participation attestation of the selected person for this session's series."""
        if self._current is None:
            self._say(_("Kies eerst een sessie."), ok=False)
            return
        series = self.trainings.summary(self._current).session.series
        rows = self.people_table.selectionModel().selectedRows()
        if not rows:
            self._say(_("Kies eerst een deelnemer in de lijst."), ok=False)
            return
        if not series:
            self._say(_("Een attest hoort bij een reeks: deze sessie heeft geen reeksnaam."), ok=False)
            return
        card = self._rows[rows[0].row()].borrower.card_number
        trainings, location = self.trainings, self.location()
        out = self.documents_dir / f"attest-{card}-{self._current[:8]}.pdf"
        today = dt.date.today()

        def work(op: OpControl) -> Path:
            from app.printing.attestations import render_attestation

            out.parent.mkdir(parents=True, exist_ok=True)
            return render_attestation(trainings.participation(card, series), location, out, issued_on=today)

        self._paper(work, _("Attest: {file}"))

    def _paper(self, work: Callable[[OpControl], Path], done_text: str) -> None:
        def done(path: Path) -> None:
            self.last_document = path
            self._say(done_text.format(file=path), ok=True)
            if self.open_files:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        self.paper_operation = run_operation(
            work,
            on_success=done,
            on_failure=lambda message: self._say(message, ok=False),
            parent=self,
            what="training paper",
        )

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color:#1b5e20;" if ok else "color:#9b1c1c; font-weight:bold;")
        self.message.setText(("✔ " if ok else "⚠ ") + text)


def _enlarge(widget: QWidget, factor: float) -> None:
    """Bold and bigger relative to the user's font, so it scales with a 150% system font."""
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    widget.setFont(font)
