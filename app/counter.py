"""The counter's scan logic, independent of any window.

Card scan → that borrower becomes active. Tag scan with an active borrower →
lent at once (or refused with the reason). Tag scan without one → returned if
on loan, otherwise shown. `end_borrower()` (Escape) ends the borrower. The
window only shows the `ScanOutcome` it gets back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from app import codes
from app.borrowers import BorrowerService, full_name
from app.errors import UserError
from app.formatting import date_be
from app.i18n import _
from app.inventory import DeviceService, kind_names, status_name
from app.loans import LoanService, LoanView
from app.waiting_list import WaitingListService
from db.models import Borrower, Device

log = logging.getLogger(__name__)


# A borrower is ended after this long without a scan (a forgotten Escape).
IDLE_END_SECONDS = 180


class Outcome(Enum):
    BORROWER = "borrower"
    LENT = "lent"
    RETURNED = "returned"
    SHOWN = "shown"
    REFUSED = "refused"
    UNKNOWN = "unknown"
    ENDED = "ended"


@dataclass
class ScanOutcome:
    outcome: Outcome
    message: str
    borrower: Borrower | None = None
    device: Device | None = None
    loan: LoanView | None = None
    open_loans: list[LoanView] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome not in (Outcome.REFUSED, Outcome.UNKNOWN)


class Counter:
    def __init__(
        self,
        devices: DeviceService,
        borrowers: BorrowerService,
        loans: LoanService,
        waiting: WaitingListService | None = None,
    ) -> None:
        self.devices = devices
        self.borrowers = borrowers
        self.loans = loans
        self.waiting = waiting
        self.active: Borrower | None = None
        self.last_undoable: tuple[str, str] | None = None  # ("checkout"|"return", loan id)

    def scan(self, raw: str) -> ScanOutcome:
        code = codes.clean_scan(raw)
        if not code:
            return ScanOutcome(Outcome.UNKNOWN, _("Niets gescand."))
        try:
            if codes.is_card(code):
                return self._card(code)
            if codes.is_tag(code):
                return self._tag(code)
            return ScanOutcome(
                Outcome.UNKNOWN,
                _("'{code}' is geen kaart- of toestelnummer (bv. KRT-B-00042 of KRT-000123).").format(
                    code=code
                ),
            )
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)

    def end_borrower(self) -> ScanOutcome:
        self.active = None
        return ScanOutcome(Outcome.ENDED, _("Klaar. Scan de volgende kaart of een toestel."))

    def end_idle_borrower(self, idle_seconds: int = IDLE_END_SECONDS) -> ScanOutcome | None:
        """End a borrower left active too long, so the next visitor's device is not lent to
        them; None when no one was active."""
        if self.active is None:
            return None
        self.active = None
        return ScanOutcome(
            Outcome.ENDED,
            _(
                "Ontlener afgesloten na {minutes} min zonder scan. Scan de kaart opnieuw om verder te gaan."
            ).format(minutes=max(1, idle_seconds // 60)),
        )

    def refresh_active(self) -> list[LoanView]:
        if self.active is None:
            return []
        return self.loans.list(open_only=True, borrower_id=self.active.id)

    def undo(self) -> ScanOutcome:
        if self.last_undoable is None:
            return ScanOutcome(Outcome.REFUSED, _("Er is niets om ongedaan te maken."))
        action, loan_id = self.last_undoable
        try:
            if action == "checkout":
                self.loans.undo_checkout(loan_id)
                message = _("Uitlening ongedaan gemaakt.")
            else:
                self.loans.undo_return(loan_id)
                message = _("Terugbrengen ongedaan gemaakt: het toestel is weer uitgeleend.")
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)
        self.last_undoable = None
        return ScanOutcome(Outcome.SHOWN, message, borrower=self.active, open_loans=self.refresh_active())

    def _card(self, code: str) -> ScanOutcome:
        borrower = self.borrowers.get(code)
        self.active = borrower
        open_loans = self.refresh_active()
        overdue = sum(1 for v in open_loans if v.overdue)
        message = _("{name} ({card}): {count} toestel(len) in bruikleen.").format(
            name=full_name(borrower), card=borrower.card_number, count=len(open_loans)
        )
        if overdue:
            message += " " + _("{count} te laat!").format(count=overdue)
        if borrower.blocked:
            message += " " + _("GEBLOKKEERD: {reason}").format(reason=borrower.blocked_reason)
        until = borrower.eligibility_valid_until
        if until is not None and until < self.loans.today():
            message += " " + _("Bewijs verlopen sinds {date}: opnieuw controleren.").format(
                date=date_be(until)
            )
        return ScanOutcome(Outcome.BORROWER, message, borrower=borrower, open_loans=open_loans)

    def _tag(self, code: str) -> ScanOutcome:
        current = self.loans.for_device(code)
        if self.active is not None and current is not None and current.borrower.id == self.active.id:
            # The active person brings back their own device: that is a return, not a refusal.
            return self._return(code)
        if self.active is not None:
            view = self.loans.checkout(code, self.active.card_number)
            self.last_undoable = ("checkout", view.loan.id)
            what = kind_names().get(view.device.kind, view.device.kind).capitalize()
            message = _("{what} {tag} uitgeleend aan {name} tot {due}.").format(
                what=what,
                tag=view.device.asset_tag,
                name=full_name(view.borrower),
                due=date_be(view.loan.due_date),
            )
            return ScanOutcome(
                Outcome.LENT,
                " ".join((message, *view.warnings)),
                borrower=self.active,
                device=view.device,
                loan=view,
                open_loans=self.refresh_active(),
            )
        if current is not None:
            return self._return(code)
        device = self.devices.get(code)
        return ScanOutcome(
            Outcome.SHOWN,
            _("{tag}: {brand} {model} — {status}. Scan eerst een kaart om uit te lenen.").format(
                tag=device.asset_tag,
                brand=device.brand,
                model=device.model,
                status=status_name(device.status),
            ),
            device=device,
        )

    def _return(self, code: str) -> ScanOutcome:
        view = self.loans.return_device(code)
        self.last_undoable = ("return", view.loan.id)
        late = view.loan.due_date < view.loan.in_at.date() if view.loan.in_at else False
        message = _("{tag} teruggebracht door {name}.").format(
            tag=view.device.asset_tag, name=full_name(view.borrower)
        )
        if late:
            message += " " + _("(te laat: was {due})").format(due=date_be(view.loan.due_date))
        if view.device.status == "wiping":
            # Said at the counter so nobody puts it back on the shelf for the next person.
            message += " " + _("Terug — eerst wissen in de Werkbank.")
        message += self._waiting_hint(view.device)
        return ScanOutcome(
            Outcome.RETURNED,
            message,
            borrower=self.active,
            device=view.device,
            loan=view,
            open_loans=self.refresh_active(),
        )

    def _waiting_hint(self, device: Device) -> str:
        """A device that comes back (to be wiped first) may be exactly what the next person waits for."""
        if self.waiting is None or device.status not in ("ready", "wiping"):
            return ""
        row = self.waiting.next(device.kind)
        if row is None:
            return ""
        return " " + _("Wachtlijst: {name} ({card}) wacht op een {kind}.").format(
            name=full_name(row.borrower),
            card=row.borrower.card_number,
            kind=kind_names().get(device.kind, device.kind),
        )
