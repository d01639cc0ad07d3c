"""This replica's location (counter or van) and the other locations it knows."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.errors import NotInitialised, UserError
from app.i18n import _
from db.base import new_id
from db.changes import LOCATION_KEY, read_state, write_state
from db.models import LOCATION_KINDS, Location

log = logging.getLogger(__name__)


class LocationService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def is_initialised(self) -> bool:
        with self._sessions() as s:
            return read_state(s, LOCATION_KEY) is not None

    def initialise(self, code: str, name: str, kind: str = "fixed") -> Location:
        """First start: name this PC's location. Its code prefixes every tag and card."""
        code = (code or "").strip().upper()
        name = (name or "").strip()
        if not codes.LOCATION_CODE.fullmatch(code):
            raise UserError(
                _("Locatiecode '{code}' is ongeldig: 2 tot 5 letters, bv. KRT.").format(code=code)
            )
        if not name:
            raise UserError(_("Geef de naam van de locatie, bv. 'Kortrijk balie'."))
        if kind not in LOCATION_KINDS:
            raise UserError(_("Soort locatie moet 'fixed' (vaste balie) of 'mobile' (bus) zijn."))
        with self._sessions() as s, s.begin():
            current = read_state(s, LOCATION_KEY)
            if current is not None:
                existing = s.get(Location, current)
                raise UserError(
                    _("Deze computer is al ingesteld als locatie {code}.").format(
                        code=existing.code if existing else "?"
                    )
                )
            taken = s.scalar(select(Location).where(Location.code == code))
            if taken is not None:
                raise UserError(
                    _("Locatiecode {code} is al in gebruik door '{name}'.").format(code=code, name=taken.name)
                )
            location_id = new_id()
            write_state(s, LOCATION_KEY, location_id)  # before the insert: it stamps origin
            location = Location(id=location_id, code=code, name=name, kind=kind)
            s.add(location)
        log.info("initialised location %s (%s)", code, location_id)
        return location

    def current(self) -> Location:
        with self._sessions() as s:
            return self.current_in(s)

    @staticmethod
    def current_in(session: Session) -> Location:
        location_id = read_state(session, LOCATION_KEY)
        location = session.get(Location, location_id) if location_id else None
        if location is None:
            raise NotInitialised(
                _(
                    "Deze computer is nog niet ingesteld: kies eerst een locatie "
                    '(digibank init --location-code KRT --location-name "Kortrijk balie").'
                )
            )
        return location

    def all(self) -> list[Location]:
        with self._sessions() as s:
            return list(
                s.scalars(select(Location).where(Location.deleted.is_(False)).order_by(Location.code))
            )

    def update_details(self, **changes: str) -> Location:
        allowed = {"name", "address", "postcode", "municipality", "phone", "email"}
        with self._sessions() as s, s.begin():
            location = self.current_in(s)
            for key, value in changes.items():
                if key not in allowed:
                    raise UserError(_("Onbekend veld: {field}").format(field=key))
                setattr(location, key, (value or "").strip())
            return location
