"""Borrowers: the people a digibank serves. Registration, edits, search, blocking."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import codes, duplicates, postcodes
from app.config import Settings
from app.errors import NotFound, UserError
from app.i18n import _
from app.locations import LocationService
from app.names import full_name  # noqa: F401  (re-exported)
from app.search import fetch_in_order, fts_query, phone_query
from db.changes import read_state, write_state
from db.models import (
    AGE_BANDS,
    ELIGIBILITY_PROOFS,
    Attendance,
    Borrower,
    BorrowerSortKey,
    Device,
    HelpdeskVisit,
    Loan,
    Registration,
    WaitingListEntry,
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


def eligibility_names() -> dict[str, str]:
    return {
        "": _("(niet opgegeven)"),
        "verhoogde-tegemoetkoming": _("verhoogde tegemoetkoming"),
        "leefloon-ocmw": _("leefloon / OCMW"),
        "budgetbegeleiding": _("budgetbegeleiding of -beheer"),
        "schuldbemiddeling": _("schuldbemiddeling"),
        "igo": _("IGO (inkomensgarantie voor ouderen)"),
        "inkomensvervangende-tegemoetkoming": _("inkomensvervangende tegemoetkoming"),
        "dringende-medische-hulp": _("dringende medische hulp / Fedasil"),
        "inkomen-onder-grens": _("inkomen onder de grens"),
        "doorverwezen-zonder-attest": _("doorverwezen zonder attest"),
        "andere": _("andere"),
    }


def age_band_names() -> dict[str, str]:
    names = {band: _("{band} jaar").format(band=band) for band in AGE_BANDS if band}
    names[""] = _("(niet opgegeven)")
    return names


def age_band_for(birth_year: int, on: dt.date) -> str:
    """The band of someone born in `birth_year`, at their age reached in the year of `on`."""
    age = on.year - birth_year
    for band in AGE_BANDS[1:]:
        low, _sep, high = band.rstrip("+").partition("-")
        if int(low) <= age and (not high or age <= int(high)):
            return band
    return AGE_BANDS[1]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("a month has at least 28 days")


@dataclass(frozen=True)
class Eligibility:
    """How the counter checked that someone may borrow (never the proof itself)."""

    code: str = ""
    referrer: str = ""
    checked_on: dt.date | None = None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class MergeResult:
    kept: str
    merged: str
    moved: dict[str, int]  # table -> records moved to the kept person

    @property
    def total(self) -> int:
        return sum(self.moved.values())


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
        """Checked codes and dates; a valid-until defaults to the check plus the setting's months."""
        code = (given.code or "").strip()
        if code not in ELIGIBILITY_PROOFS:
            raise UserError(
                _("Onbekend bewijs '{code}'. Kies uit: {choices}.").format(
                    code=code, choices=", ".join(c for c in ELIGIBILITY_PROOFS if c)
                )
            )
        referrer = " ".join((given.referrer or "").split())
        if referrer:
            known = {r.casefold(): r for r in self._settings.referrers}
            if referrer.casefold() not in known:
                raise UserError(
                    _(
                        "'{referrer}' staat niet in de lijst van doorverwijzers. Kies uit: {choices} "
                        "(of voeg hem toe in de instellingen)."
                    ).format(referrer=referrer, choices=", ".join(self._settings.referrers))
                )
            referrer = known[referrer.casefold()]
        if not code:  # no proof recorded: nothing was checked, nothing can expire
            return Eligibility("", referrer, None, None)
        checked = given.checked_on
        if checked is None:
            checked = self._today()
        if checked is not None and checked > self._today():
            raise UserError(_("De controledatum ligt in de toekomst."))
        valid = given.valid_until or self.default_valid_until(checked)
        if valid < checked:
            raise UserError(_("'Geldig tot' ligt voor de controledatum."))
        return Eligibility(code, referrer, checked, valid)

    def clean_age(self, birth_year: int | str | None, band: str) -> tuple[int | None, str]:
        """(birth year, band): a birth year gives its band today; a band alone keeps no year."""
        band = (band or "").strip()
        if birth_year not in (None, ""):
            try:
                year = int(str(birth_year).strip())
            except ValueError:
                raise UserError(
                    _("Geboortejaar '{year}' klopt niet: vier cijfers, bv. 1984.").format(year=birth_year)
                ) from None
            this_year = self._today().year
            if not this_year - 120 <= year <= this_year:
                raise UserError(
                    _("Geboortejaar {year} klopt niet: tussen {low} en {high}.").format(
                        year=year, low=this_year - 120, high=this_year
                    )
                )
            return year, age_band_for(year, self._today())
        if band not in AGE_BANDS:
            raise UserError(
                _("Onbekende leeftijdsgroep '{band}'. Kies uit: {choices}.").format(
                    band=band, choices=", ".join(b for b in AGE_BANDS if b)
                )
            )
        return None, band

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
        """Two records of one person become one: every loan, helpdesk visit, training
        registration and attendance, waiting-list entry and given-away device of `other`
        moves to `keep`; `keep` takes the contact details it lacks; `other` stays as a
        marked, blocked record without contact details ("samengevoegd met …"), so a scan
        of its old card says which card to use. Ordinary field updates only: every
        counter converges through the sync, and the reports count the person once."""
        with self._sessions() as s, s.begin():
            keep = self.get_in(s, keep_card)
            other = self.get_in(s, other_card)
            if keep.id == other.id:
                raise UserError(_("Geef twee verschillende kaarten om samen te voegen."))
            for b in (keep, other):
                if b.erased:
                    raise UserError(
                        _("{card} is gewist (GDPR) en kan niet samengevoegd worden.").format(
                            card=b.card_number
                        )
                    )
                if duplicates.is_merged(b):
                    raise UserError(
                        _("{card} is al samengevoegd met {kept}.").format(
                            card=b.card_number, kept=b.last_name.removeprefix(duplicates.MERGED_PREFIX)
                        )
                    )
            moved: dict[str, int] = {}
            linked: tuple[type[Loan] | type[HelpdeskVisit] | type[WaitingListEntry], ...] = (
                Loan,
                HelpdeskVisit,
                WaitingListEntry,
            )
            for model in linked:
                rows: Sequence[Any] = s.scalars(
                    select(model).where(model.borrower_id == other.id, model.deleted.is_(False))
                ).all()
                for row in rows:
                    row.borrower_id = keep.id
                moved[model.__tablename__] = len(rows)
            per_session_models: tuple[type[Registration] | type[Attendance], ...] = (Registration, Attendance)
            for per_session in per_session_models:
                kept_sessions = set(
                    s.scalars(
                        select(per_session.session_id).where(
                            per_session.borrower_id == keep.id, per_session.deleted.is_(False)
                        )
                    )
                )
                attendance: list[Any] = list(
                    s.scalars(
                        select(per_session).where(
                            per_session.borrower_id == other.id, per_session.deleted.is_(False)
                        )
                    )
                )
                for row in attendance:
                    if row.session_id in kept_sessions:
                        row.deleted = True  # the same session twice: the kept person's record counts
                    else:
                        row.borrower_id = keep.id
                moved[per_session.__tablename__] = len(attendance)
            given = s.scalars(select(Device).where(Device.given_to_borrower_id == other.id)).all()
            for device in given:
                device.given_to_borrower_id = keep.id
            moved["device"] = len(given)
            for name in ("phone", "email", "street", "eligibility_proof", "target_group"):
                if not getattr(keep, name) and getattr(other, name):
                    setattr(keep, name, getattr(other, name))
            if other.consent_date and (keep.consent_date is None or other.consent_date < keep.consent_date):
                keep.consent_date = other.consent_date
            if other.blocked and not keep.blocked:
                keep.blocked, keep.blocked_reason = True, other.blocked_reason
            other.first_name = duplicates.MERGED_NAME
            other.last_name = duplicates.MERGED_PREFIX + keep.card_number
            for name in ("phone", "email", "street", "eligibility_proof", "notes"):
                setattr(other, name, "")
            other.blocked = True
            other.blocked_reason = _("Samengevoegd met {card}: gebruik die kaart.").format(
                card=keep.card_number
            )
            result = MergeResult(kept=keep.card_number, merged=other.card_number, moved=moved)
        log.info("borrower %s merged into %s: %s", result.merged, result.kept, moved)
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
            borrower = self.get_in(s, card)
            borrower.blocked = True
            borrower.blocked_reason = reason.strip()
            return borrower

    def unblock(self, card: str) -> Borrower:
        with self._sessions() as s, s.begin():
            borrower = self.get_in(s, card)
            borrower.blocked = False
            borrower.blocked_reason = ""
            return borrower

    def get(self, card: str) -> Borrower:
        with self._sessions() as s:
            return self.get_in(s, card)

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
        with self._sessions() as s:
            stmt = select(Borrower.id).where(Borrower.deleted.is_(False))
            match = fts_query(query)
            phone = phone_query(query)
            if match and phone:
                stmt = stmt.where(
                    text(
                        "(borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)"
                        " OR borrower.rowid IN (SELECT borrower_rowid FROM borrower_sort"
                        " WHERE phone_key GLOB :phone))"
                    )
                ).params(q=match, phone=phone + "*")
            elif match:
                stmt = stmt.where(
                    text("borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)")
                ).params(q=match)
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
            if limit:
                stmt = stmt.limit(limit)
            return list(s.scalars(stmt))

    def find(self, query: str, limit: int = 50) -> list[Borrower]:
        return self.by_id(self.search_ids(query, limit=limit))

    def count(self) -> int:
        with self._sessions() as s:
            return (
                s.scalar(select(func.count()).select_from(Borrower).where(Borrower.deleted.is_(False))) or 0
            )
