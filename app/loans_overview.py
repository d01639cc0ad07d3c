"""The loans overview ("Uitleningen"): every open loan, filtered, searched and sorted in SQL.

`search_ids` gives the ids of one filtered, sorted list (the lazy table pages through them);
`rows(ids)` reads one page with what the table shows. Both run on the open-loan index
(`ix_loan_state_due`), so the first page stays fast with a million loans in the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from app.formatting import euro
from app.i18n import _
from app.search import fts_query
from db.models import Borrower, Device, Loan, Location
from db.models_reminders import ReminderCall, ReminderSent

FILTERS = ("open", "late", "week", "calls")
SORT_KEYS = ("tag", "name", "device", "out", "due", "late", "deposit", "location", "reminder")
CHUNK = 500


def filter_names() -> dict[str, str]:
    return {
        "open": _("Alle open uitleningen"),
        "late": _("Te laat"),
        "week": _("Terug binnen 7 dagen"),
        "calls": _("Bellijst (te laat, met telefoon)"),
    }


@dataclass(frozen=True)
class LoanRow:
    id: str  # the loan's id (the lazy table's row id)
    device_id: str
    borrower_id: str
    tag: str
    device: str
    card: str
    name: str
    phone: str
    email: str
    out_at: dt.datetime
    due_date: dt.date
    days_late: int
    deposit_cents: int
    location: str
    conflict: str
    last_reminder: dt.datetime | None
    last_call: str  # the last call's outcome code, "" when not called


def open_loans(
    *columns: Any,
    with_device: bool = True,
    with_person: bool = True,
    late_on: dt.date | None = None,
    due_by: dt.date | None = None,
    reachable: bool = False,
) -> Select[Any]:
    """The open loans, one walk along the open-loan index (`ix_loan_state_due`): the one query
    of the overview, the reminders and the call list (app/reminders). `columns` as for
    `select`; the device and the person joined unless left out; `late_on`: only loans late on
    that day (due before it); `due_by`: only loans due on or before it; `reachable`: only
    people who were not erased (someone to remind or to call; needs the person)."""
    stmt = select(*columns).where(Loan.state == "open", Loan.deleted.is_(False))
    if with_device:
        stmt = stmt.join(Device, Device.id == Loan.device_id)
    if with_person:
        stmt = stmt.join(Borrower, Borrower.id == Loan.borrower_id)
    if late_on is not None:
        stmt = stmt.where(Loan.due_date < late_on)
    if due_by is not None:
        stmt = stmt.where(Loan.due_date <= due_by)
    if reachable:
        stmt = stmt.where(Borrower.erased.is_(False))
    return stmt


def deposit_text(row: LoanRow) -> str:
    """The deposit column. (The deposits work adds how it was paid; shown here once it exists.)"""
    return euro(row.deposit_cents) if row.deposit_cents else "—"


class LoanOverview:
    def __init__(
        self, session_factory: sessionmaker[Session], today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self._sessions = session_factory
        self._today = today

    def locations(self) -> list[tuple[str, str]]:
        """(id, name) of every location loans went out from, for the location filter."""
        with self._sessions() as s:
            rows = s.execute(
                select(Location.id, Location.name, Location.code)
                .where(Location.deleted.is_(False))
                .order_by(Location.code)
            ).all()
        return [(row.id, f"{row.name} ({row.code})") for row in rows]

    def search_ids(
        self,
        query: str = "",
        filter: str = "open",
        location_id: str | None = None,
        sort: str = "due",
        descending: bool = False,
    ) -> list[str]:
        today = self._today()
        match = fts_query(query)
        # Join the device and the person only when the filter, search or order needs them:
        # the plain list is then one walk along the open-loan index, already in due-date order.
        with_device = bool(match) or sort in ("tag", "device")
        with_person = bool(match) or sort == "name" or filter == "calls"
        with self._sessions() as s:
            stmt = open_loans(
                Loan.id,
                with_device=with_device,
                with_person=with_person,
                late_on=today if filter in ("late", "calls") else None,
                reachable=filter == "calls",
            )
            if filter == "calls":
                stmt = stmt.where(Borrower.phone != "")
            elif filter == "week":
                stmt = stmt.where(Loan.due_date >= today, Loan.due_date <= today + dt.timedelta(days=7))
            if location_id:
                stmt = stmt.where(Loan.out_location_id == location_id)
            if match:
                # A loan is found by its device (tag, serial, brand, model) or its person
                # (card, name, phone, postcode): the same full-text indexes as the other tabs.
                stmt = stmt.where(
                    or_(
                        text("device.rowid IN (SELECT rowid FROM device_fts WHERE device_fts MATCH :q)"),
                        text(
                            "borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)"
                        ),
                    )
                ).params(q=match)
            stmt = stmt.order_by(*self._order(sort, descending, with_device))
            return list(s.scalars(stmt))

    @staticmethod
    def _order(sort: str, descending: bool, with_device: bool) -> list[ColumnElement[Any]]:
        last_reminder = (
            select(func.max(ReminderSent.sent_at))
            .where(ReminderSent.loan_id == Loan.id, ReminderSent.deleted.is_(False))
            .scalar_subquery()
        )
        location_code = select(Location.code).where(Location.id == Loan.out_location_id).scalar_subquery()
        keys: dict[str, list[ColumnElement[Any] | InstrumentedAttribute[Any]]] = {
            "tag": [Device.asset_tag],
            "name": [func.lower(Borrower.last_name), func.lower(Borrower.first_name)],
            "device": [func.lower(Device.brand), func.lower(Device.model)],
            "out": [Loan.out_at],
            "due": [Loan.due_date],
            # Most days late first is the earliest due date first.
            "late": [Loan.due_date],
            "deposit": [Loan.deposit_cents],
            "location": [location_code],
            "reminder": [last_reminder],
        }
        columns = keys.get(sort, keys["due"])
        flip = descending != (sort == "late")
        ordered = [c.desc() if flip else c.asc() for c in columns]
        # A stable order between equal keys (the tag when the device is joined anyway).
        return [*ordered, Device.asset_tag.asc() if with_device else Loan.id.asc()]

    def rows(self, ids: Sequence[str]) -> list[LoanRow]:
        if not ids:
            return []
        today = self._today()
        last_reminder = (
            select(func.max(ReminderSent.sent_at))
            .where(ReminderSent.loan_id == Loan.id, ReminderSent.deleted.is_(False))
            .scalar_subquery()
        )
        last_call = (
            select(ReminderCall.outcome)
            .where(ReminderCall.loan_id == Loan.id, ReminderCall.deleted.is_(False))
            .order_by(ReminderCall.called_at.desc(), ReminderCall.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        with self._sessions() as s:
            # One statement, only the columns shown: a device's specs and a person's notes
            # stay on disk.
            found = {
                row.id: row
                for row in s.execute(
                    select(
                        Loan.id,
                        Loan.device_id,
                        Loan.borrower_id,
                        Loan.out_at,
                        Loan.due_date,
                        Loan.deposit_cents,
                        Loan.conflict,
                        Device.asset_tag,
                        Device.brand,
                        Device.model,
                        Borrower.card_number,
                        Borrower.first_name,
                        Borrower.last_name,
                        Borrower.phone,
                        Borrower.email,
                        Location.code,
                        last_reminder.label("last_reminder"),
                        last_call.label("last_call"),
                    )
                    .join(Device, Device.id == Loan.device_id)
                    .join(Borrower, Borrower.id == Loan.borrower_id)
                    .outerjoin(Location, Location.id == Loan.out_location_id)
                    .where(Loan.id.in_(list(ids)))
                )
            }
        rows = []
        for loan_id in ids:
            if loan_id not in found:
                continue
            r = found[loan_id]
            rows.append(
                LoanRow(
                    id=r.id,
                    device_id=r.device_id,
                    borrower_id=r.borrower_id,
                    tag=r.asset_tag,
                    device=" ".join(p for p in (r.brand, r.model) if p),
                    card=r.card_number,
                    name=f"{r.first_name} {r.last_name}".strip(),
                    phone=r.phone,
                    email=r.email,
                    out_at=r.out_at,
                    due_date=r.due_date,
                    days_late=max(0, (today - r.due_date).days),
                    deposit_cents=r.deposit_cents,
                    location=r.code or "",
                    conflict=r.conflict,
                    last_reminder=r.last_reminder,
                    last_call=r.last_call or "",
                )
            )
        return rows
