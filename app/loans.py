"""Loans: checkout, return, extend, undo, and the open/overdue lists.

Every refusal says why and what to do. A device has at most one open loan;
a sync may still bring in a second one made offline elsewhere — that is a
domain conflict that the sync flags for a person to resolve, never hidden here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService, full_name
from app.config import Settings
from app.errors import NotFound, UserError
from app.formatting import date_be, euro
from app.i18n import _
from app.inventory import DeviceService, kind_names, status_name, wipe_command, wipe_gate_refusal
from app.loan_view import LoanView  # noqa: F401  (re-exported)
from app.locations import LocationService
from db.models import DEPOSIT_METHODS, Borrower, Device, Loan
from db.models_privacy import ErasureRequest

log = logging.getLogger(__name__)

UNDO_SECONDS = 60


def loan_list_statement(
    open_only: bool, overdue_only: bool, today: dt.date, borrower_id: str | None = None
) -> Select[Loan, Device, Borrower]:
    """`LoanService.list`'s query. The command line's light read path runs the SQL compiled
    from it (app/cli/light_queries.py, tests/test_cli_light.py keeps the two equal)."""
    stmt = (
        select(Loan, Device, Borrower)
        .join(Device, Device.id == Loan.device_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(Loan.deleted.is_(False), Loan.state != "cancelled")
    )
    if open_only or overdue_only:
        stmt = stmt.where(Loan.state == "open")
    if overdue_only:
        stmt = stmt.where(Loan.due_date < today)
    if borrower_id:
        stmt = stmt.where(Loan.borrower_id == borrower_id)
    return stmt.order_by(Loan.due_date, Device.asset_tag)


class LoanService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings | None = None,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings or Settings()
        self._now = now

    def now(self) -> dt.datetime:
        return self._now()

    def today(self) -> dt.date:
        return self._now().date()

    def default_due(self) -> dt.date:
        return self.today() + dt.timedelta(days=self._settings.loan_period_days)

    def deposit_due(self, kind: str) -> int:
        """The deposit to ask for a device of this kind (setting `deposit_by_kind`), in cents."""
        return self._settings.deposit_by_kind_cents.get(kind, self._settings.default_deposit_cents)

    # -- checkout -------------------------------------------------------------

    def checkout(
        self,
        tag: str,
        card: str,
        due: dt.date | None = None,
        deposit_cents: int | None = None,
        deposit_method: str | None = None,
        deposit_reason: str = "",
    ) -> LoanView:
        """Lend; the deposit paid defaults to the one asked for the kind (`deposit_due`), in cash."""
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            borrower = BorrowerService.get_in(s, card)
            self._refuse_if_not_lendable(s, device, borrower)
            warnings = self._eligibility_warnings(borrower)
            paid, method, reason = self._deposit_paid(
                self.deposit_due(device.kind), deposit_cents, deposit_method, deposit_reason
            )
            due = due or self.default_due()
            if due < self.today():
                raise UserError(_("De terugbrengdatum {due} ligt in het verleden.").format(due=date_be(due)))
            check_not_too_far(due, self.today())
            location = LocationService.current_in(s)
            loan = Loan(
                device_id=device.id,
                borrower_id=borrower.id,
                out_location_id=location.id,
                out_at=self._now().replace(microsecond=0),
                due_date=due,
                state="open",
                deposit_cents=paid,
                deposit_method=method,
                deposit_reason=reason,
            )
            s.add(loan)
            device.status = "on-loan"
            device.location_id = location.id
            s.flush()
            log.info("checkout %s -> %s due %s", device.asset_tag, borrower.card_number, due)
            return LoanView(loan, device, borrower, self.today(), warnings=warnings)

    def _eligibility_warnings(self, borrower: Borrower) -> tuple[str, ...]:
        """An expired proof asks for a new check: a warning, or (setting "refuse") a refusal."""
        until = borrower.eligibility_valid_until
        if until is None or until >= self.today():
            return ()
        if self._settings.eligibility_expired == "refuse":
            raise UserError(
                _(
                    "Het bewijs van {name} is verlopen sinds {date}: controleer het opnieuw en vul de "
                    "controledatum in voor je uitleent."
                ).format(name=full_name(borrower), date=date_be(until))
            )
        return (
            _("Let op: het bewijs van {name} is verlopen sinds {date} — controleer het opnieuw.").format(
                name=full_name(borrower), date=date_be(until)
            ),
        )

    @staticmethod
    def _deposit_paid(asked: int, cents: int | None, method: str | None, reason: str) -> tuple[int, str, str]:
        """(paid, method, reason) as recorded, or a refusal: a waived deposit or one below what
        is asked needs a reason, so the coordinator sees why money is missing."""
        reason = (reason or "").strip()
        method = (method or "").strip().lower()
        if method not in DEPOSIT_METHODS:
            raise UserError(
                _("Onbekende betaalwijze '{method}' voor de waarborg: kies cash, payconiq of waived.").format(
                    method=method
                )
            )
        if cents is not None and cents < 0:
            raise UserError(_("Een waarborg kan niet negatief zijn."))
        if method == "waived":
            if cents:
                raise UserError(_("Een vrijgestelde waarborg is 0,00: laat het bedrag weg."))
            if not reason:
                raise UserError(_("Zeg waarom de waarborg vrijgesteld wordt (reden)."))
            return 0, "waived", reason
        paid = asked if cents is None else cents
        if paid < asked and not reason:
            raise UserError(
                _(
                    "Er wordt {asked} waarborg gevraagd en {paid} betaald: geef een reden of stel vrij."
                ).format(asked=euro(asked), paid=euro(paid))
            )
        if paid == 0:
            return 0, "", reason  # no money changed hands: no payment method to record
        return paid, method or "cash", reason

    def record_deposit(self, tag: str, cents: int | None, method: str, reason: str = "") -> LoanView:
        """Correct how the deposit of the device's open loan was paid (the counter records cash
        on the scan; Payconiq, a waiver or a smaller amount are set here)."""
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            loan = open_loan_in(s, device.id)
            if loan is None:
                raise UserError(
                    _("{tag} is niet uitgeleend: er is geen waarborg te noteren.").format(
                        tag=device.asset_tag
                    )
                )
            paid, method, reason = self._deposit_paid(self.deposit_due(device.kind), cents, method, reason)
            loan.deposit_cents, loan.deposit_method, loan.deposit_reason = paid, method, reason
            borrower = s.get(Borrower, loan.borrower_id)
            assert borrower is not None
            log.info("deposit of %s: %s (%s)", device.asset_tag, paid, method or "none")
            return LoanView(loan, device, borrower, self.today())

    def _refuse_if_not_lendable(self, s: Session, device: Device, borrower: Borrower) -> None:
        what = kind_names().get(device.kind, device.kind).capitalize()
        if borrower.erased:
            raise UserError(_("Deze kaart hoort bij een gewiste persoon: maak een nieuwe inschrijving."))
        if s.scalar(
            select(ErasureRequest.id).where(
                ErasureRequest.subject_id == borrower.id,
                ErasureRequest.state == "pending",
                ErasureRequest.deleted.is_(False),
            )
        ):
            # Their data is about to be erased (app/erasure_requests.py): nothing new about them.
            raise UserError(
                _(
                    "Voor {name} is een wissing van de gegevens aangevraagd: niet meer uitlenen, "
                    "verwijs naar de coördinator."
                ).format(name=full_name(borrower))
            )
        if borrower.blocked:
            raise UserError(
                _("{name} is geblokkeerd ({reason}): niet uitlenen, verwijs naar de coördinator.").format(
                    name=full_name(borrower), reason=borrower.blocked_reason or _("geen reden")
                )
            )
        current = open_loan_in(s, device.id)
        if current is not None:
            holder = s.get(Borrower, current.borrower_id)
            raise UserError(
                _("{what} {tag} is nog uitgeleend aan {name} tot {due} — eerst terugbrengen.").format(
                    what=what,
                    tag=device.asset_tag,
                    name=full_name(holder) if holder else "?",
                    due=date_be(current.due_date),
                )
            )
        if device.status in ("ready", "wiping"):
            # Checked here as well as at *ready*: a status synced from elsewhere or kept
            # from an older version must not hand the previous borrower's data on.
            refusal = wipe_gate_refusal(s, device)
            if refusal:
                raise UserError(
                    _("{what} {tag} kan niet uitgeleend worden: {reason}").format(
                        what=what, tag=device.asset_tag, reason=refusal
                    ),
                    command=wipe_command(device.asset_tag),
                )
        if device.status != "ready":
            raise UserError(
                _("{what} {tag} is niet klaar om uit te lenen (status: {status}).").format(
                    what=what, tag=device.asset_tag, status=status_name(device.status)
                )
            )
        # One query for both counts (checkout is the counter's hot path: issue 13).
        open_count, overdue = s.execute(
            select(func.count(), func.coalesce(func.sum(case((Loan.due_date < self.today(), 1), else_=0)), 0))
            .select_from(Loan)
            .where(Loan.borrower_id == borrower.id, Loan.state == "open", Loan.deleted.is_(False))
        ).one()
        if overdue:
            raise UserError(
                _("{name} heeft nog een toestel dat te laat is: eerst dat terugbrengen of verlengen.").format(
                    name=full_name(borrower)
                )
            )
        limit = self._settings.max_open_loans_per_borrower
        if open_count >= limit:
            raise UserError(
                _("{name} heeft al {count} toestel(len) in bruikleen (maximum {limit}).").format(
                    name=full_name(borrower), count=open_count, limit=limit
                )
            )

    # -- return, extend, undo ----------------------------------------------------

    def return_device(
        self,
        tag: str,
        condition: str = "",
        to_status: str = "wiping",
        refund_cents: int | None = None,
        kept_reason: str = "",
    ) -> LoanView:
        """Take back; the whole deposit is refunded unless `refund_cents` says less (with a reason)."""
        # Never straight to *ready*: the next borrower must not get this one's data.
        if to_status not in ("repair", "wiping"):
            raise UserError(
                _("Na terugbrengen moet een toestel eerst gewist worden: kies wissen of in herstelling.")
            )
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            loan = open_loan_in(s, device.id)
            if loan is None:
                raise UserError(
                    _("{tag} is niet uitgeleend (status: {status}).").format(
                        tag=device.asset_tag, status=status_name(device.status)
                    )
                )
            kept_reason = (kept_reason or "").strip()
            refund = loan.deposit_cents if refund_cents is None else refund_cents
            if refund < 0 or refund > loan.deposit_cents:
                raise UserError(
                    _("Terug te geven: hoogstens de betaalde waarborg {paid}, niet {refund}.").format(
                        paid=euro(loan.deposit_cents), refund=euro(refund)
                    )
                )
            if refund < loan.deposit_cents and not kept_reason:
                raise UserError(
                    _("Er wordt {kept} van de waarborg ingehouden: zeg waarom (reden).").format(
                        kept=euro(loan.deposit_cents - refund)
                    )
                )
            location = LocationService.current_in(s)
            loan.deposit_refunded_cents = refund
            loan.deposit_kept_reason = kept_reason if refund < loan.deposit_cents else ""
            loan.state = "returned"
            loan.in_at = self._now().replace(microsecond=0)
            loan.in_location_id = location.id
            loan.condition_in = condition.strip()
            # With a second open loan (a sync conflict) the device stays lent.
            if open_loan_in(s, device.id, exclude=loan.id) is None:
                device.status = to_status
            device.location_id = location.id
            borrower = s.get(Borrower, loan.borrower_id)
            assert borrower is not None
            log.info("return %s from %s", device.asset_tag, borrower.card_number)
            return LoanView(loan, device, borrower, self.today())

    def extend(self, tag: str, due: dt.date | None = None) -> LoanView:
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            loan = open_loan_in(s, device.id)
            if loan is None:
                raise UserError(
                    _("{tag} is niet uitgeleend: er is niets te verlengen.").format(tag=device.asset_tag)
                )
            new_due = due or max(loan.due_date, self.today()) + dt.timedelta(
                days=self._settings.loan_period_days
            )
            check_not_too_far(new_due, self.today())
            if new_due <= loan.due_date:
                raise UserError(_("De nieuwe datum moet na {due} liggen.").format(due=date_be(loan.due_date)))
            loan.due_date = new_due
            loan.extensions += 1
            borrower = s.get(Borrower, loan.borrower_id)
            assert borrower is not None
            return LoanView(loan, device, borrower, self.today())

    def undo_checkout(self, loan_id: str) -> None:
        """Take back a checkout made by mistake, within a minute."""
        with self._sessions() as s, s.begin():
            loan = self._recent(s, loan_id, "open", lambda ln: ln.out_at)
            # Cancelled, not deleted: the checkout may have synced already, and a loan's
            # deletion needs a coordinator-scope token on the server (db/models.py).
            loan.state = "cancelled"
            device = s.get(Device, loan.device_id)
            if device is not None and open_loan_in(s, device.id, exclude=loan.id) is None:
                device.status = "ready"

    def undo_return(self, loan_id: str) -> None:
        """Reopen a loan returned by mistake, within a minute."""
        with self._sessions() as s, s.begin():
            loan = self._recent(s, loan_id, "returned", lambda ln: ln.in_at)
            device = s.get(Device, loan.device_id)
            if device is not None and open_loan_in(s, device.id) is not None:
                raise UserError(
                    _("{tag} is intussen opnieuw uitgeleend: terugbrengen kan niet meer ongedaan.").format(
                        tag=device.asset_tag
                    )
                )
            loan.state = "open"
            loan.in_at = None
            loan.in_location_id = None
            loan.deposit_refunded_cents = 0  # the refund was not given after all
            loan.deposit_kept_reason = ""
            if device is not None:
                device.status = "on-loan"

    def _recent(
        self, s: Session, loan_id: str, state: str, when: Callable[[Loan], dt.datetime | None]
    ) -> Loan:
        loan = s.get(Loan, loan_id)
        if loan is None or loan.deleted or loan.state != state:
            raise UserError(_("Er is niets meer om ongedaan te maken."))
        moment = when(loan)
        if moment is None or (self._now() - moment).total_seconds() > UNDO_SECONDS:
            raise UserError(_("Ongedaan maken kan maar tot een minuut na de handeling."))
        return loan

    # -- lists --------------------------------------------------------------------

    def list(
        self,
        open_only: bool = False,
        overdue_only: bool = False,
        borrower_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[LoanView]:
        """Loans by due date; `limit`/`offset` give one page (the window's tables page)."""
        with self._sessions() as s:
            stmt = loan_list_statement(open_only, overdue_only, self.today(), borrower_id)
            if limit is not None:
                stmt = stmt.limit(limit).offset(offset)
            return [
                LoanView(loan, device, borrower, self.today()) for loan, device, borrower in s.execute(stmt)
            ]

    def for_device(self, tag: str) -> LoanView | None:
        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            loan = open_loan_in(s, device.id)
            if loan is None:
                return None
            borrower = s.get(Borrower, loan.borrower_id)
            if borrower is None:
                raise NotFound(_("Ontlener van deze uitlening niet gevonden."))
            return LoanView(loan, device, borrower, self.today())

    def open_count(self) -> int:
        with self._sessions() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(Loan)
                    .where(Loan.state == "open", Loan.deleted.is_(False))
                )
                or 0
            )

    def overdue_count(self) -> int:
        """Open loans past their due date (the window's status bar)."""
        with self._sessions() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(Loan)
                    .where(Loan.state == "open", Loan.deleted.is_(False), Loan.due_date < self.today())
                )
                or 0
            )


def open_loan_in(s: Session, device_id: str, exclude: str | None = None) -> Loan | None:
    stmt = select(Loan).where(Loan.device_id == device_id, Loan.state == "open", Loan.deleted.is_(False))
    if exclude:
        stmt = stmt.where(Loan.id != exclude)
    return s.scalars(stmt.order_by(Loan.out_at, Loan.id)).first()


MAX_LOAN_DAYS = 730


def deposit_method_name(method: str) -> str:
    """How a deposit was paid, in words (the codes are the command line's)."""
    return {
        "cash": _("contant"),
        "payconiq": _("Payconiq"),
        "waived": _("vrijgesteld"),
        "": _("geen waarborg"),
    }.get(method, method)


def check_not_too_far(due: dt.date, today: dt.date) -> None:
    """A due date years ahead is a typing mistake (2099 for 2026), not a loan."""
    if (due - today).days > MAX_LOAN_DAYS:
        raise UserError(
            _("De terugbrengdatum {due} ligt meer dan twee jaar ver; kijk het jaartal na.").format(
                due=date_be(due)
            )
        )
