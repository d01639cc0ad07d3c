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
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.borrowers import full_name
from app.counter import IDLE_END_SECONDS, Counter, Outcome, ScanOutcome
from app.errors import UserError
from app.formatting import date_be, euro
from app.i18n import _
from app.inventory import kind_names
from app.loans import LoanView
from db.models import Borrower
from ui.eid_reader import CounterEid
from ui.operations import Changes, data_bus, run_operation
from ui.widgets.scan_field import ScanField

if TYPE_CHECKING:  # printing (reportlab, fonts) is imported when first used (issue 13)
    from app.printing.service import PrintService

log = logging.getLogger(__name__)

ACTIVITY_LIMIT = 200

# Background colours only support the words shown with them; they never carry meaning alone.
_STYLE = {
    "ok": "background:#e3f4e1; color:#123d12; border:2px solid #2e7d32;",
    "refused": "background:#fde2e1; color:#5c0b0b; border:3px solid #c62828;",
    "info": "background:#eef3fb; color:#102a4c; border:2px solid #4a6fa5;",
    "ask": "background:#fff4d6; color:#4a3400; border:3px solid #b26a00;",
}
# What the counter's writes change (the other views reload what shows them).
LOAN_CHANGES = Changes.of("loan", "device")


def outcome_word(outcome: Outcome) -> str:
    return {
        Outcome.BORROWER: _("ONTLENER"),
        Outcome.LENT: _("UITGELEEND"),
        Outcome.RETURNED: _("TERUGGEBRACHT"),
        Outcome.SHOWN: _("INFO"),
        Outcome.REFUSED: _("GEWEIGERD"),
        Outcome.UNKNOWN: _("NIET HERKEND"),
        Outcome.ENDED: _("KLAAR"),
        Outcome.EXTENDED: _("VERLENGD"),
        Outcome.ASK_RETURN: _("AL UITGELEEND"),
        Outcome.BLOCKED: _("GEBLOKKEERD"),
    }[outcome]


def _style_for(outcome: Outcome) -> str:
    if outcome in (Outcome.REFUSED, Outcome.UNKNOWN, Outcome.BLOCKED):
        return _STYLE["refused"]
    if outcome is Outcome.ASK_RETURN:
        return _STYLE["ask"]
    if outcome in (Outcome.LENT, Outcome.RETURNED, Outcome.EXTENDED):
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
    if view.loan.deposit_cents > 0:
        line += " — " + _("waarborg {amount}").format(amount=euro(view.loan.deposit_cents))
    if view.overdue:
        line = _("TE LAAT: {line}").format(line=line)
    return line


class CounterView(QWidget):
    """Scan field, the big result line, the active borrower and the activity list."""

    loans_changed = Signal()  # a checkout, return or undo happened (status bar counts)

    def __init__(
        self,
        counter: Counter,
        parent: QWidget | None = None,
        idle_end_seconds: int = IDLE_END_SECONDS,
        printing: PrintService | None = None,
        receipts_dir: Path | None = None,
        open_pdf: bool = True,
    ) -> None:
        super().__init__(parent)
        self.counter = counter
        self._printing = printing
        self._receipts_dir = receipts_dir
        self._open_pdf = open_pdf
        self.last_returned: str | None = None  # the tag whose receipt F9 prints
        self.last_receipt: Path | None = None
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
        self.scan_field.confirmed.connect(self.confirm_return)

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
        # The person's loan: each with its key, so a scanner and a keyboard are enough.
        self.extend_button = QPushButton(_("Verlengen (F6)"), self)
        self.return_button = QPushButton(_("Terugnemen met controle (F7)"), self)
        self.deposit_button = QPushButton(_("Waarborg (F8)"), self)
        self.receipt_button = QPushButton(_("Ontvangstbewijs (F9)"), self)
        self.contract_button = QPushButton(_("Contract (Ctrl+Shift+C)"), self)
        # Three to a row: one long row would make the window wider than a small laptop's screen.
        loan_buttons = QGridLayout()
        for number, (button, key, action) in enumerate(
            (
                (self.extend_button, "F6", self.extend_loan),
                (self.return_button, "F7", self.return_with_checklist),
                (self.deposit_button, "F8", self.record_deposit),
                (self.receipt_button, "F9", self.print_receipt),
                (self.contract_button, None, self.print_contract),
            )
        ):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(action)
            loan_buttons.addWidget(button, number // 3, number % 3)
            if key:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(action)
        loan_buttons.setColumnStretch(3, 1)

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
        left.addLayout(loan_buttons)
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
        data_bus().changed.connect(self._on_data_changed)

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
            self._changed()

    def confirm_return(self) -> None:
        """Enter in the empty scan field: "yes" to the question after a double scan."""
        if self.counter.pending_return is None:
            return  # an Enter on its own means nothing otherwise
        self._present_write(self.counter.confirm_return())

    def say(self, text: str, outcome: Outcome = Outcome.SHOWN) -> None:
        """A line in the result box (instead of a message box: the scanner keeps working)."""
        self._show_result(outcome, text)
        self.focus_scan()

    def active_loans(self) -> list[LoanView] | None:
        """The active person's open loans; None (and said) when nobody is at the counter."""
        if self.counter.active is None:
            self.say(_("Scan eerst de kaart van de ontlener."), Outcome.REFUSED)
            return None
        return self.counter.refresh_active()

    def choose_loan(self, views: list[LoanView]) -> LoanView | None:
        """Which of several loans (arrows and Enter); tests replace it."""
        lines = [loan_line(v) for v in views]
        text, ok = QInputDialog.getItem(self, _("Welk toestel?"), _("Kies het toestel:"), lines, 0, False)
        return views[lines.index(text)] if ok and text in lines else None

    def _one_loan(self) -> LoanView | None:
        views = self.active_loans()
        if views is None:
            return None
        if not views:
            assert self.counter.active is not None
            self.say(
                _("{name} heeft geen toestel in bruikleen.").format(name=full_name(self.counter.active)),
                Outcome.REFUSED,
            )
            return None
        view = views[0] if len(views) == 1 else self.choose_loan(views)
        self.focus_scan()
        return view

    def print_contract(self) -> None:
        """The contract of the person at the counter (never the device selected elsewhere)."""
        view = self._one_loan()
        if view is None or self._printing is None:
            return
        from ui.printing import contract_dialog

        try:
            dialog = contract_dialog.ContractDialog(self._printing, view.device.asset_tag, parent=self)
        except UserError as exc:
            self.say(exc.message, Outcome.REFUSED)
            return
        dialog.exec()
        self.focus_scan()

    def extend_loan(self) -> None:
        view = self._one_loan()
        if view is not None:
            self._present_write(self.counter.extend(view.device.asset_tag))

    def return_with_checklist(self) -> None:
        view = self._one_loan()
        if view is None:
            return
        from ui.counter_dialogs import ReturnDialog

        dialog = ReturnDialog(view, self)
        if self.run_dialog(dialog) and dialog.choice is not None:
            c = dialog.choice
            self._present_write(
                self.counter.return_with(
                    view.device.asset_tag, c.condition, c.to_status, c.refund_cents, c.kept_reason
                )
            )
        self.focus_scan()

    def record_deposit(self) -> None:
        view = self._one_loan()
        if view is None:
            return
        from ui.counter_dialogs import DepositDialog

        dialog = DepositDialog(view, self.counter.loans.deposit_due(view.device.kind), self)
        if self.run_dialog(dialog) and dialog.choice is not None:
            c = dialog.choice
            outcome = self.counter.record_deposit(view.device.asset_tag, c.cents, c.method, c.reason)
            self._present_write(outcome)
        self.focus_scan()

    def run_dialog(self, dialog: QWidget) -> bool:
        """Show a counter form modally; tests replace it to fill the form in."""
        return bool(dialog.exec())  # type: ignore[attr-defined]

    def print_receipt(self) -> None:
        """The receipt of the device returned last at this counter, as PDF (opened to print)."""
        tag = self.last_returned
        if tag is None:
            self.say(_("Nog niets teruggenomen: er is geen ontvangstbewijs te maken."), Outcome.REFUSED)
            return
        if self._printing is None or self._receipts_dir is None:
            return
        printing, folder = self._printing, self._receipts_dir
        out = folder / f"ontvangstbewijs-{tag}-{dt.date.today().isoformat()}.pdf"

        def work(_op: object) -> Path:
            folder.mkdir(parents=True, exist_ok=True)
            printing.receipt(tag, out)
            return out

        self.say(_("Ontvangstbewijs van {tag} wordt gemaakt…").format(tag=tag))
        run_operation(work, on_success=self._receipt_done, on_failure=self._receipt_failed, parent=self)

    def _receipt_done(self, out: Path) -> None:
        self.last_receipt = out
        self.say(_("Ontvangstbewijs klaar: {path}").format(path=out))
        if self._open_pdf:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))

    def _receipt_failed(self, message: str) -> None:
        self.say(message, Outcome.REFUSED)

    def _present_write(self, outcome: ScanOutcome) -> None:
        self._present(outcome, refresh_loans=outcome.ok)
        if outcome.outcome is Outcome.RETURNED and outcome.device is not None:
            self.last_returned = outcome.device.asset_tag
        if outcome.ok:
            self._changed()

    def _changed(self) -> None:
        self.loans_changed.emit()
        data_bus().announce(LOAN_CHANGES)

    def _on_data_changed(self, changes: Changes) -> None:
        # A loan extended or returned elsewhere (a dialog, a sync): the person's list follows.
        if self.counter.active is not None and changes.touches("loan", "borrower"):
            self._show_borrower(self.counter.active, self.counter.refresh_active())

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
            outcome,
            refresh_loans=outcome.outcome
            in (Outcome.BORROWER, Outcome.BLOCKED, Outcome.LENT, Outcome.RETURNED, Outcome.ASK_RETURN),
        )
        if outcome.outcome is Outcome.RETURNED and outcome.device is not None:
            self.last_returned = outcome.device.asset_tag
        if outcome.outcome in (Outcome.LENT, Outcome.RETURNED):
            self._changed()

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
        blocked = borrower is not None and borrower.blocked
        # Red at once and as long as the person is active, with the word: not colour alone.
        self.borrower_box.setProperty("blocked", blocked)
        self.borrower_box.setStyleSheet(
            "QGroupBox { background:#fde2e1; border:3px solid #c62828; margin-top:1.5em; }"
            " QGroupBox::title { subcontrol-origin:margin; left:8px; padding:0 4px; }"
            if blocked
            else ""
        )
        if borrower is None:
            self.borrower_name.setText(_("Geen actieve ontlener"))
            self.borrower_details.setText(_("Scan een lidkaart (bv. KRT-B-00042)."))
            self.loans_title.setText("")
            self.loans_list.setVisible(False)
            return
        self.borrower_name.setText(
            _("GEBLOKKEERD — {name}").format(name=full_name(borrower)) if blocked else full_name(borrower)
        )
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
