"""GDPR erasure at an ordinary counter: a request that waits for confirmation.

The server accepts an erasure only from a location token with the *coordinator* scope
(server/store.py). A coordinator who signs for an erasure at an ordinary counter (a
counter-scope token) would otherwise erase the person here while the server refuses the
change: this counter would show the person erased, every other counter would still hold
and lend to them, and the refused change would wait in the outbox without end.

So at such a counter the erasure travels as a request (db/models_privacy.py), and the
person's data is NOT erased here until the request is confirmed — at a coordinator-scope
PC (`digibank erasure approve`, the window's list) or by the server's administrator
(`digibank-server erasure approve`, server/erasure_requests.py). Why wait rather than
erase locally at once: an erasure cannot be undone, every replica must do it together
(the server then scrubs its history too), and the person must not be half-erased — gone
here, present and lendable elsewhere. Meanwhile the person is marked "wissing
aangevraagd" on every counter and gets no new loans (app/loans.py), so nothing new is
recorded about them while the confirmation is pending.

A lone counter (it never synced: no token scope known) and a coordinator-scope PC erase at
once, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService
from app.errors import NotFound, UserError
from app.formatting import date_be
from app.i18n import _
from app.privacy import (
    PrivacyService,
    check_donor_erasable,
    check_erasable,
    donation_in,
    erase_checked_in,
    erase_donor_checked_in,
)
from db.changes import read_state
from db.models import Borrower, Donation
from db.models_privacy import ErasureRequest
from db.models_staff import Staff

log = logging.getLogger(__name__)

COORDINATOR_SCOPE = "coordinator"
SERVER = "server"


@dataclass(frozen=True)
class PendingErasure:
    id: str
    subject_table: str  # borrower | donation
    subject_id: str
    subject_code: str
    requested_at: dt.datetime
    requested_by: str  # the staff member's name (or the PC's user before staff existed)
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "subject_table": self.subject_table,
            "subject_code": self.subject_code,
            "requested_at": self.requested_at.isoformat(),
            "requested_by": self.requested_by,
            "reason": self.reason,
        }

    def line(self) -> str:
        """ "wissing aangevraagd op 01/12/2026 door Mieke" for lists and details."""
        return _("wissing aangevraagd op {date} door {name}").format(
            date=date_be(self.requested_at.date()), name=self.requested_by or "?"
        )


@dataclass(frozen=True)
class ErasureOutcome:
    """What `erase_borrower`/`erase_donor` did: erased at once, or asked for confirmation."""

    code: str  # the card or donation number
    erased: bool
    pending: PendingErasure | None = None


def erases_at_once(s: Session) -> bool:
    """True on a lone counter (never synced) and on a PC whose token has the coordinator scope."""
    from app.sync.service import TOKEN_SCOPE_KEY

    scope = read_state(s, TOKEN_SCOPE_KEY)
    return not scope or scope == COORDINATOR_SCOPE


def _view(s: Session, r: ErasureRequest) -> PendingErasure:
    return PendingErasure(
        r.id,
        r.subject_table,
        r.subject_id,
        r.subject_code,
        r.requested_at,
        r.requested_by_name or r.requested_by,
        r.reason,
    )


def _is_done(s: Session, r: ErasureRequest) -> bool:
    """Erased meanwhile by any path (a coordinator PC, the server, retention)."""
    subject: Borrower | Donation | None = (
        s.get(Borrower, r.subject_id) if r.subject_table == "borrower" else s.get(Donation, r.subject_id)
    )
    return subject is None or bool(subject.erased)


def pending_in(s: Session, subject_id: str | None = None) -> list[PendingErasure]:
    stmt = select(ErasureRequest).where(ErasureRequest.state == "pending", ErasureRequest.deleted.is_(False))
    if subject_id is not None:
        stmt = stmt.where(ErasureRequest.subject_id == subject_id)
    rows = s.scalars(stmt.order_by(ErasureRequest.requested_at, ErasureRequest.id))
    return [_view(s, r) for r in rows if not _is_done(s, r)]


class ErasureRequests:
    """Erase now or ask for it, list what waits, and confirm (at a coordinator-scope PC)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        privacy: PrivacyService,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._privacy = privacy
        self._now = now

    def erases_at_once(self) -> bool:
        with self._sessions() as s:
            return erases_at_once(s)

    def erase_borrower(self, card: str, reason: str = "") -> ErasureOutcome:
        with self._sessions() as s:
            at_once = erases_at_once(s)
        if at_once:
            borrower = self._privacy.erase(card)
            return ErasureOutcome(borrower.card_number, True)
        with self._sessions() as s, s.begin():
            borrower = BorrowerService.get_in(s, card)
            check_erasable(s, borrower)
            pending = self._request_in(s, "borrower", borrower.id, borrower.card_number, reason)
        return ErasureOutcome(borrower.card_number, False, pending)

    def erase_donor(self, number: str, reason: str = "") -> ErasureOutcome:
        with self._sessions() as s:
            at_once = erases_at_once(s)
        if at_once:
            donation = self._privacy.erase_donor(number)
            return ErasureOutcome(donation.number, True)
        with self._sessions() as s, s.begin():
            donation = donation_in(s, number)
            check_donor_erasable(donation)
            pending = self._request_in(s, "donation", donation.id, donation.number, reason)
        return ErasureOutcome(donation.number, False, pending)

    def _request_in(self, s: Session, table: str, subject_id: str, code: str, reason: str) -> PendingErasure:
        earlier = pending_in(s, subject_id)
        if earlier:
            raise UserError(
                _("Voor {code} is al een {what}: een coördinator moet ze nog bevestigen.").format(
                    code=code, what=earlier[0].line()
                )
            )
        reason = " ".join((reason or "").split())
        if len(reason) > 400:
            raise UserError(_("De reden is te lang (hoogstens 400 tekens)."))
        actor = str(s.info.get("actor", ""))
        staff = s.get(Staff, actor) if actor else None
        request = ErasureRequest(
            subject_table=table,
            subject_id=subject_id,
            subject_code=code,
            requested_at=self._now().replace(microsecond=0),
            requested_by=actor,
            requested_by_name=staff.name if staff is not None else actor,
            reason=reason,
        )
        s.add(request)
        s.flush()
        log.info("erasure of %s %s requested (%s)", table, code, request.id)
        return _view(s, request)

    def request_retention(self, cards: list[str]) -> list[str]:
        """Retention at an ordinary counter: a request per person due (not yet asked)."""
        asked = []
        with self._sessions() as s, s.begin():
            for card in cards:
                borrower = BorrowerService.get_in(s, card)
                if borrower.erased or pending_in(s, borrower.id):
                    continue
                check_erasable(s, borrower)
                reason = _("bewaartermijn verstreken")
                self._request_in(s, "borrower", borrower.id, borrower.card_number, reason)
                asked.append(borrower.card_number)
        return asked

    def pending(self) -> list[PendingErasure]:
        with self._sessions() as s:
            return pending_in(s)

    def pending_for(self, subject_id: str) -> PendingErasure | None:
        with self._sessions() as s:
            found = pending_in(s, subject_id)
            return found[0] if found else None

    def approve(self, request_id: str) -> PendingErasure:
        """Confirm a request at this PC: the erasure happens here and syncs as any erasure."""
        traces: set[str] = set()
        with self._sessions() as s, s.begin():
            if not erases_at_once(s):
                raise UserError(
                    _(
                        "Bevestigen kan enkel op een pc met een coördinatorsleutel van de server, of door "
                        "de beheerder van de server ('digibank-server erasure approve')."
                    )
                )
            request = _find_in(s, request_id)
            view = _view(s, request)
            if not _is_done(s, request):
                if request.subject_table == "borrower":
                    borrower = s.get(Borrower, request.subject_id)
                    assert borrower is not None
                    traces = erase_checked_in(s, borrower)
                else:
                    donation = s.get(Donation, request.subject_id)
                    assert donation is not None
                    traces = erase_donor_checked_in(s, donation)
            request.state = "approved"
            request.decided_at = self._now().replace(microsecond=0)
            request.decided_by = str(s.info.get("actor", ""))
        self._privacy.scrub_log_files(traces)
        log.info("erasure request %s approved: %s %s erased", view.id, view.subject_table, view.subject_code)
        return view


def _find_in(s: Session, request_id: str) -> ErasureRequest:
    """By its id or the first characters of it (the list shows eight)."""
    ref = (request_id or "").strip().lower()
    rows = (
        list(
            s.scalars(
                select(ErasureRequest).where(
                    ErasureRequest.id.startswith(ref, autoescape=True),
                    ErasureRequest.state == "pending",
                    ErasureRequest.deleted.is_(False),
                )
            )
        )
        if len(ref) >= 4
        else []
    )
    if len(rows) != 1:
        raise NotFound(
            _("Geen openstaande wissingsaanvraag '{id}' (zie 'digibank erasure list').").format(id=request_id)
        )
    return rows[0]
