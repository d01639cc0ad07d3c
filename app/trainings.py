"""Trainings: sessions and series, registration with a waiting list, attendance, walk-ins.

A session is named on the command line and on screens by its short number: the
first 8 characters of its id (like a short git hash), unique in practice and
stable across every replica because the id is. Attendance ids are derived from
(session, person), so the same card scanned twice — even at two offline places —
is one record after sync.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService
from app.errors import NotFound, UserError
from app.formatting import check_year
from app.i18n import _
from app.locations import LocationService
from db.models import Attendance, Borrower, Registration, TrainingSession

log = logging.getLogger(__name__)

ATTENDANCE_NAMESPACE = uuid.UUID("6f1d2c1e-8a4b-5b7e-9d0c-1a2b3c4d5e6f")
SHORT_LEN = 8
MIN_REF = 4


def attendance_id(session_id: str, borrower_id: str) -> str:
    return str(uuid.uuid5(ATTENDANCE_NAMESPACE, f"{session_id}:{borrower_id}"))


def short_number(session: TrainingSession) -> str:
    return session.id[:SHORT_LEN]


def registration_state_names() -> dict[str, str]:
    return {"registered": _("ingeschreven"), "waiting": _("wachtlijst"), "cancelled": _("geannuleerd")}


@dataclass(frozen=True)
class SessionSummary:
    session: TrainingSession
    registered: int
    waiting: int
    attended: int

    @property
    def short(self) -> str:
        return short_number(self.session)

    @property
    def present(self) -> int:
        return self.attended + self.session.walk_ins


@dataclass(frozen=True)
class AttendResult:
    attendance: Attendance
    borrower: Borrower
    already: bool  # the card was scanned before for this session


@dataclass(frozen=True)
class RegistrationRow:
    registration: Registration
    borrower: Borrower
    attended: bool


@dataclass(frozen=True)
class SeriesParticipation:
    borrower: Borrower
    series: str
    sessions: list[tuple[TrainingSession, bool]]  # every session of the series, attended or not

    @property
    def attended(self) -> list[TrainingSession]:
        return [t for t, present in self.sessions if present]


def parse_start(text: str) -> dt.datetime:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
        try:
            start = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        check_year(start.date())
        return start
    raise UserError(
        _('Ongeldig beginuur \'{text}\': gebruik "JJJJ-MM-DD UU:MM", bv. "2026-03-12 14:00".').format(
            text=text
        )
    )


class TrainingService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._now = now

    # -- sessions ----------------------------------------------------------------

    def add(
        self,
        title: str,
        starts_at: dt.datetime,
        capacity: int = 12,
        series: str = "",
        part: int = 0,
        of: int = 0,
        trainer: str = "",
        place: str = "",
        topic: str = "",
        minutes: int = 120,
    ) -> TrainingSession:
        title = " ".join((title or "").split())
        if not title:
            raise UserError(_("Geef de titel van de opleiding (--title)."))
        if capacity < 1:
            raise UserError(_("De capaciteit moet minstens 1 zijn."))
        series = " ".join((series or "").split())
        if series and (part < 1 or of < 1 or part > of):
            raise UserError(_("Een reeks heeft een deelnummer en een aantal nodig, bv. --part 2 --of 4."))
        with self._sessions() as s, s.begin():
            training = TrainingSession(
                title=title,
                topic=topic.strip(),
                series=series,
                series_part=part if series else 0,
                series_size=of if series else 0,
                trainer=trainer.strip(),
                place=place.strip(),
                location_id=LocationService.current_in(s).id,
                starts_at=starts_at,
                minutes=minutes,
                capacity=capacity,
                walk_ins=0,
            )
            s.add(training)
        log.info("training %s added", training.id)
        return training

    def get(self, ref: str) -> TrainingSession:
        with self._sessions() as s:
            return self.get_in(s, ref)

    @staticmethod
    def get_in(s: Session, ref: str) -> TrainingSession:
        """By full id or by a unique start of it (the short number)."""
        ref = (ref or "").strip().lower()
        if len(ref) < MIN_REF:
            raise UserError(
                _(
                    "Sessienummer '{ref}' is te kort: geef minstens {n} tekens (de nummers staan in de "
                    "lijst van Opleidingen)."
                ).format(ref=ref, n=MIN_REF),
                command="digibank training list",
            )
        found = list(
            s.scalars(
                select(TrainingSession)
                .where(
                    TrainingSession.id.startswith(ref, autoescape=True), TrainingSession.deleted.is_(False)
                )
                .limit(2)
            )
        )
        if not found:
            raise NotFound(_("Geen opleidingssessie met nummer '{ref}'.").format(ref=ref))
        if len(found) > 1:
            raise UserError(_("Sessienummer '{ref}' is niet eenduidig: geef meer tekens.").format(ref=ref))
        return found[0]

    def list(self, since: dt.date | None = None, limit: int = 200) -> list[SessionSummary]:
        with self._sessions() as s:
            stmt = select(TrainingSession).where(TrainingSession.deleted.is_(False))
            if since:
                stmt = stmt.where(TrainingSession.starts_at >= dt.datetime.combine(since, dt.time()))
            sessions = list(s.scalars(stmt.order_by(TrainingSession.starts_at).limit(limit)))
            return [self._summary_in(s, t) for t in sessions]

    def summary(self, ref: str) -> SessionSummary:
        with self._sessions() as s:
            return self._summary_in(s, self.get_in(s, ref))

    def _summary_in(self, s: Session, t: TrainingSession) -> SessionSummary:
        counts = dict(
            s.execute(
                select(Registration.state, func.count())
                .where(Registration.session_id == t.id, Registration.deleted.is_(False))
                .group_by(Registration.state)
            ).all()
        )
        attended = (
            s.scalar(
                select(func.count())
                .select_from(Attendance)
                .where(Attendance.session_id == t.id, Attendance.deleted.is_(False))
            )
            or 0
        )
        return SessionSummary(t, counts.get("registered", 0), counts.get("waiting", 0), attended)

    # -- registration --------------------------------------------------------------

    def register(self, ref: str, card: str) -> Registration:
        """Register a person; when the session is full they go on its waiting list."""
        with self._sessions() as s, s.begin():
            training = self.get_in(s, ref)
            person = BorrowerService.get_in(s, card)
            existing = self._registration_in(s, training.id, person.id)
            if existing is not None and existing.state != "cancelled":
                return existing
            taken = self._count_in(s, training.id, "registered")
            state = "registered" if taken < training.capacity else "waiting"
            if existing is not None:
                existing.state = state
                existing.registered_at = self._now().replace(microsecond=0)
                return existing
            registration = Registration(
                session_id=training.id,
                borrower_id=person.id,
                state=state,
                registered_at=self._now().replace(microsecond=0),
            )
            s.add(registration)
        log.info("registration %s for %s: %s", person.card_number, training.id, state)
        return registration

    def cancel(self, ref: str, card: str) -> Registration | None:
        """Cancel a registration; the first person on the waiting list moves up.
        Returns the registration that moved up, if any."""
        with self._sessions() as s, s.begin():
            training = self.get_in(s, ref)
            person = BorrowerService.get_in(s, card)
            existing = self._registration_in(s, training.id, person.id)
            if existing is None or existing.state == "cancelled":
                raise UserError(_("Deze persoon is niet ingeschreven voor deze sessie."))
            freed = existing.state == "registered"
            existing.state = "cancelled"
            if not freed:
                return None
            s.flush()
            waiting = s.scalar(
                select(Registration)
                .where(
                    Registration.session_id == training.id,
                    Registration.state == "waiting",
                    Registration.deleted.is_(False),
                )
                .order_by(Registration.registered_at, Registration.created_at)
            )
            if waiting is not None and self._count_in(s, training.id, "registered") < training.capacity:
                waiting.state = "registered"
            return waiting

    def registrations(self, ref: str) -> builtins.list[RegistrationRow]:
        with self._sessions() as s:
            training = self.get_in(s, ref)
            present = set(
                s.scalars(
                    select(Attendance.borrower_id).where(
                        Attendance.session_id == training.id, Attendance.deleted.is_(False)
                    )
                )
            )
            rows = s.execute(
                select(Registration, Borrower)
                .join(Borrower, Borrower.id == Registration.borrower_id)
                .where(Registration.session_id == training.id, Registration.deleted.is_(False))
                .order_by(
                    case(
                        (Registration.state == "registered", 0), (Registration.state == "waiting", 1), else_=2
                    ),
                    Registration.registered_at,
                    Registration.created_at,
                )
            ).all()
            result = [RegistrationRow(r, b, b.id in present) for r, b in rows]
            # People who came without registering still appear, so they can be ticked off.
            registered_ids = {b.id for _r, b in rows}
            extra = present - registered_ids
            if extra:
                for b in s.scalars(
                    select(Borrower).where(Borrower.id.in_(extra)).order_by(Borrower.last_name)
                ):
                    result.append(
                        RegistrationRow(Registration(state="registered", borrower_id=b.id), b, True)
                    )
            return result

    # -- attendance --------------------------------------------------------------------

    def attend(self, ref: str, card: str) -> AttendResult:
        """Mark a person present. Scanning the same card twice counts once."""
        with self._sessions() as s, s.begin():
            training = self.get_in(s, ref)
            person = BorrowerService.get_in(s, card)
            key = attendance_id(training.id, person.id)
            record = s.get(Attendance, key)
            if record is not None and not record.deleted:
                return AttendResult(record, person, True)
            if record is not None:  # ticked off earlier and un-ticked: tick again
                record.deleted = False
                record.attended_at = self._now().replace(microsecond=0)
            else:
                record = Attendance(
                    id=key,
                    session_id=training.id,
                    borrower_id=person.id,
                    attended_at=self._now().replace(microsecond=0),
                )
                s.add(record)
        log.info("attendance %s at %s", person.card_number, training.id)
        return AttendResult(record, person, False)

    def unattend(self, ref: str, card: str) -> None:
        """Un-tick a person (a tombstone, so the correction syncs like any change)."""
        with self._sessions() as s, s.begin():
            training = self.get_in(s, ref)
            person = BorrowerService.get_in(s, card)
            record = s.get(Attendance, attendance_id(training.id, person.id))
            if record is not None and not record.deleted:
                record.deleted = True

    def walk_in(self, ref: str, count: int = 1) -> TrainingSession:
        with self._sessions() as s, s.begin():
            training = self.get_in(s, ref)
            total = training.walk_ins + count
            if total < 0:
                raise UserError(_("Het aantal vrije deelnemers kan niet onder nul gaan."))
            training.walk_ins = total
            return training

    def series_names(self) -> builtins.list[str]:
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(TrainingSession.series)
                    .where(TrainingSession.series != "", TrainingSession.deleted.is_(False))
                    .distinct()
                    .order_by(TrainingSession.series)
                )
            )

    def participation(self, card: str, series: str) -> SeriesParticipation:
        with self._sessions() as s:
            person = BorrowerService.get_in(s, card)
            sessions = list(
                s.scalars(
                    select(TrainingSession)
                    .where(TrainingSession.series == series.strip(), TrainingSession.deleted.is_(False))
                    .order_by(TrainingSession.series_part, TrainingSession.starts_at)
                )
            )
            if not sessions:
                raise NotFound(_("Geen reeks met de naam '{series}'.").format(series=series))
            present = set(
                s.scalars(
                    select(Attendance.session_id).where(
                        Attendance.borrower_id == person.id,
                        Attendance.session_id.in_([t.id for t in sessions]),
                        Attendance.deleted.is_(False),
                    )
                )
            )
            return SeriesParticipation(person, series.strip(), [(t, t.id in present) for t in sessions])

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    def _registration_in(s: Session, session_id: str, borrower_id: str) -> Registration | None:
        return s.scalar(
            select(Registration).where(
                Registration.session_id == session_id,
                Registration.borrower_id == borrower_id,
                Registration.deleted.is_(False),
            )
        )

    @staticmethod
    def _count_in(s: Session, session_id: str, state: str) -> int:
        return (
            s.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.session_id == session_id,
                    Registration.state == state,
                    Registration.deleted.is_(False),
                )
            )
            or 0
        )
