"""Borrowers: the people a digibank serves. Registration, edits, search, blocking."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Row, Select, TextualSelect, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import codes, duplicates, postcodes
from app.borrower_merge import MergeResult, merge_borrowers
from app.config import Settings
from app.eligibility import Eligibility, add_months, clean_age, clean_eligibility
from app.errors import NotFound, UserError
from app.i18n import _
from app.locations import LocationService
from app.names import full_name  # noqa: F401  (re-exported)
from app.search import fetch_in_order, fts_query, phone_query, rows_in_order
from db.changes import read_state, write_state
from db.models import (
    Borrower,
    BorrowerSortKey,
)

log = logging.getLogger(__name__)

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
PHONE_CHARS = re.compile(r"[+(\d][\d\s./()-]*")

TARGET_GROUPS = (
    "",
    "leefloon",
    "verhoogde-tegemoetkoming",
    "werkzoekend",
    "student",
    "nieuwkomer",
    "senior",
    "alleenstaande-ouder",
    "andere",
)


def target_group_names() -> dict[str, str]:
    return {
        "": _("(niet opgegeven)"),
        "leefloon": _("leefloon / OCMW-steun"),
        "verhoogde-tegemoetkoming": _("verhoogde tegemoetkoming"),
        "werkzoekend": _("werkzoekend"),
        "student": _("scholier of student"),
        "nieuwkomer": _("nieuwkomer"),
        "senior": _("senior"),
        "alleenstaande-ouder": _("alleenstaande ouder"),
        "andere": _("andere"),
    }


@dataclass(frozen=True)
class BorrowerInput:
    first_name: str
    last_name: str
    postcode: str
    municipality: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    language: str = "nl"
    target_group: str = ""
    eligibility_proof: str = ""
    consent_date: dt.date | None = None
    notes: str = ""
    # True only when the person was asked and agreed (the form's question, `--consent`).
    consent: bool = False
    eligibility: Eligibility = Eligibility()
    # Asked as a birth year or a band (AGE_BANDS); never a full birth date.
    birth_year: int | None = None
    age_band: str = ""


EDITABLE = (
    "first_name",
    "last_name",
    "postcode",
    "municipality",
    "phone",
    "email",
    "street",
    "language",
    "target_group",
    "eligibility_proof",
    "notes",
    "eligibility_code",
    "referrer",
    "eligibility_checked_on",
    "eligibility_valid_until",
    "birth_year",
    "age_band",
)


def clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if not PHONE_CHARS.fullmatch(phone) or not 9 <= len(digits) <= 13:
        raise UserError(
            _("Telefoonnummer '{phone}' klopt niet: bv. 056 12 34 56 of +32 470 12 34 56.").format(
                phone=phone
            )
        )
    return phone


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if email and not EMAIL.fullmatch(email):
        raise UserError(_("E-mailadres '{email}' klopt niet: bv. naam@voorbeeld.be.").format(email=email))
    return email


def clean_name(value: str, what: str) -> str:
    """Tidy a name; `what` is the translated label (_("voornaam") or _("familienaam"))."""
    value = " ".join((value or "").split())
    # Whole sentences per field, so translators never see a sentence glued from fragments.
    if what == _("voornaam"):
        missing, too_long = _("De voornaam is verplicht."), _("De voornaam is te lang (max. 80 tekens).")
    elif what == _("familienaam"):
        missing = _("De familienaam is verplicht.")
        too_long = _("De familienaam is te lang (max. 80 tekens).")
    else:
        missing = _("De {what} is verplicht.").format(what=what)
        too_long = _("De {what} is te lang (max. 80 tekens).").format(what=what)
    if not value:
        raise UserError(missing)
    if len(value) > 80:
        raise UserError(too_long)
    return value


def clean_first_name(value: str) -> str:
    return clean_name(value, _("voornaam"))


def clean_last_name(value: str) -> str:
    return clean_name(value, _("familienaam"))


class BorrowerService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        today: Callable[[], dt.date] = dt.date.today,
        settings: Settings | None = None,
    ) -> None:
        self._sessions = session_factory
        self._today = today
        self._settings = settings or Settings()

    def today(self) -> dt.date:
        return self._today()

    def add(self, data: BorrowerInput, *, duplicate_ok: bool = False) -> Borrower:
        """Register a person. Raises PossibleDuplicate (nothing saved) when someone with the
        same name and postcode, phone or e-mail exists, unless `duplicate_ok`."""
        first = clean_name(data.first_name, _("voornaam"))
        last = clean_name(data.last_name, _("familienaam"))
        postcode = postcodes.normalise(data.postcode)
        place = postcodes.resolve(postcode, data.municipality)
        municipality = place.name if place else " ".join(data.municipality.split())
        eligibility = self.clean_eligibility(data.eligibility)
        birth_year, age_band = self.clean_age(data.birth_year, data.age_band)
        phone = clean_phone(data.phone)
        email = clean_email(data.email)
        if data.target_group not in TARGET_GROUPS:
            raise UserError(
                _("Onbekende doelgroep '{group}'. Kies uit: {choices}.").format(
                    group=data.target_group, choices=", ".join(g for g in TARGET_GROUPS if g)
                )
            )
        with self._sessions() as s, s.begin():
            if not duplicate_ok:
                matches = duplicates.people_like(s, first, last, postcode, phone, email)
                if matches:
                    raise duplicates.PossibleDuplicate(matches)
            location = LocationService.current_in(s)
            card = codes.next_code(s, Borrower.card_number, f"{location.code}-B-", codes.CARD_WIDTH)
            borrower = Borrower(
                card_number=card,
                first_name=first,
                last_name=last,
                postcode=postcode,
                municipality=municipality,
                nis_code=place.nis if place else "",
                province=place.province if place else "",
                phone=phone,
                email=email,
                street=data.street.strip(),
                language=data.language or "nl",
                target_group=data.target_group,
                eligibility_proof=data.eligibility_proof.strip(),
                eligibility_code=eligibility.code,
                referrer=eligibility.referrer,
                eligibility_checked_on=eligibility.checked_on,
                eligibility_valid_until=eligibility.valid_until,
                birth_year=birth_year,
                age_band=age_band,
                # A consent date only when the person was asked and agreed: registering
                # without consent stays possible (another legal ground), never invented.
                consent_date=data.consent_date or (self._today() if data.consent else None),
                notes=data.notes.strip(),
                location_id=location.id,
            )
            s.add(borrower)
        log.info("borrower %s registered", card)
        return borrower

    def edit(self, card: str, **changes: object) -> Borrower:
        with self._sessions() as s, s.begin():
            borrower = self.get_in(s, card)
            if borrower.erased:
                raise UserError(_("Deze persoon is gewist (GDPR) en kan niet meer gewijzigd worden."))
            for key in changes:
                if key not in EDITABLE:
                    raise UserError(_("Dit veld kan niet gewijzigd worden: {field}").format(field=key))
            if "postcode" in changes or "municipality" in changes:
                postcode = postcodes.normalise(str(changes.get("postcode", borrower.postcode)))
                typed = str(changes.get("municipality", "") or "")
                place = postcodes.resolve(postcode, typed)
                borrower.postcode = postcode
                borrower.municipality = place.name if place else (" ".join(typed.split()) or "")
                borrower.nis_code = place.nis if place else ""
                borrower.province = place.province if place else ""
            eligibility_keys = (
                "eligibility_code",
                "referrer",
                "eligibility_checked_on",
                "eligibility_valid_until",
            )
            if any(k in changes for k in eligibility_keys):
                given = {k: changes[k] for k in eligibility_keys if k in changes}
                checked = given.get("eligibility_checked_on", borrower.eligibility_checked_on)
                valid = given.get("eligibility_valid_until")
                if "eligibility_checked_on" in given and "eligibility_valid_until" not in given:
                    valid = None  # a new check gets a new default validity
                elif "eligibility_valid_until" not in given:
                    valid = borrower.eligibility_valid_until
                eligibility = self.clean_eligibility(
                    Eligibility(
                        code=str(given.get("eligibility_code", borrower.eligibility_code)),
                        referrer=str(given.get("referrer", borrower.referrer)),
                        checked_on=checked,  # type: ignore[arg-type]
                        valid_until=valid,  # type: ignore[arg-type]
                    )
                )
                borrower.eligibility_code = eligibility.code
                borrower.referrer = eligibility.referrer
                borrower.eligibility_checked_on = eligibility.checked_on
                borrower.eligibility_valid_until = eligibility.valid_until
            if "birth_year" in changes or "age_band" in changes:
                year = changes.get("birth_year", borrower.birth_year if "age_band" not in changes else None)
                band = str(changes.get("age_band", "") or "")
                borrower.birth_year, borrower.age_band = self.clean_age(year, band)  # type: ignore[arg-type]
            for key, value in changes.items():
                if key in ("postcode", "municipality", "birth_year", "age_band", *eligibility_keys):
                    continue
                text_value = str(value or "")
                if key == "first_name":
                    text_value = clean_name(text_value, _("voornaam"))
                elif key == "last_name":
                    text_value = clean_name(text_value, _("familienaam"))
                elif key == "phone":
                    text_value = clean_phone(text_value)
                elif key == "email":
                    text_value = clean_email(text_value)
                elif key == "target_group" and text_value not in TARGET_GROUPS:
                    raise UserError(_("Onbekende doelgroep '{group}'.").format(group=text_value))
                else:
                    text_value = text_value.strip()
                setattr(borrower, key, text_value)
            return borrower

    # -- eligibility and age -------------------------------------------------------

    def referrers(self) -> list[str]:
        return list(self._settings.referrers)

    def default_valid_until(self, checked: dt.date) -> dt.date:
        return add_months(checked, self._settings.eligibility_valid_months)

    def clean_eligibility(self, given: Eligibility) -> Eligibility:
        """Checked codes and dates (app/eligibility.py), with this counter's referrers and months."""
        settings = self._settings
        return clean_eligibility(given, settings.referrers, settings.eligibility_valid_months, self._today())

    def clean_age(self, birth_year: int | str | None, band: str) -> tuple[int | None, str]:
        """(birth year, band) as of today (app/eligibility.py)."""
        return clean_age(birth_year, band, self._today())

    def repair_municipalities_if_due(self) -> int:
        """`repair_municipalities` at an open, unless this database was checked against this
        postcode table already: a person made here always gets their code, so only people from
        before the NIS codes (migration 0014), pulled people (app/sync/merge.py clears the
        mark) or a new postcode table need it. Not at every start: it took the write lock and
        scanned every borrower for each `digibank device list` (issue 13)."""
        with self._sessions() as s:
            if read_state(s, postcodes.CHECKED_KEY) == postcodes.table_fingerprint():
                return 0
        return self.repair_municipalities()

    def repair_municipalities(self) -> int:
        """Give people without a current NIS code theirs, with the municipality's name and province.

        Existing records (from before the NIS codes, or under a pre-2025 municipality or code)
        then count in the right province: Zwijndrecht (2070) is East Flanders, not Antwerp.
        Written through the session so every correction is synced; it only looks at records
        without a current code, and changes nothing twice (a person whose postcode the table
        does not know stays as typed). It notes in local_state which postcode table it checked
        against (`repair_municipalities_if_due`)."""
        stale = ["", *postcodes.merged_codes()]
        with self._sessions() as s, s.begin():
            write_state(s, postcodes.CHECKED_KEY, postcodes.table_fingerprint())
            rows = s.execute(
                select(
                    Borrower.id,
                    Borrower.nis_code,
                    Borrower.postcode,
                    Borrower.municipality,
                    Borrower.province,
                ).where(Borrower.nis_code.in_(stale))
            ).all()
            fixes: dict[str, postcodes.Municipality] = {}
            for row_id, nis, postcode, name, province in rows:
                found = postcodes.for_report(nis, postcode or "", name or "")
                if found is not None and (found.nis, found.name, found.province) != (nis, name, province):
                    fixes[row_id] = found
            ids = list(fixes)
            for start in range(0, len(ids), 500):
                for borrower in s.scalars(select(Borrower).where(Borrower.id.in_(ids[start : start + 500]))):
                    found = fixes[borrower.id]
                    borrower.nis_code, borrower.municipality = found.nis, found.name
                    borrower.province = found.province
        if fixes:
            log.info("municipality (NIS code) filled in or corrected for %d people", len(fixes))
        return len(fixes)

    def possible_duplicates(self, card: str) -> list[duplicates.Match]:
        """Other records that may be the same person as this card (for a merge)."""
        with self._sessions() as s:
            b = self.get_in(s, card)
            return duplicates.people_like(
                s, b.first_name, b.last_name, b.postcode, b.phone, b.email, exclude_id=b.id
            )

    def merge(self, keep_card: str, other_card: str) -> MergeResult:
        """Two records of one person become one (app/borrower_merge.py)."""
        with self._sessions() as s, s.begin():
            result = merge_borrowers(s, self.get_in(s, keep_card), self.get_in(s, other_card))
        log.info("borrower %s merged into %s: %s", result.merged, result.kept, result.moved)
        return result

    def record_consent(self, card: str) -> Borrower:
        """The person was asked (later than at registration) and agreed: today's date."""
        with self._sessions() as s, s.begin():
            borrower = self.get_in(s, card)
            if borrower.erased:
                raise UserError(_("Deze persoon is gewist (GDPR) en kan niet meer gewijzigd worden."))
            if borrower.consent_date is None:
                borrower.consent_date = self._today()
            return borrower

    def block(self, card: str, reason: str) -> Borrower:
        if not reason.strip():
            raise UserError(_("Geef een reden om deze persoon te blokkeren."))
        with self._sessions() as s, s.begin():
            borrower = self._changeable_in(s, card)
            borrower.blocked = True
            borrower.blocked_reason = reason.strip()
            return borrower

    def unblock(self, card: str) -> Borrower:
        with self._sessions() as s, s.begin():
            borrower = self._changeable_in(s, card)
            borrower.blocked = False
            borrower.blocked_reason = ""
            return borrower

    def get(self, card: str) -> Borrower:
        with self._sessions() as s:
            return self.get_in(s, card)

    def _changeable_in(self, s: Session, card: str) -> Borrower:
        """The person, unless erased: a block reason is a text about them, personal data again."""
        borrower = self.get_in(s, card)
        if borrower.erased:
            raise UserError(_("Deze persoon is gewist (GDPR) en kan niet meer gewijzigd worden."))
        return borrower

    @staticmethod
    def get_in(s: Session, card: str) -> Borrower:
        code = codes.clean_scan(card)
        borrower = s.scalar(select(Borrower).where(Borrower.card_number == code, Borrower.deleted.is_(False)))
        if borrower is None:
            raise NotFound(_("Geen ontlener met kaart '{card}'.").format(card=card))
        return borrower

    def by_id(self, ids: Sequence[str]) -> list[Borrower]:
        """Records for the given ids, in that order (for lazy table models)."""
        return fetch_in_order(self._sessions, Borrower, ids)

    # What the table of people shows (ui/table_models.py borrower_columns).
    TABLE_COLUMNS = (
        "id",
        "card_number",
        "last_name",
        "first_name",
        "blocked",
        "postcode",
        "municipality",
        "province",
        "phone",
    )

    def table_rows(self, ids: Sequence[str]) -> list[Row[Any]]:
        """The table's columns (TABLE_COLUMNS) for the given ids, in that order, as read-only
        rows: a page of the table at each key typed (issue 13); `by_id` gives the records."""
        return rows_in_order(self._sessions, Borrower, self.TABLE_COLUMNS, ids)

    # Sortable table columns: key → what the table is ordered by (always ending on the card,
    # so the order is stable). Names sort by their folded keys (db/sort_keys.py).
    ORDERS = ("name", "first_name", "card", "postcode", "municipality", "province", "phone", "blocked")

    def search_ids(self, query: str = "", limit: int | None = None, order: str | None = None) -> list[str]:
        """Ids of matching people, by name (or `order`: a key of ORDERS, "-key" descending);
        full-text on card, names, e-mail, phone, postcode, town; a phone number also typed
        without its spaces or with +32."""
        descending = order is not None and order.startswith("-")
        key = (order or "name").lstrip("-")
        if key not in self.ORDERS:
            raise ValueError(f"unknown borrower order {order!r}")
        match = fts_query(query)
        phone = phone_query(query)
        params: dict[str, Any] = {}
        if match:
            params["q"] = match
            if phone:
                params["phone"] = phone + "*"
        if limit:
            params["limit"] = limit
        with self._sessions() as s:
            # Many hits, a first page, by name: walk the name index and keep the hits, as the
            # device search does (app/inventory.py); few hits: their rows, sorted, are quicker.
            if match and not phone and limit and key in _WALKS:
                enough = _WALK_FROM * limit
                if (s.scalar(_HITS, {"q": match, "enough": enough}) or 0) >= enough:
                    return list(s.scalars(_walk_statement(key, descending), params))
            stmt = _search_statement(key, descending, "q" in params, "phone" in params, "limit" in params)
            return list(s.scalars(stmt, params))

    def find(self, query: str, limit: int = 50) -> list[Borrower]:
        return self.by_id(self.search_ids(query, limit=limit))

    def count(self) -> int:
        with self._sessions() as s:
            return (
                s.scalar(select(func.count()).select_from(Borrower).where(Borrower.deleted.is_(False))) or 0
            )


# A search walks a name index when it has at least this many hits a row asked for.
_WALK_FROM = 4
_HITS = text("SELECT count(*) FROM (SELECT 1 FROM borrower_fts WHERE borrower_fts MATCH :q LIMIT :enough)")
_WALKS = {"name": "name_key", "first_name": "first_key"}


@functools.cache
def _walk_statement(key: str, descending: bool) -> TextualSelect:
    """The first page of a search with many hits: the borrower_sort index is read in order and
    each entry kept when it is a hit ("+": a filter, not where the scan starts); CROSS JOIN
    keeps SQLite from starting at borrower (its own choice read every hit's row, then sorted).
    Every borrower has its sort row (the triggers of migration 0016), so the inner join finds
    what the outer join of `_search_statement` finds."""
    column = f"borrower_sort.{_WALKS[key]}{' DESC' if descending else ''}"
    return text(
        "SELECT borrower.id FROM borrower_sort CROSS JOIN borrower"
        " ON borrower.rowid = borrower_sort.borrower_rowid"
        " WHERE borrower.deleted IS 0 AND +borrower_sort.borrower_rowid IN"
        " (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)"
        f" ORDER BY {column}, borrower.card_number LIMIT :limit"
    ).columns(Borrower.__table__.c.id)


@functools.cache
def _search_statement(key: str, descending: bool, match: bool, phone: bool, limited: bool) -> Select[Any]:
    """The search statement of one shape, built once (values are bound when it runs): a search
    field asks at every key typed, and building and hashing a fresh statement took longer than
    the query itself (issue 13)."""
    stmt = select(Borrower.id).where(Borrower.deleted.is_(False))
    if match and phone:
        stmt = stmt.where(
            text(
                "(borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)"
                " OR borrower.rowid IN (SELECT borrower_rowid FROM borrower_sort"
                " WHERE phone_key GLOB :phone))"
            )
        )
    elif match:
        stmt = stmt.where(
            text("borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)")
        )
    keys = BorrowerSortKey
    if key in ("name", "first_name", "phone"):
        stmt = stmt.outerjoin(keys, keys.borrower_rowid == literal_column("borrower.rowid"))
    column = {
        "name": keys.name_key,
        "first_name": keys.first_key,
        "phone": keys.phone_key,
        "card": Borrower.card_number,
        "postcode": Borrower.postcode,
        "municipality": Borrower.municipality,
        "province": Borrower.province,
        "blocked": Borrower.blocked,
    }[key]
    stmt = stmt.order_by(column.desc() if descending else column, Borrower.card_number)
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    return stmt
