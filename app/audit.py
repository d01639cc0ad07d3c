"""The audit log: who did what, when, where, and whether it was allowed.

Each event is its own synced record, written once (db/models_staff.py refuses edits),
so the log of every counter of a digibank merges into the same list. An event names its
subject by a code (card, asset tag, staff name) and a change by field names; personal
values never go in.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from db.base import OutboxEntry, new_id
from db.changes import LOCATION_KEY, read_state
from db.models import Location
from db.models_staff import AuditEvent
from db.values import to_json

log = logging.getLogger(__name__)


class Person(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    staff_id: str
    staff_name: str
    action: str
    subject: str
    detail: str
    outcome: str
    location: str
    id: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "at": self.at.isoformat(timespec="seconds"),
            "staff_id": self.staff_id,
            "staff": self.staff_name,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
            "outcome": self.outcome,
            "location": self.location,
        }


def _fit(text: str, column: str) -> str:
    """An event must never fail the action it records: text longer than its column (a
    label run over many tags) is shortened visibly, with "…" at the end."""
    limit = AuditEvent.__table__.c[column].type.length  # type: ignore[attr-defined]
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


CSV_COLUMNS = ("at", "staff", "action", "subject", "detail", "outcome", "location", "staff_id", "id")


class AuditLog:
    def __init__(
        self, session_factory: sessionmaker[Session], now: Callable[[], dt.datetime] = dt.datetime.now
    ) -> None:
        self._sessions = session_factory
        self._now = now

    def record(
        self,
        action: str,
        staff: Person | None,
        *,
        subject: str = "",
        detail: str = "",
        outcome: str = "ok",
    ) -> None:
        with self._sessions() as s, s.begin():
            location_id = read_state(s, LOCATION_KEY)
            location = s.get(Location, location_id) if location_id else None
            if staff is not None:
                # changed_by of the event itself is its author, also for a refused attempt.
                s.info["actor"] = staff.id
            s.add(
                AuditEvent(
                    at=self._now().replace(microsecond=0),
                    staff_id=staff.id if staff else "",
                    staff_name=staff.name if staff else "",
                    action=_fit(action, "action"),
                    subject=_fit(subject, "subject"),
                    detail=_fit(detail, "detail"),
                    outcome=outcome,
                    location=location.code if location else "",
                )
            )
        log.info("audit: %s %s (%s)", action, outcome, staff.id if staff else "-")

    def events(
        self, start: dt.date | None = None, end: dt.date | None = None, staff_name: str | None = None
    ) -> list[AuditRow]:
        query = select(AuditEvent).where(AuditEvent.deleted.is_(False))
        if start is not None:
            query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time()))
        if end is not None:
            query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        if staff_name:
            query = query.where(AuditEvent.staff_name == staff_name)
        # Ordered by the record's clock stamp (wall time first, then counter and location),
        # which every replica holds alike; `at` alone ties within a second, and a pulled
        # row's `at` is stored without the ".000000" a local one has.
        query = query.order_by(AuditEvent.created_at, AuditEvent.id)
        with self._sessions() as s:
            return [
                AuditRow(
                    e.at, e.staff_id, e.staff_name, e.action, e.subject, e.detail, e.outcome, e.location, e.id
                )
                for e in s.scalars(query)
            ]

    # -- a restore must not take events away ----------------------------------------

    def snapshot(self) -> list[dict[str, object]]:
        """Every event as stored (all columns), to carry over a backup restore."""
        with self._sessions() as s:
            return [dict(r._mapping) for r in s.execute(select(AuditEvent.__table__))]

    def carry_over(self, rows: list[dict[str, object]]) -> int:
        """Put back the events a restored (older) database does not have, with their own
        ids and clocks, and queue them for the server again (a repeat is a no-op there)."""
        with self._sessions() as s, s.begin():
            have = set(s.scalars(select(AuditEvent.id)))
            missing = [r for r in rows if r["id"] not in have]
            if not missing:
                return 0
            s.execute(insert(AuditEvent.__table__), missing)
            fields = AuditEvent.data_columns()
            for r in missing:
                s.add(
                    OutboxEntry(
                        change_id=new_id(),
                        table_name=AuditEvent.__tablename__,
                        row_id=str(r["id"]),
                        stamp=str(r["updated_at"]),
                        origin=str(r["origin"]),
                        actor=str(r["changed_by"]),
                        payload={
                            "fields": {n: to_json(r[n]) for n in fields},
                            "clocks": {n: str(r["updated_at"]) for n in fields},
                        },
                    )
                )
        log.info("restore: %d audit event(s) carried over", len(missing))
        return len(missing)

    @staticmethod
    def write_csv(rows: list[AuditRow], path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                data = row.to_json()
                # A name or subject starting with = + - @ would be a formula in Excel.
                writer.writerow({k: ("'" + v if v[:1] in "=+-@\t\r" else v) for k, v in data.items()})
