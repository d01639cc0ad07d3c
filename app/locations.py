"""This replica's location (counter or van) and the other locations it knows."""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.errors import NotInitialised, UserError
from app.i18n import _
from db.base import LocalState, OutboxEntry, new_id, synced_models
from db.changes import LOCATION_KEY, read_state, write_state
from db.models import LOCATION_KINDS, Location

log = logging.getLogger(__name__)


class LocationNotSynced(UserError):
    def __init__(self, code: str) -> None:
        super().__init__(
            _(
                "Locatie {code} is nog niet op deze computer: meld eerst aan en synchroniseer met "
                "de sleutel van deze locatie (tabblad Synchronisatie)."
            ).format(code=code),
            command="digibank login --server URL, dan digibank sync",
        )


class ServerKnowsNoLocation(LocationNotSynced):
    def __init__(self, code: str) -> None:
        UserError.__init__(
            self,
            _(
                "De server kent nog geen locatie {code}: is dit de eerste computer van die locatie, "
                "kies dan 'Nieuwe locatie'."
            ).format(code=code),
            command=f"digibank init --location-code {code} …",
        )


def _is_unused(s: Session, location_id: str) -> bool:
    """Nothing of this location's own beyond its Location row, and nothing of it sent."""
    from app.sync.outbox import PENDING_KEY  # here: the sync code is not imported at every start

    if read_state(s, PENDING_KEY):
        return False  # a batch may have reached the server
    others = s.scalar(
        select(func.count())
        .select_from(OutboxEntry)
        .where((OutboxEntry.row_id != location_id) | OutboxEntry.pushed_batch.is_not(None))
    )
    if others:
        return False
    created_here = s.scalar(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.row_id == location_id)
    )
    if not created_here:
        return False  # pulled from the server (a joined PC), not a mistaken first start
    for model in synced_models():
        if model is Location:
            continue
        owned = s.scalar(select(func.count()).select_from(model).where(model.origin == location_id))
        if owned:
            return False
    return True


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
                    _(
                        "Locatiecode {code} is al in gebruik door '{name}'. Vervangt deze computer die "
                        "locatie? Kies dan 'Deze pc vervangt een bestaande locatie'."
                    ).format(code=code, name=taken.name),
                    command=f"digibank init --join {code}",
                )
            location_id = new_id()
            write_state(s, LOCATION_KEY, location_id)  # before the insert: it stamps origin
            location = Location(id=location_id, code=code, name=name, kind=kind)
            s.add(location)
        log.info("initialised location %s (%s)", code, location_id)
        return location

    # -- joining an existing location (a replacement PC) ----------------------------

    def join(self, code: str) -> Location:
        """Take over the synced location `code`: this PC writes as it from now on.

        No new Location row: the local state points at the record pulled from the
        server, so every later write has its origin, and tags, cards and donation
        numbers continue after the highest ones in the data (app/codes.py). A PC set
        up by mistake as a new location, with nothing of its own beyond that row,
        is repaired on the way (its unsynced location is dropped).
        """
        code = self._join_code(code)
        with self._sessions() as s, s.begin():
            unused = self._check_current_for_join(s, code)
            self._check_token_code(s, code)
            location = s.scalar(
                select(Location).where(
                    Location.code == code, Location.deleted.is_(False), Location.id != (unused or "")
                )
            )
            if location is None:
                raise ServerKnowsNoLocation(code)  # synced with its token: the server has none
            if unused:
                self._drop_unused(s, unused)
            write_state(s, LOCATION_KEY, location.id)
        log.info("joined existing location %s (%s)", code, location.id)
        return location

    def synced_token_code(self) -> str:
        """The location code of the token this PC last synced with ("" if none yet)."""
        from app.sync.joining import TOKEN_CODE_KEY

        with self._sessions() as s:
            return read_state(s, TOKEN_CODE_KEY) or ""

    def has_unused_location(self) -> bool:
        """Set up as a new location, but nothing of its own was written or sent yet."""
        with self._sessions() as s:
            current = read_state(s, LOCATION_KEY)
            if not current:
                return False
            return _is_unused(s, current)

    def release_unused_location(self, code: str) -> None:
        """Undo a first start that made a new location by mistake (only while this PC has
        written and sent nothing else), so the existing location `code` can be pulled."""
        code = self._join_code(code)
        with self._sessions() as s, s.begin():
            unused = self._check_current_for_join(s, code)
            self._check_token_code(s, code)
            if unused:
                self._drop_unused(s, unused)
                log.info("released the unsynced location %s to join %s", unused, code)

    @staticmethod
    def _join_code(code: str) -> str:
        code = (code or "").strip().upper()
        if not codes.LOCATION_CODE.fullmatch(code):
            raise UserError(
                _("Locatiecode '{code}' is ongeldig: 2 tot 5 letters, bv. KRT.").format(code=code)
            )
        return code

    @staticmethod
    def _check_current_for_join(s: Session, code: str) -> str | None:
        """None for a PC without a location; the id of an unused one; else refuse."""
        current_id = read_state(s, LOCATION_KEY)
        if not current_id:
            return None
        current = s.get(Location, current_id)
        if current is not None and not _is_unused(s, current_id):
            if current.code == code:
                raise UserError(_("Deze computer is al locatie {code}.").format(code=code))
            raise UserError(
                _(
                    "Deze computer is al locatie {current} met eigen gegevens; een andere locatie "
                    "overnemen kan alleen op een nieuwe computer."
                ).format(current=current.code)
            )
        return current_id

    @staticmethod
    def _check_token_code(s: Session, code: str) -> None:
        from app.sync.joining import TOKEN_CODE_KEY

        token_code = read_state(s, TOKEN_CODE_KEY)
        if not token_code:
            raise LocationNotSynced(code)
        if token_code != code:
            raise UserError(
                _(
                    "De sleutel van deze computer hoort bij locatie {token}, niet bij {code}: meld "
                    "aan met de sleutel van {code} en synchroniseer opnieuw."
                ).format(token=token_code, code=code)
            )

    @staticmethod
    def _drop_unused(s: Session, location_id: str) -> None:
        # A hard delete, not a tombstone: the row never left this PC, and a tombstone
        # would keep its code and clash with the location about to be pulled.
        s.execute(delete(OutboxEntry).where(OutboxEntry.row_id == location_id))
        s.execute(delete(Location).where(Location.id == location_id))
        s.execute(delete(LocalState).where(LocalState.key == LOCATION_KEY))

    def current(self) -> Location:
        with self._sessions() as s:
            return self.current_in(s)

    @staticmethod
    def current_in(session: Session) -> Location:
        location_id = read_state(session, LOCATION_KEY)
        location = session.get(Location, location_id) if location_id else None
        if location is None:
            raise NotInitialised(
                _("Deze computer is nog niet ingesteld: kies eerst een locatie (eerste start)."),
                command='digibank init --location-code KRT --location-name "Kortrijk balie"',
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
