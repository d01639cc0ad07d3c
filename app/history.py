"""History of one device or one person for the details panes: loans, returns, wipes, repairs,
reminders and calls, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.bench import wipe_method_names, wipe_result_names
from app.borrowers import full_name
from app.formatting import date_be
from app.i18n import _
from app.reminders.service import call_outcome_names, channel_names, step_name
from db.models import Borrower, DataWipe, Device, Loan, Repair
from db.models_reminders import ReminderCall, ReminderSent

LIMIT = 15


@dataclass(frozen=True)
class Event:
    when: dt.datetime
    text: str


def _moment(value: dt.date | dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.min
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


class HistoryService:
    def __init__(
        self, session_factory: sessionmaker[Session], today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self._sessions = session_factory
        self._today = today

    def device(self, device_id: str) -> list[Event]:
        with self._sessions() as s:
            events: list[Event] = []
            loans = s.execute(
                select(Loan, Borrower)
                .join(Borrower, Borrower.id == Loan.borrower_id)
                .where(Loan.device_id == device_id, Loan.deleted.is_(False))
            ).all()
            for loan, person in loans:
                who = f"{full_name(person)} ({person.card_number})"
                events += self._loan_events(loan, who)
            events += self._reminder_events(s, [loan.id for loan, _p in loans])
            for wipe in s.scalars(
                select(DataWipe).where(DataWipe.device_id == device_id, DataWipe.deleted.is_(False))
            ):
                events.append(
                    Event(
                        _moment(wipe.ended_at or wipe.started_at),
                        _("Gewist ({method}): {result}").format(
                            method=wipe_method_names().get(wipe.method, wipe.method),
                            result=wipe_result_names().get(wipe.result, wipe.result),
                        ),
                    )
                )
            for repair in s.scalars(
                select(Repair).where(Repair.device_id == device_id, Repair.deleted.is_(False))
            ):
                events.append(
                    Event(_moment(repair.done_on), _("Hersteld: {action}").format(action=repair.action))
                )
        return sorted(events, key=lambda e: e.when, reverse=True)

    def person(self, borrower_id: str) -> list[Event]:
        with self._sessions() as s:
            events: list[Event] = []
            loans = s.execute(
                select(Loan, Device)
                .join(Device, Device.id == Loan.device_id)
                .where(Loan.borrower_id == borrower_id, Loan.deleted.is_(False))
            ).all()
            for loan, device in loans:
                events += self._loan_events(loan, device.asset_tag)
            events += self._reminder_events(s, [loan.id for loan, _d in loans])
        return sorted(events, key=lambda e: e.when, reverse=True)

    def _loan_events(self, loan: Loan, what: str) -> list[Event]:
        events = [
            Event(
                loan.out_at,
                _("Uitgeleend: {what}, terug tegen {due}").format(what=what, due=date_be(loan.due_date)),
            )
        ]
        if loan.in_at is not None:
            late = (loan.in_at.date() - loan.due_date).days
            text = _("Teruggebracht: {what}").format(what=what)
            if late > 0:
                text += " " + _("({days} dag(en) te laat)").format(days=late)
            events.append(Event(loan.in_at, text))
        elif loan.due_date < self._today():
            events.append(
                Event(
                    _moment(loan.due_date),
                    _("TE LAAT: {what} is nog niet terug").format(what=what),
                )
            )
        return events

    @staticmethod
    def _reminder_events(s: Session, loan_ids: list[str]) -> list[Event]:
        events: list[Event] = []
        for start in range(0, len(loan_ids), 500):
            chunk = loan_ids[start : start + 500]
            for r in s.scalars(
                select(ReminderSent).where(ReminderSent.loan_id.in_(chunk), ReminderSent.deleted.is_(False))
            ):
                events.append(
                    Event(
                        r.sent_at,
                        _("Herinnering ({step}) per {channel}").format(
                            step=step_name(r.step), channel=channel_names().get(r.channel, r.channel)
                        ),
                    )
                )
            for c in s.scalars(
                select(ReminderCall).where(ReminderCall.loan_id.in_(chunk), ReminderCall.deleted.is_(False))
            ):
                events.append(
                    Event(
                        c.called_at,
                        _("Gebeld: {outcome}").format(outcome=call_outcome_names().get(c.outcome, c.outcome)),
                    )
                )
        return events


def history_lines(events: list[Event], limit: int = LIMIT) -> list[str]:
    """The details pane's "Geschiedenis" block: the newest `limit` events, then how many more."""
    if not events:
        return []
    lines = [_("Geschiedenis:")]
    lines += [f"  {date_be(e.when)}  {e.text}" for e in events[:limit]]
    if len(events) > limit:
        lines.append("  " + _("… en nog {count} oudere").format(count=len(events) - limit))
    return lines
