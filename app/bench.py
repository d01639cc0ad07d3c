"""The refurbishment bench: data wipes, repairs, hardware specs and giving devices away.

Specs are parsed in app/specs.py; here each file is imported in its own
transaction, so one bad file never undoes the good ones; every file gets one line
in the report.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.borrowers import BorrowerService
from app.errors import UserError, os_error_message
from app.formatting import parse_euro
from app.i18n import _
from app.inventory import DeviceInput, DeviceService, last_return
from app.locations import LocationService
from app.nwipe import DiskMatch, NwipeLog, ended_before, match_disks, parse_nwipe_log
from app.specs import (
    FileResult,
    ImportReport,
    SpecsError,
    merge_specs,
    parse_specs,
    serial_from_filename,
    specs_files,
)
from db.models import WIPE_METHODS, WIPE_RESULTS, DataWipe, Device, Repair

log = logging.getLogger(__name__)


MAX_LOG_CHARS = 200_000


def wipe_method_names() -> dict[str, str]:
    return {
        "nist-clear": _("NIST 800-88 Clear (overschrijven)"),
        "nist-purge": _("NIST 800-88 Purge (crypto-wissen)"),
        "nwipe": _("nwipe/ShredOS (overschrijven)"),
        "secure-erase": _("Secure erase van de fabrikant"),
        "destroyed": _("Fysiek vernietigd"),
    }


def wipe_result_names() -> dict[str, str]:
    return {"passed": _("geslaagd"), "failed": _("mislukt")}


def check_wipe_method(method: str) -> str:
    if method not in WIPE_METHODS:
        raise UserError(
            _("Onbekende wismethode '{method}'. Kies uit: {choices}.").format(
                method=method, choices=", ".join(WIPE_METHODS)
            )
        )
    return method


def check_wipe_result(result: str) -> str:
    if result not in WIPE_RESULTS:
        raise UserError(
            _("Onbekend resultaat '{result}'. Kies 'passed' (geslaagd) of 'failed' (mislukt).").format(
                result=result
            )
        )
    return result


class BenchService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        devices: DeviceService,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._sessions = session_factory
        self._devices = devices
        self._now = now

    # -- wipes -------------------------------------------------------------------

    def record_wipe(
        self,
        tag: str,
        method: str | None = None,
        result: str | None = None,
        technician: str = "",
        tool: str = "",
        verified_by: str = "",
        started_at: dt.datetime | None = None,
        ended_at: dt.datetime | None = None,
        log_text: str = "",
        disk_confirmed: bool = False,
    ) -> DataWipe:
        """Record one wipe. An nwipe log fills method, tool, times and result, and counts only
        as evidence of this device's disk (app/nwipe.py); what the technician states must
        agree with what the log says. `disk_confirmed`: a person checked the disk where the
        device's specs cannot tell."""
        if log_text:
            parsed = parse_nwipe_log(log_text)
            match = self.check_log(tag, parsed)
            if match.needs_confirmation and not disk_confirmed:
                raise UserError(
                    match.question
                    + " "
                    + _("Bevestig de schijf (--disk-confirmed) of lees eerst de specs van het toestel in.")
                )
            log_result = parsed.result_for(match.disks)
            method = method or "nwipe"
            tool = tool or parsed.tool + (f" — {parsed.method_name}" if parsed.method_name else "")
            started_at = started_at or parsed.started_at
            ended_at = ended_at or parsed.ended_at
            if result and result != log_result:
                raise UserError(
                    _("Het nwipe-logboek zegt '{log}', maar u gaf '{given}': kijk het logboek na.").format(
                        log=wipe_result_names()[log_result], given=wipe_result_names().get(result, result)
                    )
                )
            result = log_result
        if not method:
            raise UserError(_("Geef de wismethode (--method), bv. nwipe of nist-clear."))
        if not result:
            raise UserError(_("Geef het resultaat van de wissing (--result passed of failed)."))
        check_wipe_method(method)
        check_wipe_result(result)
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            if device.status == "on-loan":
                raise UserError(
                    _("{tag} is uitgeleend: eerst terugbrengen, dan wissen.").format(tag=device.asset_tag)
                )
            wipe = DataWipe(
                device_id=device.id,
                method=method,
                tool=tool.strip(),
                started_at=started_at,
                ended_at=ended_at or self._now().replace(microsecond=0),
                result=result,
                technician=technician.strip(),
                verified_by=verified_by.strip(),
                log_text=log_text[:MAX_LOG_CHARS],
            )
            s.add(wipe)
            if device.status == "intake":
                self._devices.change_status_in(s, device, "wiping")  # the bench has started on it
        log.info("wipe %s on %s: %s", method, tag, result)
        return wipe

    def check_log(self, tag: str, log: str | NwipeLog) -> DiskMatch:
        """Hold an nwipe log against the device: refuses a log of another disk or one that
        ended before the last return; says when the technician must confirm the disk."""
        parsed = parse_nwipe_log(log) if isinstance(log, str) else log
        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            match = match_disks(parsed, device.specs, device.asset_tag)
            too_old = ended_before(parsed, last_return(s, device.id))
        if too_old:
            raise UserError(too_old)
        return match

    def wipes(self, tag: str) -> list[DataWipe]:
        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            return list(
                s.scalars(
                    select(DataWipe)
                    .where(DataWipe.device_id == device.id, DataWipe.deleted.is_(False))
                    .order_by(DataWipe.ended_at, DataWipe.created_at)
                )
            )

    # -- repairs -------------------------------------------------------------------

    def record_repair(
        self,
        tag: str,
        action: str,
        parts: str = "",
        cost: str | int = 0,
        minutes: int = 0,
        technician: str = "",
        done_on: dt.date | None = None,
    ) -> Repair:
        action = " ".join((action or "").split())
        if not action:
            raise UserError(_("Beschrijf wat er hersteld werd (--action), bv. 'nieuwe batterij'."))
        cost_cents = cost if isinstance(cost, int) else parse_euro(cost)
        if minutes < 0:
            raise UserError(_("De tijd in minuten kan niet negatief zijn."))
        if minutes > 10_000:
            raise UserError(_("Meer dan 10.000 minuten voor één herstelling is vast een tikfout."))
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            repair = Repair(
                device_id=device.id,
                done_on=done_on or self._now().date(),
                action=action,
                parts=parts.strip(),
                cost_cents=cost_cents,
                minutes=minutes,
                technician=technician.strip(),
                location_id=LocationService.current_in(s).id,
            )
            s.add(repair)
        log.info("repair on %s: %s", tag, action)
        return repair

    def repairs(self, tag: str) -> list[Repair]:
        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            return list(
                s.scalars(
                    select(Repair)
                    .where(Repair.device_id == device.id, Repair.deleted.is_(False))
                    .order_by(Repair.done_on, Repair.created_at)
                )
            )

    def repair_cost_cents(self, tag: str) -> int:
        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            return (
                s.scalar(
                    select(func.coalesce(func.sum(Repair.cost_cents), 0)).where(
                        Repair.device_id == device.id, Repair.deleted.is_(False)
                    )
                )
                or 0
            )

    # -- end of life ---------------------------------------------------------------

    def give_away(self, tag: str, card: str, on: dt.date | None = None) -> Device:
        """Give a ready (wiped) device to a person for good; the state machine ends its life."""
        with self._sessions() as s, s.begin():
            device = DeviceService.get_in(s, tag)
            person = BorrowerService.get_in(s, card)
            if person.erased:
                raise UserError(_("Deze persoon is gewist en kan niets meer ontvangen."))
            self._devices.change_status_in(s, device, "given-away")
            device.given_to_borrower_id = person.id
            device.given_on = on or self._now().date()
        log.info("device %s given away", tag)
        return device

    # -- specs ---------------------------------------------------------------------

    def import_specs(self, path: str | Path) -> ImportReport:
        report = ImportReport()
        for file in specs_files(Path(path)):
            try:
                report.files.append(self.import_specs_file(file))
            except (SpecsError, UserError) as exc:
                report.files.append(FileResult(file, False, str(exc)))
            except UnicodeDecodeError:
                report.files.append(
                    FileResult(file, False, _("geen tekstbestand: verwacht lshw -json of dmidecode-uitvoer"))
                )
            except OSError as exc:
                report.files.append(FileResult(file, False, os_error_message(exc)))
        return report

    def import_specs_file(self, file: Path) -> FileResult:
        text = file.read_text(encoding="utf-8", errors="strict")
        parsed = parse_specs(file, text)
        serial = parsed.serial or serial_from_filename(file)
        if not serial:
            raise SpecsError(
                _(
                    "geen serienummer in het bestand of in de bestandsnaam; hernoem het naar "
                    "<serienummer van de sticker>.json"
                )
            )
        parsed.specs.setdefault("serial", serial)
        parsed.specs["imported_at"] = self._now().replace(microsecond=0).isoformat()
        parsed.specs["file"] = file.name
        with self._sessions() as s, s.begin():
            matches = list(
                s.scalars(
                    select(Device).where(
                        func.upper(Device.serial) == serial.upper(), Device.deleted.is_(False)
                    )
                )
            )
            if len(matches) > 1:
                raise SpecsError(
                    _(
                        "{count} toestellen hebben serienummer {serial} ({tags}); kijk de dubbels eerst na"
                    ).format(count=len(matches), serial=serial, tags=", ".join(d.asset_tag for d in matches))
                )
            created = not matches
            if created:
                device = self._devices.add_in(
                    s,
                    DeviceInput(
                        kind=parsed.kind or "laptop",
                        brand=parsed.vendor or _("onbekend"),
                        model=parsed.model or _("onbekend"),
                        serial=serial,
                        source="donation",
                        notes=_("Aangemaakt bij het inlezen van {file}.").format(file=file.name),
                    ),
                )
            else:
                device = matches[0]
                if not device.serial:
                    device.serial = serial
                if parsed.vendor and (not device.brand or device.brand == _("onbekend")):
                    device.brand = parsed.vendor
                if parsed.model and (not device.model or device.model == _("onbekend")):
                    device.model = parsed.model
            device.specs = merge_specs(device.specs or {}, parsed.specs)
            tag = device.asset_tag
        if created:
            message = _("nieuw toestel {tag} aangemaakt (serienummer {serial})").format(
                tag=tag, serial=serial
            )
        else:
            message = _("gegevens toegevoegd aan {tag} (serienummer {serial})").format(tag=tag, serial=serial)
        if parsed.missing:
            message += "; " + _("ontbreekt in het bestand: {what}").format(what=", ".join(parsed.missing))
        if parsed.cleaned:
            message += "; " + _("onleesbare tekens in het bestand vervangen door \ufffd")
        log.info("specs %s -> %s", file, tag)
        return FileResult(file, True, message, tag=tag, created=created)
