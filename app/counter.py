"""The counter's scan logic, independent of any window.

Card scan → that borrower becomes active. Tag scan with an active borrower →
lent at once (or refused with the reason). Tag scan without one → returned if
on loan, otherwise shown. `end_borrower()` (Escape) ends the borrower. The
window only shows the `ScanOutcome` it gets back.

The one exception to "one scan": the tag just lent to the active person, scanned
again, is not returned but asked about (`ASK_RETURN`); `confirm_return()` is the
deliberate second step (Enter at the counter), any other scan or Escape drops it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from app import codes
from app.borrowers import BorrowerService, full_name
from app.errors import UserError
from app.formatting import date_be, euro
from app.i18n import _
from app.inventory import DeviceService, kind_names, status_name
from app.loans import LoanService, LoanView, deposit_method_name
from app.waiting_list import WaitingListService
from db.models import Borrower, Device

log = logging.getLogger(__name__)


# A borrower is ended after this long without a scan (a forgotten Escape).
IDLE_END_SECONDS = 180
# A tag scanned again within this time after it was lent to the same person is a double
# scan (the scanner fired twice, or a volunteer "made sure"), not the person handing it
# back: returning it silently would send them home without the laptop they just signed for.
# Five minutes covers signing the contract; a real return that soon is rare and takes Enter.
RECENT_LEND_SECONDS = 5 * 60


class Outcome(Enum):
    BORROWER = "borrower"
    LENT = "lent"
    RETURNED = "returned"
    SHOWN = "shown"
    REFUSED = "refused"
    UNKNOWN = "unknown"
    ENDED = "ended"
    EXTENDED = "extended"
    ASK_RETURN = "ask-return"  # the tag just lent, scanned again: return only on confirmation
    BLOCKED = "blocked"  # a blocked card: the person is active (returns work), lending is refused


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
        return self.outcome not in (Outcome.REFUSED, Outcome.UNKNOWN, Outcome.BLOCKED)


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
        self.pending_return: str | None = None  # the tag asked about (ASK_RETURN)

    def scan(self, raw: str) -> ScanOutcome:
        self.pending_return = None  # any scan answers "no" to an open question
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

    def confirm_return(self) -> ScanOutcome:
        """The deliberate second step after `ASK_RETURN`: take the device back after all."""
        tag, self.pending_return = self.pending_return, None
        if tag is None:
            return ScanOutcome(Outcome.REFUSED, _("Er is geen vraag om te bevestigen."), borrower=self.active)
        try:
            return self._return(tag)
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)

    def end_borrower(self) -> ScanOutcome:
        self.active = None
        self.pending_return = None
        return ScanOutcome(Outcome.ENDED, _("Klaar. Scan de volgende kaart of een toestel."))

    def end_idle_borrower(self, idle_seconds: int = IDLE_END_SECONDS) -> ScanOutcome | None:
        """End a borrower left active too long, so the next visitor's device is not lent to
        them; None when no one was active."""
        if self.active is None:
            return None
        self.active = None
        self.pending_return = None
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
            # Shown red at once (the window), so nothing is lent before anyone reads on.
            message += " — " + _("niet uitlenen, verwijs naar de coördinator.")
            return ScanOutcome(Outcome.BLOCKED, message, borrower=borrower, open_loans=open_loans)
        until = borrower.eligibility_valid_until
        if until is not None and until < self.loans.today():
            message += " " + _("Bewijs verlopen sinds {date}: opnieuw controleren.").format(
                date=date_be(until)
            )
        return ScanOutcome(Outcome.BORROWER, message, borrower=borrower, open_loans=open_loans)

    def _tag(self, code: str) -> ScanOutcome:
        current = self.loans.for_device(code)
        if self.active is not None and current is not None and current.borrower.id == self.active.id:
            if self._just_lent(current):
                self.pending_return = current.device.asset_tag
                return ScanOutcome(
                    Outcome.ASK_RETURN,
                    _(
                        "{tag} is al uitgeleend aan {name}, zojuist (om {time}). Niet teruggenomen. "
                        "Brengt {name} het toch terug? Druk Enter om terug te nemen, of Esc."
                    ).format(
                        tag=current.device.asset_tag,
                        name=full_name(current.borrower),
                        time=current.loan.out_at.strftime("%H:%M"),
                    ),
                    borrower=self.active,
                    device=current.device,
                    loan=current,
                    open_loans=self.refresh_active(),
                )
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
                " ".join((message + deposit_at_checkout(view), *view.warnings)),
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

    def _just_lent(self, view: LoanView) -> bool:
        age = (self.loans.now() - view.loan.out_at).total_seconds()
        return age < RECENT_LEND_SECONDS

    def return_with(
        self,
        tag: str,
        condition: str = "",
        to_status: str = "wiping",
        refund_cents: int | None = None,
        kept_reason: str = "",
    ) -> ScanOutcome:
        """A return with the checklist: condition, where it goes next, the refund (or a kept part)."""
        self.pending_return = None
        try:
            return self._return(tag, condition, to_status, refund_cents, kept_reason)
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)

    def extend(self, tag: str) -> ScanOutcome:
        """One loan period more for a device of the active person."""
        self.pending_return = None
        try:
            if self.active is None:
                raise UserError(_("Scan eerst de kaart van de ontlener."))
            current = self.loans.for_device(tag)
            if current is None or current.borrower.id != self.active.id:
                raise UserError(
                    _("{tag} is niet uitgeleend aan {name}.").format(tag=tag, name=full_name(self.active))
                )
            view = self.loans.extend(tag)
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)
        return ScanOutcome(
            Outcome.EXTENDED,
            _("{tag} verlengd tot {due}.").format(tag=view.device.asset_tag, due=date_be(view.loan.due_date)),
            borrower=self.active,
            device=view.device,
            loan=view,
            open_loans=self.refresh_active(),
        )

    def record_deposit(self, tag: str, cents: int | None, method: str, reason: str = "") -> ScanOutcome:
        """How the deposit of a loan of the active person was paid (cash is noted on the scan)."""
        self.pending_return = None
        try:
            view = self.loans.record_deposit(tag, cents, method, reason)
        except UserError as exc:
            return ScanOutcome(Outcome.REFUSED, exc.message, borrower=self.active)
        return ScanOutcome(
            Outcome.SHOWN,
            _("Waarborg van {tag}: {paid} ({method}).").format(
                tag=view.device.asset_tag,
                paid=euro(view.loan.deposit_cents),
                method=deposit_method_name(view.loan.deposit_method),
            ),
            borrower=self.active,
            device=view.device,
            loan=view,
            open_loans=self.refresh_active(),
        )

    def _return(
        self,
        code: str,
        condition: str = "",
        to_status: str = "wiping",
        refund_cents: int | None = None,
        kept_reason: str = "",
    ) -> ScanOutcome:
        view = self.loans.return_device(
            code, condition=condition, to_status=to_status, refund_cents=refund_cents, kept_reason=kept_reason
        )
        self.last_undoable = ("return", view.loan.id)
        late = view.loan.due_date < view.loan.in_at.date() if view.loan.in_at else False
        message = _("{tag} teruggebracht door {name}.").format(
            tag=view.device.asset_tag, name=full_name(view.borrower)
        )
        if late:
            message += " " + _("(te laat: was {due})").format(due=date_be(view.loan.due_date))
        message += deposit_at_return(view)
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


def deposit_at_checkout(view: LoanView, at_counter: bool = True) -> str:
    """What the volunteer collects: said right after the checkout, with how it was noted
    (at the counter also the key that changes it)."""
    loan = view.loan
    if loan.deposit_method == "waived":
        return " " + _("Waarborg vrijgesteld: {reason}.").format(reason=loan.deposit_reason)
    if loan.deposit_cents <= 0:
        return ""
    text = (
        _("Ontvang {amount} waarborg (genoteerd: {method}; F8 om te wijzigen).")
        if at_counter
        else _("Waarborg {amount} ontvangen ({method}).")
    )
    return " " + text.format(amount=euro(loan.deposit_cents), method=deposit_method_name(loan.deposit_method))


def deposit_at_return(view: LoanView) -> str:
    """What the volunteer gives back, and what was kept and why."""
    loan = view.loan
    text = ""
    if loan.deposit_refunded_cents > 0:
        text += " " + _("Geef {amount} waarborg terug.").format(amount=euro(loan.deposit_refunded_cents))
    kept = loan.deposit_cents - loan.deposit_refunded_cents
    if kept > 0:
        text += " " + _("{amount} waarborg ingehouden: {reason}.").format(
            amount=euro(kept), reason=loan.deposit_kept_reason
        )
    return text
