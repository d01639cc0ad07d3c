"""Donations: hardware a donor hands over in one go, its intake, and the data for the
wipe certificate the donor needs for its own GDPR duties."""

from __future__ import annotations

import builtins
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.duplicates import DuplicateSerial, devices_with_serial
from app.errors import NotFound, UserError
from app.i18n import _
from app.inventory import DeviceInput, DeviceService
from app.locations import LocationService
from db.models import DONOR_KINDS, DataWipe, Device, Donation, Location

log = logging.getLogger(__name__)


DONATION_WIDTH = 5


def donor_kind_names() -> dict[str, str]:
    return {"person": _("particulier"), "organisation": _("organisatie")}


@dataclass(frozen=True)
class IntakeItem:
    """One device in the intake grid."""

    kind: str
    brand: str
    model: str
    serial: str = ""
    accessories: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CertificateLine:
    device: Device
    wipe: DataWipe | None  # the last passed wipe, else the last one, else None


@dataclass(frozen=True)
class CertificateData:
    donation: Donation
    location: Location | None
    lines: list[CertificateLine]

    @property
    def unwiped(self) -> list[Device]:
        """Devices without a passed wipe: while there is one, no certificate declares anything."""
        return [ln.device for ln in self.lines if ln.wipe is None or ln.wipe.result != "passed"]

    @property
    def all_wiped(self) -> bool:
        return not self.unwiped

    def refusal(self) -> str:
        """Why no certificate can be made yet ("" when it can)."""
        missing = self.unwiped
        if not missing:
            return ""
        shown = ", ".join(d.asset_tag for d in missing[:5]) + (" …" if len(missing) > 5 else "")
        return _(
            "Geen attest voor schenking {number}: {count} van {total} toestellen zijn nog niet met succes "
            "gewist ({tags}). Wis ze eerst in de Werkbank, of maak een voorlopig overzicht."
        ).format(number=self.donation.number, count=len(missing), total=len(self.lines), tags=shown)


MAX_INTAKE = 500


class DonationService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        devices: DeviceService,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._sessions = session_factory
        self._devices = devices
        self._today = today

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """For building a PrintService next to this service (the intake prints labels)."""
        return self._sessions

    def add(
        self,
        donor: str,
        contact: str = "",
        kind: str = "organisation",
        notes: str = "",
        received_on: dt.date | None = None,
    ) -> Donation:
        donor = " ".join((donor or "").split())
        if not donor:
            raise UserError(_("Geef de naam van de schenker (--donor), bv. 'Bakkerij Dewitte bv'."))
        if kind not in DONOR_KINDS:
            raise UserError(
                _("Soort schenker '{kind}' bestaat niet: kies 'person' of 'organisation'.").format(kind=kind)
            )
        with self._sessions() as s, s.begin():
            location = LocationService.current_in(s)
            number = codes.next_code(s, Donation.number, f"{location.code}-D-", DONATION_WIDTH)
            donation = Donation(
                number=number,
                donor_name=donor,
                donor_kind=kind,
                donor_contact=contact.strip(),
                received_on=received_on or self._today(),
                item_count=0,
                location_id=location.id,
                notes=notes.strip(),
            )
            s.add(donation)
        log.info("donation %s (%s donor)", number, kind)  # never the donor's name
        return donation

    def intake(self, ref: str, items: Sequence[IntakeItem], *, duplicate_ok: bool = False) -> list[Device]:
        """Add all devices of one intake in one transaction: all or none. A serial already
        booked in raises DuplicateSerial (nothing saved) unless `duplicate_ok`."""
        if not items:
            raise UserError(_("Er zijn geen toestellen om in te boeken."))
        if len(items) > MAX_INTAKE:
            # One donation of more than this is surely a typo in --count; split a real one.
            raise UserError(
                _("{count} toestellen in één keer is te veel (max. {max}); boek in delen in.").format(
                    count=len(items), max=MAX_INTAKE
                )
            )
        with self._sessions() as s, s.begin():
            donation = self.get_in(s, ref)
            seen: set[str] = set()
            devices = []
            for item in items:
                serial = item.serial.strip()
                if serial and serial.upper() in seen:
                    raise UserError(
                        _("Serienummer {serial} staat twee keer in de lijst.").format(serial=serial)
                    )
                seen.add(serial.upper())
                known = [] if duplicate_ok else devices_with_serial(s, serial)
                if known:
                    raise DuplicateSerial(serial, known)
                devices.append(
                    self._devices.add_in(
                        s,
                        DeviceInput(
                            kind=item.kind,
                            brand=item.brand,
                            model=item.model,
                            serial=serial,
                            source="donation",
                            donation_id=donation.id,
                            accessories=item.accessories,
                            notes=item.notes,
                            intake_date=self._today(),
                        ),
                    )
                )
            donation.item_count = self._count_in(s, donation.id)
        log.info("intake of %d devices into %s", len(devices), donation.number)
        return devices

    def get(self, ref: str) -> Donation:
        with self._sessions() as s:
            return self.get_in(s, ref)

    @staticmethod
    def get_in(s: Session, ref: str) -> Donation:
        """By number (KRT-D-00007, any case) or by id."""
        code = codes.clean_scan(ref)
        donation = s.scalar(
            select(Donation).where(
                or_(Donation.number == code, Donation.id == (ref or "").strip()), Donation.deleted.is_(False)
            )
        )
        if donation is None:
            raise NotFound(_("Geen schenking met nummer '{ref}'.").format(ref=ref))
        return donation

    def list(self, limit: int = 200) -> list[Donation]:
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(Donation)
                    .where(Donation.deleted.is_(False))
                    .order_by(Donation.received_on.desc(), Donation.number.desc())
                    .limit(limit)
                )
            )

    def devices(self, ref: str) -> builtins.list[Device]:
        with self._sessions() as s:
            donation = self.get_in(s, ref)
            return list(
                s.scalars(
                    select(Device)
                    .where(Device.donation_id == donation.id, Device.deleted.is_(False))
                    .order_by(Device.asset_tag)
                )
            )

    def certificate_data(self, ref: str) -> CertificateData:
        with self._sessions() as s:
            donation = self.get_in(s, ref)
            location = s.get(Location, donation.location_id) if donation.location_id else None
            devices = list(
                s.scalars(
                    select(Device)
                    .where(Device.donation_id == donation.id, Device.deleted.is_(False))
                    .order_by(Device.asset_tag)
                )
            )
            if not devices:
                raise UserError(
                    _("Schenking {number} heeft nog geen toestellen: boek ze eerst in.").format(
                        number=donation.number
                    )
                )
            lines = []
            for device in devices:
                wipes = list(
                    s.scalars(
                        select(DataWipe)
                        .where(DataWipe.device_id == device.id, DataWipe.deleted.is_(False))
                        .order_by(DataWipe.ended_at, DataWipe.created_at)
                    )
                )
                passed = [w for w in wipes if w.result == "passed"]
                lines.append(CertificateLine(device, passed[-1] if passed else wipes[-1] if wipes else None))
            return CertificateData(donation, location, lines)

    @staticmethod
    def _count_in(s: Session, donation_id: str) -> int:
        return (
            s.scalar(
                select(func.count())
                .select_from(Device)
                .where(Device.donation_id == donation_id, Device.deleted.is_(False))
            )
            or 0
        )
