"""Reading a Belgian eID through PC/SC, for registering a person without typing.

What is read: the identity file (3F00 DF01 4031) and the address file (3F00 DF01 4033), both
plain TLV files that need no PIN and no eID middleware. From them we keep only the first names,
the last name, the street and number, the postcode, the municipality and the birth YEAR.

What is never kept, returned, logged or stored: the national register number, the card and chip
numbers, the photo (file 4035, never even selected), the full birth date and any other chip data.
The identity file carries the national register number next to the name, so its bytes pass through
memory once; the parser below turns only the wanted tags into text and drops the rest unread.
Why: using the national register number needs an authorisation a digibank does not have, and
keeping it "only hashed" is still keeping it. Sources: the Wet van 8 augustus 1983 tot regeling van
een Rijksregister van de natuurlijke personen (use of the identification number, art. 8) and the
Wet van 19 juli 1991 betreffende de bevolkingsregisters en de identiteitskaarten (the eID; the issue
names art. 6 §4) — both article numbers were not checked against the Belgisch Staatsblad text in
this session; the GDPR's data minimisation (art. 5(1)(c)); and, checked, the Belgian Data Protection
Authority's page "De lezing van de eID" (gegevensbeschermingsautoriteit.be/professioneel/thema-s/
eid/uitlezen): the national register number, the photo and the fingerprints may be read or
processed only under strict conditions, only the data strictly needed may be read, and the person
must be told at the moment of reading what is read and why — `notice()` is that sentence.

pyscard is imported only when a card is read, so the program runs without it (a plain line says
what is missing). Qt-free: the window and the command line both call `read_card`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from app import postcodes
from app.errors import UserError
from app.i18n import _

if TYPE_CHECKING:
    from app.borrowers import BorrowerService
    from db.models import Borrower

log = logging.getLogger(__name__)

IDENTITY_FILE = bytes.fromhex("3F00DF014031")
ADDRESS_FILE = bytes.fromhex("3F00DF014033")

# BELPIC TLV tags (identity file: 0x07 last name, 0x08 first names, 0x0C birth date; address
# file: 0x01 street and number, 0x02 postcode, 0x03 municipality). Tag 0x06 (national number),
# 0x01 of the identity file (card number) and 0x02 (chip number) are deliberately not listed.
TAG_LAST_NAME = 0x07
TAG_FIRST_NAMES = 0x08
TAG_BIRTH_DATE = 0x0C
TAG_STREET = 0x01
TAG_POSTCODE = 0x02
TAG_MUNICIPALITY = 0x03

READ_CHUNK = 0xF8  # bytes per READ BINARY, as the Belgian middleware reads them


def notice() -> str:
    """What is read and why, shown on screen and on the terminal before anything is saved."""
    return _(
        "Van de eID leest het programma alleen naam, voornamen, straat en nummer, postcode, gemeente "
        "en geboortejaar, om u zonder tikfouten in te schrijven. Het rijksregisternummer, het "
        "kaartnummer, de foto en de volledige geboortedatum worden niet bewaard (de wet verbiedt "
        "het bewaren van het rijksregisternummer)."
    )


@dataclass(frozen=True)
class EidPerson:
    first_names: str
    last_name: str
    street: str
    postcode: str
    municipality: str  # the current municipality for the postcode (after the 2025 mergers)
    card_municipality: str  # as printed on the card (may be a former or French name)
    birth_year: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def first_name(self) -> str:
        """The first given name, as a counter usually writes it."""
        return self.first_names.split()[0] if self.first_names.split() else ""


def parse_tlv(data: bytes, wanted: Iterable[int]) -> dict[int, bytes]:
    """The values of the `wanted` tags of a BEID TLV file; every other value is skipped unread.

    A length byte with the high bit set is followed by another (7 bits each, most significant
    first), so a value of 128 bytes or more is possible; a file ends at the first 0x00 tag
    (the card pads files with zeros)."""
    keep = set(wanted)
    found: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag == 0x00:
            break
        length = 0
        while i < len(data):
            byte = data[i]
            i += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        if tag in keep:
            found[tag] = data[i : i + length]
        i += length
    return found


def _text(value: bytes | None) -> str:
    return " ".join((value or b"").decode("utf-8", errors="replace").split())


def birth_year(birth_date: str) -> int | None:
    """The year of a card's birth date ("14 MAAR 1957", "14.MÄR.1957", "14 MARS 1957")."""
    match = re.search(r"(\d{4})\s*$", birth_date)
    return int(match.group(1)) if match else None


def current_municipality(postcode: str, card_name: str) -> str:
    """The municipality as the program counts it: by postcode from the postcode table, so a card
    that still says 'Zwijndrecht' (merged in 2025) or 'Bruxelles' lands on the current name."""
    try:
        return postcodes.municipality_for(postcode) or card_name
    except UserError:  # not a Belgian postcode (an address abroad): keep what the card says
        return card_name


def person_from_files(identity: bytes, address: bytes) -> EidPerson:
    ident = parse_tlv(identity, (TAG_LAST_NAME, TAG_FIRST_NAMES, TAG_BIRTH_DATE))
    addr = parse_tlv(address, (TAG_STREET, TAG_POSTCODE, TAG_MUNICIPALITY))
    postcode = _text(addr.get(TAG_POSTCODE))
    card_municipality = _text(addr.get(TAG_MUNICIPALITY))
    person = EidPerson(
        first_names=_text(ident.get(TAG_FIRST_NAMES)),
        last_name=_text(ident.get(TAG_LAST_NAME)),
        street=_text(addr.get(TAG_STREET)),
        postcode=postcode,
        municipality=current_municipality(postcode, card_municipality),
        card_municipality=card_municipality,
        birth_year=birth_year(_text(ident.get(TAG_BIRTH_DATE))),
    )
    if not person.last_name:
        raise UserError(_("Deze kaart is geen Belgische eID (geen naam in het identiteitsbestand)."))
    return person


# -- PC/SC --------------------------------------------------------------------------------------


def _no_pyscard() -> UserError:
    return UserError(
        _("eID lezen kan niet: het onderdeel pyscard is niet geïnstalleerd (pip install pyscard).")
    )


def _no_reader() -> UserError:
    return UserError(_("Geen kaartlezer gevonden: sluit een kaartlezer aan en probeer opnieuw."))


def _no_card() -> UserError:
    return UserError(_("Geen eID in de kaartlezer: steek de kaart in de lezer en probeer opnieuw."))


def _unreadable() -> UserError:
    return UserError(
        _("De kaart kon niet gelezen worden: haal ze uit de lezer, steek ze terug en probeer opnieuw.")
    )


class _Card:
    """One connected card (pyscard's low-level scard API, so every handle is released by us)."""

    def __init__(self, scard: Any, handle: Any, protocol: Any) -> None:
        self._scard = scard
        self._handle = handle
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        rv, response = self._scard.SCardTransmit(self._handle, self._protocol, list(apdu))
        if rv != self._scard.SCARD_S_SUCCESS or len(response) < 2:
            raise _unreadable()
        data = bytes(response[:-2])
        return data, (response[-2] << 8) | response[-1]

    def read_file(self, path: bytes) -> bytes:
        data, sw = self.transmit(bytes([0x00, 0xA4, 0x08, 0x0C, len(path)]) + path)
        if sw != 0x9000:
            raise UserError(_("Deze kaart is geen Belgische eID (het identiteitsbestand ontbreekt)."))
        content = b""
        while len(content) < 0x10000:
            offset = len(content)
            le = READ_CHUNK
            chunk, sw = self.transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le]))
            if sw >> 8 == 0x6C:  # wrong length: the card says how many bytes are left
                le = sw & 0xFF
                chunk, sw = self.transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le]))
            if sw == 0x6B00:  # offset past the end: the file ended exactly on a chunk
                break
            if sw != 0x9000:
                raise _unreadable()
            content += chunk
            if len(chunk) < READ_CHUNK:
                break
        return content


def read_card() -> EidPerson:
    """Read the person on the eID in the first reader that holds one. UserError (one plain Dutch
    line) when pyscard, the PC/SC service, a reader or a card is missing."""
    try:
        from smartcard import scard
    except ImportError:
        raise _no_pyscard() from None

    rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv != scard.SCARD_S_SUCCESS:
        # No PC/SC service (pcscd, Windows' Smart Card service) usually means no reader either.
        log.info("eid: no PC/SC context (%s)", scard.SCardGetErrorMessage(rv))
        raise _no_reader()
    try:
        rv, readers = scard.SCardListReaders(context, [])
        if rv != scard.SCARD_S_SUCCESS or not readers:
            raise _no_reader()
        for reader in readers:
            rv, handle, protocol = scard.SCardConnect(
                context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
            )
            if rv != scard.SCARD_S_SUCCESS:
                continue  # no card in this reader (or one it cannot talk to): try the next
            try:
                card = _Card(scard, handle, protocol)
                identity = card.read_file(IDENTITY_FILE)
                address = card.read_file(ADDRESS_FILE)
            finally:
                scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            person = person_from_files(identity, address)
            del identity, address  # the national number never outlives this function
            log.info("eid: card read in reader %s", reader)
            return person
        raise _no_card()
    finally:
        scard.SCardReleaseContext(context)


# -- finding the person ---------------------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def find_borrowers(borrowers: BorrowerService, person: EidPerson) -> list[Borrower]:
    """People already registered who are this card's holder: same last name and postcode, and a
    first name that is the card's first names or the first of them (counters often type only
    that). A stored birth year, where the record has one, must agree too."""
    found = []
    for borrower in borrowers.find(person.last_name, limit=200):
        if not (_same(borrower.last_name, person.last_name) and borrower.postcode == person.postcode):
            continue
        if not (
            _same(borrower.first_name, person.first_names) or _same(borrower.first_name, person.first_name)
        ):
            continue
        stored_year = getattr(borrower, "birth_year", None)  # only where the model keeps one
        if stored_year and person.birth_year and stored_year != person.birth_year:
            continue
        found.append(borrower)
    return found
