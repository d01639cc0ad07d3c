"""Possible duplicates: one person registered twice, one device booked in twice.

People are compared the way a volunteer would: the same name (case, accents, spaces and
hyphens do not count) with the same postcode, or the same phone number (written with or
without spaces, 0 or +32), or the same e-mail address. A match is a question for a person
("is dit dezelfde persoon?"), never a silent refusal: the window asks, the command line
refuses unless `--duplicate-ok`.

Two records of one person are merged (`BorrowerService.merge`) with ordinary field
updates, so every counter converges through the usual sync: the linked records get the
kept person's id, and the other record is marked as merged and loses its contact details.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import UserError
from app.i18n import _
from db.models import Borrower, Device

# The first name of a record merged into another; its family name names the card kept.
MERGED_NAME = "(samengevoegd)"
MERGED_PREFIX = "→ "


def normal_name(value: str) -> str:
    """'Élodie  De-Smet' and 'elodie desmet' compare equal."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-'’.]", "", plain.casefold())


def normal_phone(phone: str) -> str:
    """Digits only, a Belgian number in its national form: '+32 470 12 34 56' -> '0470123456'."""
    digits = re.sub(r"\D", "", phone or "")
    if (phone or "").strip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0032"):
        digits = "0" + digits[4:]
    return digits


def _phone_variants(phone: str) -> set[str]:
    """How the same number may be stored (spaces and punctuation removed)."""
    national = normal_phone(phone)
    if not national:
        return set()
    if national.startswith("00"):
        return {national, "+" + national[2:]}
    return {national, "+32" + national[1:], "0032" + national[1:]}


def _stored_phone_digits() -> Any:
    """The stored phone number without the separators clean_phone allows, in SQL."""
    column: Any = Borrower.phone
    for char in (" ", ".", "-", "/", "(", ")"):
        column = func.replace(column, char, "")
    return column


def is_merged(borrower: Borrower) -> bool:
    return borrower.first_name == MERGED_NAME and borrower.last_name.startswith(MERGED_PREFIX)


@dataclass(frozen=True)
class Match:
    card: str
    name: str
    postcode: str
    why: str  # translated: "dezelfde naam en postcode", …


def people_like(
    s: Session,
    first_name: str,
    last_name: str,
    postcode: str,
    phone: str = "",
    email: str = "",
    exclude_id: str | None = None,
) -> list[Match]:
    """Registered people who may be this person, with the reason, oldest card first."""
    live: list[Any] = [Borrower.deleted.is_(False), Borrower.erased.is_(False)]
    if exclude_id:
        live.append(Borrower.id != exclude_id)
    found: dict[str, tuple[Borrower, list[str]]] = {}

    def see(borrower: Borrower, why: str) -> None:
        if is_merged(borrower):
            return
        found.setdefault(borrower.id, (borrower, []))[1].append(why)

    wanted = normal_name(first_name) + "|" + normal_name(last_name)
    if postcode:
        for b in s.scalars(select(Borrower).where(Borrower.postcode == postcode, *live)):
            if normal_name(b.first_name) + "|" + normal_name(b.last_name) == wanted:
                see(b, _("dezelfde naam en postcode"))
    variants = _phone_variants(phone)
    if variants:
        for b in s.scalars(select(Borrower).where(_stored_phone_digits().in_(sorted(variants)), *live)):
            see(b, _("hetzelfde telefoonnummer"))
    if email.strip():
        for b in s.scalars(
            select(Borrower).where(func.lower(Borrower.email) == email.strip().lower(), *live)
        ):
            see(b, _("hetzelfde e-mailadres"))
    rows = sorted(found.values(), key=lambda pair: pair[0].card_number)
    return [
        Match(
            card=b.card_number,
            name=f"{b.first_name} {b.last_name}".strip(),
            postcode=b.postcode,
            why=", ".join(why),
        )
        for b, why in rows
    ]


class PossibleDuplicate(UserError):
    """The person seems registered already; nothing was saved. The window asks
    "is dit dezelfde persoon?", the command line names the card(s) and `--duplicate-ok`."""

    def __init__(self, matches: list[Match]) -> None:
        first = matches[0]
        message = _("Is dit dezelfde persoon? {name} ({card}, {postcode}) is al ingeschreven: {why}.").format(
            name=first.name, card=first.card, postcode=first.postcode, why=first.why
        )
        if len(matches) > 1:
            message += " " + _("Ook: {cards}.").format(cards=", ".join(m.card for m in matches[1:]))
        super().__init__(message, code="possible-duplicate")
        self.matches = matches


class DuplicateSerial(UserError):
    """Another device has this serial number; nothing was saved."""

    def __init__(self, serial: str, tags: list[str]) -> None:
        super().__init__(
            _(
                "Serienummer {serial} staat al op {tags}: is dit hetzelfde toestel? "
                "Zoek het op in Toestellen in plaats van het opnieuw in te boeken."
            ).format(serial=serial, tags=", ".join(tags)),
            code="duplicate-serial",
        )
        self.serial = serial
        self.tags = tags


def devices_with_serial(s: Session, serial: str) -> list[str]:
    """Asset tags of the (not deleted) devices with this serial number."""
    serial = (serial or "").strip()
    if not serial:
        return []
    return list(
        s.scalars(
            select(Device.asset_tag)
            .where(func.upper(Device.serial) == serial.upper(), Device.deleted.is_(False))
            .order_by(Device.asset_tag)
        )
    )
