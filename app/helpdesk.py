"""Helpdesk log: one quick record per visit (topic, minutes, outcome, person or postcode)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import postcodes
from app.borrowers import BorrowerService, full_name
from app.errors import UserError
from app.i18n import _
from app.locations import LocationService
from db.models import HELPDESK_OUTCOMES, HELPDESK_TOPICS, Borrower, HelpdeskVisit

log = logging.getLogger(__name__)

MAX_MINUTES = 600


def topic_names() -> dict[str, str]:
    """Dutch names in the order of the buttons (keys 1..9, 0)."""
    return {
        "tax-on-web": _("Tax-on-web / MyMinfin"),
        "itsme": _("itsme"),
        "ebox": _("eBox"),
        "burgerprofiel": _("Mijn Burgerprofiel"),
        "bank": _("Bankapps"),
        "health": _("Gezondheid / mutualiteit"),
        "vdab": _("VDAB / werk zoeken"),
        "benefits": _("Sociale voordelen"),
        "device": _("Probleem met toestel"),
        "other": _("Andere vraag"),
    }


def outcome_names() -> dict[str, str]:
    return {"solved": _("opgelost"), "referred": _("doorverwezen"), "follow-up": _("opvolging nodig")}


@dataclass(frozen=True)
class VisitRow:
    visit: HelpdeskVisit
    borrower: Borrower | None

    @property
    def who(self) -> str:
        if self.borrower is not None:
            if self.borrower.erased:
                return _("(gewist)")
            return f"{self.borrower.first_name} {self.borrower.last_name} ({self.borrower.card_number})"
        return _("anoniem {postcode}").format(postcode=self.visit.postcode).strip()


@dataclass(frozen=True)
class DaySummary:
    day: dt.date
    rows: list[VisitRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def minutes(self) -> int:
        return sum(r.visit.minutes for r in self.rows)

    @property
    def per_topic(self) -> dict[str, int]:
        return dict(Counter(r.visit.topic for r in self.rows))


class HelpdeskService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._now = now

    def log(
        self,
        topic: str,
        card: str = "",
        postcode: str = "",
        minutes: int = 10,
        outcome: str = "solved",
        notes: str = "",
    ) -> HelpdeskVisit:
        if topic not in HELPDESK_TOPICS:
            raise UserError(
                _("Onbekend onderwerp '{topic}'. Kies uit: {choices}.").format(
                    topic=topic, choices=", ".join(HELPDESK_TOPICS)
                )
            )
        if outcome not in HELPDESK_OUTCOMES:
            raise UserError(
                _("Onbekende afloop '{outcome}'. Kies uit: {choices}.").format(
                    outcome=outcome, choices=", ".join(HELPDESK_OUTCOMES)
                )
            )
        if not 0 < minutes <= MAX_MINUTES:
            raise UserError(_("Geef de duur in minuten tussen 1 en {max}.").format(max=MAX_MINUTES))
        with self._sessions() as s, s.begin():
            borrower_id = None
            code = ""
            if (card or "").strip():
                person = BorrowerService.get_in(s, card)
                borrower_id = person.id
                code = person.postcode
            elif (postcode or "").strip():
                code = postcodes.normalise(postcode)
            visit = HelpdeskVisit(
                visited_at=self._now().replace(microsecond=0),
                topic=topic,
                minutes=minutes,
                outcome=outcome,
                borrower_id=borrower_id,
                postcode=code,
                location_id=LocationService.current_in(s).id,
                notes=notes.strip(),
            )
            s.add(visit)
        log.info("helpdesk visit %s (%s min)", topic, minutes)
        return visit

    def person_name(self, card: str) -> str:
        """Who a scanned card belongs to (NotFound with a clear message for an unknown card)."""
        with self._sessions() as s:
            person = BorrowerService.get_in(s, card)
            return full_name(person)

    def undo(self, visit_id: str) -> None:
        """Take back a visit logged by mistake (a tombstone, so it syncs)."""
        with self._sessions() as s, s.begin():
            visit = s.get(HelpdeskVisit, visit_id)
            if visit is None or visit.deleted:
                raise UserError(_("Dit bezoek bestaat niet (meer)."))
            visit.deleted = True

    def day(self, day: dt.date | None = None) -> DaySummary:
        day = day or self._now().date()
        start = dt.datetime.combine(day, dt.time())
        with self._sessions() as s:
            rows = s.execute(
                select(HelpdeskVisit, Borrower)
                .outerjoin(Borrower, Borrower.id == HelpdeskVisit.borrower_id)
                .where(
                    HelpdeskVisit.visited_at >= start,
                    HelpdeskVisit.visited_at < start + dt.timedelta(days=1),
                    HelpdeskVisit.deleted.is_(False),
                )
                .order_by(HelpdeskVisit.visited_at.desc())
            ).all()
        return DaySummary(day, [VisitRow(v, b) for v, b in rows])
