"""The counter ("Balie"): scan a card, then tags; Escape ends the borrower.

Every rule lives in `app.counter.Counter`; this view only feeds it what was
scanned and shows the `ScanOutcome` it gets back. Scans are processed in the
order they were typed, one at a time: if a scan arrives while another is being
shown (for instance while a message box spins its own event loop), it waits in
a queue instead of being lost or processed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections import deque

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.borrowers import full_name
from app.counter import IDLE_END_SECONDS, Counter, Outcome, ScanOutcome
from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names
from app.loans import LoanView
from db.models import Borrower
from ui.eid_reader import CounterEid
from ui.operations import Changes, data_bus
from ui.widgets.scan_field import ScanField

log = logging.getLogger(__name__)

ACTIVITY_LIMIT = 200

# Background colours only support the words shown with them; they never carry meaning alone.
_STYLE = {
    "ok": "background:#e3f4e1; color:#123d12; border:2px solid #2e7d32;",
    "refused": "background:#fde2e1; color:#5c0b0b; border:3px solid #c62828;",
    "info": "background:#eef3fb; color:#102a4c; border:2px solid #4a6fa5;",
}


def outcome_word(outcome: Outcome) -> str:
    return {
        Outcome.BORROWER: _("ONTLENER"),
        Outcome.LENT: _("UITGELEEND"),
        Outcome.RETURNED: _("TERUGGEBRACHT"),
        Outcome.SHOWN: _("INFO"),
        Outcome.REFUSED: _("GEWEIGERD"),
        Outcome.UNKNOWN: _("NIET HERKEND"),
        Outcome.ENDED: _("KLAAR"),
    }[outcome]


def _style_for(outcome: Outcome) -> str:
    if outcome in (Outcome.REFUSED, Outcome.UNKNOWN):
        return _STYLE["refused"]
    if outcome in (Outcome.LENT, Outcome.RETURNED):
        return _STYLE["ok"]
    return _STYLE["info"]


def loan_line(view: LoanView) -> str:
    what = kind_names().get(view.device.kind, view.device.kind)
    line = _("{tag} — {what} {brand} {model} — terug tegen {due}").format(
        tag=view.device.asset_tag,
        what=what,
        brand=view.device.brand,
        model=view.device.model,
        due=date_be(view.loan.due_date),
    )
    if view.overdue:
        line = _("TE LAAT: {line}").format(line=line)
    return line


class CounterView(QWidget):
    """Scan field, the big result line, the active borrower and the activity list."""

    loans_changed = Signal()  # a checkout, return or undo happened (status bar counts)

    def __init__(
        self, counter: Counter, parent: QWidget | None = None, idle_end_seconds: int = IDLE_END_SECONDS
    ) -> None:
        super().__init__(parent)
        self.counter = counter
        # Every view showing loans or statuses follows the bus (ui/operations.py).
        self.loans_changed.connect(lambda: data_bus().announce(Changes.of("loan", "device")))
        self._pending: deque[str] = deque()
        self._busy = False
        self.processed = 0  # scans handled, for tests and the log
        # A forgotten Escape must not lend the next visitor's device to the previous person.
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(idle_end_seconds * 1000)
        self.idle_timer.timeout.connect(self._end_idle_borrower)

        self.scan_field = ScanField(self)
        self.scan_field.scanned.connect(self._on_scanned)
        self.scan_field.escaped.connect(self.end_borrower)
        self.scan_field.undo_requested.connect(self.undo)

        self.result_kind = QLabel(self)
        self.result_kind.setObjectName("resultKind")
        kind_font = QFont(self.font())
        kind_font.setPointSizeF(kind_font.pointSizeF() * 1.5)
        kind_font.setBold(True)
        self.result_kind.setFont(kind_font)

        self.result_label = QLabel(self)
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        result_font = QFont(self.font())
        result_font.setPointSizeF(result_font.pointSizeF() * 1.5)
        self.result_label.setFont(result_font)

        self.result_box = QFrame(self)
        self.result_box.setObjectName("resultBox")
        result_layout = QVBoxLayout(self.result_box)
        result_layout.addWidget(self.result_kind)
        result_layout.addWidget(self.result_label)
        self.result_box.setMinimumHeight(self.result_label.fontMetrics().height() * 4)

        # -- the active borrower ----------------------------------------------
        self.borrower_box = QGroupBox(_("Actieve ontlener"), self)
        self.borrower_name = QLabel(self.borrower_box)
        self.borrower_name.setObjectName("borrowerName")
        name_font = QFont(self.font())
        name_font.setPointSizeF(name_font.pointSizeF() * 1.4)
        name_font.setBold(True)
        self.borrower_name.setFont(name_font)
        self.borrower_details = QLabel(self.borrower_box)
        self.borrower_details.setWordWrap(True)
        self.loans_title = QLabel(self.borrower_box)
        self.loans_list = QListWidget(self.borrower_box)
        self.loans_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.loans_list.setWordWrap(True)
        self.loans_list.setSpacing(3)
        self.loans_list.setAccessibleName(_("Toestellen in bruikleen"))
        borrower_layout = QVBoxLayout(self.borrower_box)
        borrower_layout.addWidget(self.borrower_name)
        borrower_layout.addWidget(self.borrower_details)
        borrower_layout.addWidget(self.loans_title)
        borrower_layout.addWidget(self.loans_list, 1)

        # -- buttons (never take the focus away from the scan field) -----------
        self.end_button = QPushButton(_("Ontlener afsluiten (Esc)"), self)
        self.end_button.clicked.connect(self.end_borrower)
        self.undo_button = QPushButton(_("Laatste handeling ongedaan maken (Ctrl+Z)"), self)
        self.undo_button.clicked.connect(self.undo)
        buttons = QHBoxLayout()
        for button in (self.end_button, self.undo_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        self.eid = CounterEid(self)  # "eID lezen": the card's holder, or a pre-filled registration
        buttons.addWidget(self.eid.button)
        buttons.addStretch(1)

        hint = QLabel(
            _(
                "Scan eerst de lidkaart, dan elk toestel dat mee gaat. Een toestel scannen "
                "zonder kaart neemt het terug. Esc: klaar met deze persoon."
            ),
            self,
        )
        hint.setWordWrap(True)

        scan_label = QLabel(_("&Scan:"), self)
        scan_label.setBuddy(self.scan_field)

        left = QVBoxLayout()
        left.addWidget(scan_label)
        left.addWidget(self.scan_field)
        left.addWidget(self.result_box)
        left.addWidget(self.borrower_box, 1)
        left.addLayout(buttons)
        left.addWidget(hint)

        # -- activity ------------------------------------------------------------
        activity_box = QGroupBox(_("Laatste handelingen"), self)
        self.activity_list = QListWidget(activity_box)
        self.activity_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.activity_list.setWordWrap(True)
        self.activity_list.setSpacing(3)
        activity_layout = QVBoxLayout(activity_box)
        activity_layout.addWidget(self.activity_list)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(activity_box, 2)

        self._show_result(
            Outcome.ENDED, _("Scan een lidkaart om te beginnen, of een toestel om het terug te nemen.")
        )
        self._show_borrower(None, [])

    # -- public actions -----------------------------------------------------------

    def focus_scan(self) -> None:
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def scan(self, text: str) -> None:
        """Process one scan as if it came from the scanner (menus, tests)."""
        self._on_scanned(text)

    def end_borrower(self) -> None:
        self.idle_timer.stop()
        self._present(self.counter.end_borrower())

    def _end_idle_borrower(self) -> None:
        outcome = self.counter.end_idle_borrower(self.idle_timer.interval() // 1000)
        if outcome is not None:
            self._present(outcome)

    def undo(self) -> None:
        outcome = self.counter.undo()
        self._present(outcome, refresh_loans=outcome.ok)
        if outcome.ok:
            self.loans_changed.emit()

    # -- scanning -------------------------------------------------------------------

    def _on_scanned(self, text: str) -> None:
        self._pending.append(text)
        if self._busy:
            return  # the loop below picks it up, in order
        self._busy = True
        try:
            while self._pending:
                text = self._pending.popleft()
                try:
                    self._process(text)
                except Exception:  # one broken scan must not swallow the ones queued behind it
                    self._show_result(
                        Outcome.UNKNOWN,
                        _("Deze scan kon niet verwerkt worden: controleer of '{code}' gelukt is.").format(
                            code=text.strip()
                        ),
                    )
                    sys.excepthook(*sys.exc_info())  # logged and explained by ui.app's hook
        finally:
            self._busy = False

    def _process(self, text: str) -> None:
        outcome = self.counter.scan(text)
        self.processed += 1
        log.debug("scan %r -> %s", text, outcome.outcome.value)
        self._present(
            outcome, refresh_loans=outcome.outcome in (Outcome.BORROWER, Outcome.LENT, Outcome.RETURNED)
        )
        if outcome.outcome in (Outcome.LENT, Outcome.RETURNED):
            self.loans_changed.emit()

    # -- showing --------------------------------------------------------------------

    def _present(self, outcome: ScanOutcome, refresh_loans: bool = False) -> None:
        self._show_result(outcome.outcome, outcome.message)
        active = self.counter.active
        if active is None:
            self.idle_timer.stop()
        else:
            self.idle_timer.start()  # every action with a person active restarts the wait
        if active is None:
            self._show_borrower(None, [])
        elif refresh_loans:
            self._show_borrower(active, outcome.open_loans)
        self._add_activity(outcome)
        self.focus_scan()

    def _show_result(self, outcome: Outcome, message: str) -> None:
        self.result_kind.setText(outcome_word(outcome))
        self.result_label.setText(message)
        self.result_box.setStyleSheet(f"QFrame#resultBox {{ {_style_for(outcome)} }}")
        self.result_box.setProperty("outcome", outcome.value)

    def _show_borrower(self, borrower: Borrower | None, loans: list[LoanView]) -> None:
        self.loans_list.clear()
        if borrower is None:
            self.borrower_name.setText(_("Geen actieve ontlener"))
            self.borrower_details.setText(_("Scan een lidkaart (bv. KRT-B-00042)."))
            self.loans_title.setText("")
            self.loans_list.setVisible(False)
            return
        self.borrower_name.setText(full_name(borrower))
        details = _("Kaart {card} · {postcode} {municipality}").format(
            card=borrower.card_number, postcode=borrower.postcode, municipality=borrower.municipality
        )
        if borrower.blocked:
            details += "\n" + _("GEBLOKKEERD: {reason}").format(reason=borrower.blocked_reason)
        self.borrower_details.setText(details)
        overdue = sum(1 for v in loans if v.overdue)
        if overdue:
            self.loans_title.setText(
                _("In bruikleen: {count}, waarvan {late} TE LAAT").format(count=len(loans), late=overdue)
            )
        else:
            self.loans_title.setText(_("In bruikleen: {count}").format(count=len(loans)))
        self.loans_list.setVisible(True)
        for view in loans:
            item = QListWidgetItem(loan_line(view))
            if view.overdue:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setForeground(Qt.GlobalColor.darkRed)
            self.loans_list.addItem(item)

    def _add_activity(self, outcome: ScanOutcome) -> None:
        if outcome.outcome == Outcome.ENDED:
            return
        stamp = dt.datetime.now().strftime("%H:%M")
        item = QListWidgetItem(
            _("{time} {word}: {message}").format(
                time=stamp, word=outcome_word(outcome.outcome), message=outcome.message
            )
        )
        if not outcome.ok:
            item.setForeground(Qt.GlobalColor.darkRed)
        self.activity_list.insertItem(0, item)
        while self.activity_list.count() > ACTIVITY_LIMIT:
            self.activity_list.takeItem(self.activity_list.count() - 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.focus_scan()
