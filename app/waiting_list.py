"""Waiting list for devices: people who need a laptop when none is ready.

Order: priority (1 = urgent) first, then the date they asked, then who was
written down first. When a device becomes ready the counter asks `next(kind)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService, full_name
from app.errors import NotFound, UserError
from app.i18n import _
from app.inventory import kind_names
from db.models import DEVICE_KINDS, PRIORITIES, Borrower, WaitingListEntry

log = logging.getLogger(__name__)


def priority_names() -> dict[int, str]:
    return {1: _("dringend"), 2: _("normaal"), 3: _("kan wachten")}


@dataclass(frozen=True)
class WaitingRow:
    entry: WaitingListEntry
    borrower: Borrower
    position: int

    @property
    def days_waiting(self) -> int:
        return (dt.date.today() - self.entry.requested_on).days


class WaitingListService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._sessions = session_factory
        self._today = today

    def add(self, card: str, kind: str = "laptop", priority: int = 2, notes: str = "") -> WaitingListEntry:
        if kind not in DEVICE_KINDS:
            raise UserError(
                _("Onbekende soort '{kind}'. Kies uit: {choices}.").format(
                    kind=kind, choices=", ".join(DEVICE_KINDS)
                )
            )
        if priority not in PRIORITIES:
            raise UserError(_("Prioriteit moet 1 (dringend), 2 (normaal) of 3 (kan wachten) zijn."))
        with self._sessions() as s, s.begin():
            person = BorrowerService.get_in(s, card)
            if person.erased:
                raise UserError(_("Deze persoon is gewist en kan niet op de wachtlijst."))
            existing = s.scalar(
                select(WaitingListEntry).where(
                    WaitingListEntry.borrower_id == person.id,
                    WaitingListEntry.device_kind == kind,
                    WaitingListEntry.state == "waiting",
                    WaitingListEntry.deleted.is_(False),
                )
            )
            if existing is not None:
                raise UserError(
                    _("{name} staat al op de wachtlijst voor een {kind} (sinds {since}).").format(
                        name=full_name(person),
                        kind=kind_names().get(kind, kind),
                        since=existing.requested_on.strftime("%d/%m/%Y"),
                    )
                )
            entry = WaitingListEntry(
                borrower_id=person.id,
                device_kind=kind,
                priority=priority,
                requested_on=self._today(),
                state="waiting",
                notes=notes.strip(),
            )
            s.add(entry)
        log.info("waiting list: %s for %s", person.card_number, kind)
        return entry

    def list(self, kind: str | None = None) -> list[WaitingRow]:
        with self._sessions() as s:
            stmt = (
                select(WaitingListEntry, Borrower)
                .join(Borrower, Borrower.id == WaitingListEntry.borrower_id)
                .where(WaitingListEntry.state == "waiting", WaitingListEntry.deleted.is_(False))
            )
            if kind:
                stmt = stmt.where(WaitingListEntry.device_kind == kind)
            stmt = stmt.order_by(
                WaitingListEntry.priority, WaitingListEntry.requested_on, WaitingListEntry.created_at
            )
            # The place in the queue counts per kind: a person waiting for a screen is not
            # behind the people waiting for a laptop.
            seen: dict[str, int] = {}
            rows = []
            for e, b in s.execute(stmt).all():
                seen[e.device_kind] = seen.get(e.device_kind, 0) + 1
                rows.append(WaitingRow(e, b, seen[e.device_kind]))
            return rows

    def next(self, kind: str = "laptop") -> WaitingRow | None:
        rows = self.list(kind)
        return rows[0] if rows else None

    def serve(self, entry_id: str, loan_id: str | None = None) -> WaitingListEntry:
        return self._close(entry_id, "served", loan_id)

    def cancel(self, entry_id: str) -> WaitingListEntry:
        return self._close(entry_id, "cancelled", None)

    def _close(self, entry_id: str, state: str, loan_id: str | None) -> WaitingListEntry:
        with self._sessions() as s, s.begin():
            entry = s.get(WaitingListEntry, entry_id)
            if entry is None or entry.deleted:
                raise NotFound(_("Deze plaats op de wachtlijst bestaat niet."))
            if entry.state != "waiting":
                raise UserError(_("Deze persoon staat niet meer op de wachtlijst."))
            entry.state = state
            if loan_id:
                entry.served_loan_id = loan_id
            return entry
