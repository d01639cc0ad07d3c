"""Borrowers: the people a digibank serves. Registration, edits, search, blocking."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import codes, duplicates, postcodes
from app.errors import NotFound, UserError
from app.i18n import _
from app.locations import LocationService
from app.search import fetch_in_order, fts_query
from db.models import Attendance, Borrower, Device, HelpdeskVisit, Loan, Registration, WaitingListEntry

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
)


def full_name(borrower: Borrower) -> str:
    return f"{borrower.first_name} {borrower.last_name}".strip()


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
    ) -> None:
        self._sessions = session_factory
        self._today = today

    def today(self) -> dt.date:
        return self._today()

    def add(self, data: BorrowerInput, *, duplicate_ok: bool = False) -> Borrower:
        """Register a person. Raises PossibleDuplicate (nothing saved) when someone with the
        same name and postcode, phone or e-mail exists, unless `duplicate_ok`."""
        first = clean_name(data.first_name, _("voornaam"))
        last = clean_name(data.last_name, _("familienaam"))
        postcode = postcodes.normalise(data.postcode)
        municipality = postcodes.municipality_checked(postcode, data.municipality)
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
                province=postcodes.province_for(postcode),
                phone=phone,
                email=email,
                street=data.street.strip(),
                language=data.language or "nl",
                target_group=data.target_group,
                eligibility_proof=data.eligibility_proof.strip(),
                # A consent date only when the person was asked and agreed: registering
                # without consent stays possible (another legal ground), never invented.
                consent_date=data.consent_date or (self._today() if data.consent else None),
                notes=data.notes.strip(),
                location_id=location.id,
            )
            s.add(borrower)
        log.info("borrower %s registered", card)
        return borrower

    def edit(self, card: str, **changes: str) -> Borrower:
        with self._sessions() as s, s.begin():
            borrower = self.get_in(s, card)
            if borrower.erased:
                raise UserError(_("Deze persoon is gewist (GDPR) en kan niet meer gewijzigd worden."))
            for key, value in changes.items():
                if key not in EDITABLE:
                    raise UserError(_("Dit veld kan niet gewijzigd worden: {field}").format(field=key))
                if key == "first_name":
                    value = clean_name(value, _("voornaam"))
                elif key == "last_name":
                    value = clean_name(value, _("familienaam"))
                elif key == "postcode":
                    value = postcodes.normalise(value)
                    borrower.province = postcodes.province_for(value)
                    borrower.municipality = (
                        postcodes.municipality_checked(value, changes.get("municipality", ""))
                        or borrower.municipality
                    )
                elif key == "municipality":
                    postcode = postcodes.normalise(changes.get("postcode", borrower.postcode))
                    value = postcodes.municipality_checked(postcode, value) or value
                elif key == "phone":
                    value = clean_phone(value)
                elif key == "email":
                    value = clean_email(value)
                elif key == "target_group" and value not in TARGET_GROUPS:
                    raise UserError(_("Onbekende doelgroep '{group}'.").format(group=value))
                else:
                    value = (value or "").strip()
                setattr(borrower, key, value)
            return borrower

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

    def search_ids(self, query: str = "", limit: int | None = None) -> list[str]:
        """Ids of matching people, by name; full-text on card, names, e-mail, phone, town."""
        with self._sessions() as s:
            stmt = select(Borrower.id).where(Borrower.deleted.is_(False))
            match = fts_query(query)
            if match:
                stmt = stmt.where(
                    text("borrower.rowid IN (SELECT rowid FROM borrower_fts WHERE borrower_fts MATCH :q)")
                ).params(q=match)
            stmt = stmt.order_by(Borrower.last_name, Borrower.first_name, Borrower.card_number)
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
