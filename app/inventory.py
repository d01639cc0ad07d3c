"""Devices: intake, details, search and the status state machine.

Status changes go through `set_status`, which enforces the life cycle
intake → wiping → (repair) → ready → on loan → wiping → …, ending in given away,
recycled or lost. Lending and returning move a device in and out of `on-loan`;
that happens only through the loan service, never by hand. *ready* needs a passed
wipe recorded after the last loan's return (`wipe_gate_refusal`): the previous
borrower's files, logins and bank apps never reach the next person.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Row, Select, bindparam, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.duplicates import DuplicateSerial, devices_with_serial
from app.errors import NotFound, UserError
from app.formatting import MAX_AMOUNT_CENTS, datetime_be, euro
from app.i18n import _
from app.locations import LocationService
from app.names import kind_names, status_name, status_names  # noqa: F401  (re-exported)
from app.search import fetch_in_order, fts_query, rows_in_order
from db.models import DEVICE_KINDS, DEVICE_SOURCES, DEVICE_STATUSES, DataWipe, Device, Loan

log = logging.getLogger(__name__)

END_STATES = frozenset({"given-away", "recycled"})

# Which status may follow which, when a person changes it directly.
TRANSITIONS: dict[str, frozenset[str]] = {
    "intake": frozenset({"wiping", "repair", "ready", "recycled", "lost"}),
    "wiping": frozenset({"intake", "repair", "ready", "recycled", "lost"}),
    "repair": frozenset({"wiping", "ready", "recycled", "lost"}),
    "ready": frozenset({"wiping", "repair", "given-away", "recycled", "lost"}),
    "on-loan": frozenset(),  # only the loan service moves a device out of on-loan
    "given-away": frozenset(),
    "recycled": frozenset(),
    # Found again: back through intake, so a technician checks it before anyone borrows it.
    "lost": frozenset({"intake", "recycled"}),
}


def device_list_statement(status: str | None = None) -> Select[Device]:
    """`DeviceService.list`'s query. The command line's light read path runs the SQL compiled
    from it (app/cli/light_queries.py, tests/test_cli_light.py keeps the two equal)."""
    stmt = select(Device).where(Device.deleted.is_(False))
    if status:
        stmt = stmt.where(Device.status == status)
    return stmt.order_by(Device.asset_tag)


@dataclass(frozen=True)
class DeviceInput:
    kind: str
    brand: str
    model: str
    serial: str = ""
    source: str = "donation"
    donation_id: str | None = None
    acquisition_cost_cents: int = 0
    accessories: str = ""
    notes: str = ""
    intake_date: dt.date | None = None


EDITABLE = (
    "kind",
    "brand",
    "model",
    "serial",
    "source",
    "acquisition_cost_cents",
    "accessories",
    "notes",
    "specs",
)


class DeviceService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._sessions = session_factory
        self._today = today

    # -- intake and editing --------------------------------------------------

    def add(self, data: DeviceInput, *, duplicate_ok: bool = False) -> Device:
        """Book in one device. Raises DuplicateSerial (nothing saved) when another device
        has this serial number, unless `duplicate_ok` (two labels on one laptop happen)."""
        with self._sessions() as s, s.begin():
            if not duplicate_ok:
                tags = devices_with_serial(s, clean_serial(data.serial))
                if tags:
                    raise DuplicateSerial(clean_serial(data.serial), tags)
            return self.add_in(s, data)

    def add_in(self, s: Session, data: DeviceInput) -> Device:
        """Add within a caller's transaction (donation intake adds several at once)."""
        _validate(data.kind, data.brand, data.model, data.source)
        _validate_cost(data.acquisition_cost_cents)
        location = LocationService.current_in(s)
        tag = codes.next_code(s, Device.asset_tag, f"{location.code}-", codes.TAG_WIDTH)
        device = Device(
            asset_tag=tag,
            kind=data.kind,
            brand=data.brand.strip(),
            model=data.model.strip(),
            serial=clean_serial(data.serial),
            source=data.source,
            donation_id=data.donation_id,
            intake_date=data.intake_date or self._today(),
            status="intake",
            location_id=location.id,
            acquisition_cost_cents=data.acquisition_cost_cents,
            accessories=data.accessories.strip(),
            notes=data.notes.strip(),
            specs={},
        )
        s.add(device)
        s.flush()
        log.info("device %s added", tag)
        return device

    def edit(self, tag: str, **changes: object) -> Device:
        with self._sessions() as s, s.begin():
            device = self.get_in(s, tag)
            for key, value in changes.items():
                if key not in EDITABLE:
                    raise UserError(_("Dit veld kan niet gewijzigd worden: {field}").format(field=key))
                if key == "serial":
                    value = clean_serial(str(value))
                setattr(device, key, value.strip() if isinstance(value, str) else value)
            _validate(device.kind, device.brand, device.model, device.source)
            _validate_cost(device.acquisition_cost_cents)
            return device

    # -- status ---------------------------------------------------------------

    def set_status(self, tag: str, status: str) -> Device:
        with self._sessions() as s, s.begin():
            device = self.get_in(s, tag)
            self.change_status_in(s, device, status)
            return device

    def change_status_in(self, s: Session, device: Device, status: str) -> None:
        if status not in DEVICE_STATUSES:
            raise UserError(
                _("Onbekende status '{status}'. Kies uit: {choices}.").format(
                    status=status, choices=", ".join(DEVICE_STATUSES)
                )
            )
        if status == device.status:
            return
        current = device.status
        if current == "on-loan":
            raise UserError(
                _("{tag} is uitgeleend: eerst terugbrengen (scan het aan de Balie).").format(
                    tag=device.asset_tag
                ),
                command=f"digibank loan return {device.asset_tag}",
            )
        if status == "on-loan":
            raise UserError(
                _("Uitlenen gebeurt aan de Balie: scan de kaart van de persoon, dan {tag}.").format(
                    tag=device.asset_tag
                ),
                command=f"digibank loan checkout {device.asset_tag} KAART",
            )
        if status not in TRANSITIONS[current]:
            raise UserError(
                _("{tag} kan niet van '{old}' naar '{new}'.").format(
                    tag=device.asset_tag, old=status_name(current), new=status_name(status)
                )
            )
        if status == "ready":
            refusal = wipe_gate_refusal(s, device)
            if refusal:
                raise UserError(
                    _("{tag} kan nog niet klaar gezet worden: {reason}").format(
                        tag=device.asset_tag, reason=refusal
                    ),
                    command=wipe_command(device.asset_tag),
                )
        device.status = status
        log.info("device %s: %s -> %s", device.asset_tag, current, status)

    def wipe_gate(self, tag: str) -> str:
        """Why the device may not be set ready or lent yet ("" when it may): for the Werkbank."""
        with self._sessions() as s:
            return wipe_gate_refusal(s, self.get_in(s, tag))

    # -- look-up and search -----------------------------------------------------

    def get(self, tag: str) -> Device:
        with self._sessions() as s:
            return self.get_in(s, tag)

    @staticmethod
    def get_in(s: Session, tag: str) -> Device:
        code = codes.clean_scan(tag)
        device = s.scalar(select(Device).where(Device.asset_tag == code, Device.deleted.is_(False)))
        if device is None:
            raise NotFound(_("Geen toestel met nummer '{tag}'.").format(tag=tag))
        return device

    def by_id(self, ids: Sequence[str]) -> list[Device]:
        """Records for the given ids, in that order (for lazy table models)."""
        return fetch_in_order(self._sessions, Device, ids)

    # What the table of devices shows (ui/table_models.py device_columns).
    TABLE_COLUMNS = ("id", "asset_tag", "status", "kind", "brand", "model", "serial", "intake_date")

    def table_rows(self, ids: Sequence[str]) -> builtins.list[Row[Any]]:
        """The table's columns (TABLE_COLUMNS) for the given ids, in that order, as read-only
        rows: a page of the table (issue 13); `by_id` gives the records."""
        return rows_in_order(self._sessions, Device, self.TABLE_COLUMNS, ids)

    # Sortable table columns (key → column); ties end on the tag, so the order is stable.
    ORDERS = ("tag", "status", "kind", "brand", "model", "serial", "intake")

    def search_ids(
        self, query: str = "", status: str | None = None, limit: int | None = None, order: str | None = None
    ) -> list[str]:
        """Ids of matching devices, newest tag first (or `order`: a key of ORDERS, "-key"
        descending). Full-text on tag, serial, brand, model."""
        descending = order.startswith("-") if order else True
        key = order.lstrip("-") if order else "tag"
        if key not in self.ORDERS:
            raise ValueError(f"unknown device order {order!r}")
        match = fts_query(query)
        params: dict[str, Any] = {}
        if status:
            params["status"] = status
        if match:
            params["q"] = match
        if limit:
            params["limit"] = limit
        with self._sessions() as s:
            # Many hits, a first page, newest tag first: walk the tag index from the end and
            # keep the hits (SQLite's own plan reads every hit's row, then sorts: "lenovo", 28k
            # hits, took 60 ms for its first 100). Few hits: their rows, sorted, are quicker.
            walk = False
            if match and limit and key == "tag" and not status:
                enough = _WALK_FROM * limit
                walk = (s.scalar(_HITS, {"q": match, "enough": enough}) or 0) >= enough
            stmt = _search_statement(key, descending, bool(status), bool(match), bool(limit), walk)
            return list(s.scalars(stmt, params))

    def list(self, status: str | None = None) -> list[Device]:
        with self._sessions() as s:
            if status and status not in DEVICE_STATUSES:
                raise UserError(
                    _("Onbekende status '{status}'. Kies uit: {choices}.").format(
                        status=status, choices=", ".join(DEVICE_STATUSES)
                    )
                )
            return list(s.scalars(device_list_statement(status)))

    def count(self) -> int:
        with self._sessions() as s:
            return s.scalar(select(func.count()).select_from(Device).where(Device.deleted.is_(False))) or 0

    def open_loan(self, device_id: str) -> Loan | None:
        with self._sessions() as s:
            return s.scalar(
                select(Loan)
                .where(Loan.device_id == device_id, Loan.state == "open", Loan.deleted.is_(False))
                .order_by(Loan.out_at.desc())
            )

    def same_serial(self, serial: str) -> builtins.list[Device]:
        """Other records with this serial: possible duplicates to look at."""
        if not serial.strip():
            return []
        with self._sessions() as s:
            return list(
                s.scalars(select(Device).where(Device.serial == serial.strip(), Device.deleted.is_(False)))
            )


def has_passed_wipe(s: Session, device_id: str) -> bool:
    return last_passed_wipe(s, device_id) is not None


def last_passed_wipe(s: Session, device_id: str) -> DataWipe | None:
    return s.scalars(
        select(DataWipe)
        .where(
            DataWipe.device_id == device_id,
            DataWipe.result == "passed",
            DataWipe.deleted.is_(False),
        )
        .order_by(DataWipe.ended_at.desc(), DataWipe.created_at.desc())
    ).first()


def last_return(s: Session, device_id: str) -> dt.datetime | None:
    """When the device last came back from a loan (None: never lent, or only undone loans)."""
    return s.scalar(
        select(func.max(Loan.in_at)).where(
            Loan.device_id == device_id, Loan.state == "returned", Loan.deleted.is_(False)
        )
    )


def wipe_gate_refusal(s: Session, device: Device) -> str:
    """Why the device may not be lent or set ready yet, or "" when it may.

    The wipe must have ended after the last return (strictly: stamps are to the second, and
    no wipe ends the second a laptop is handed in): a wipe from before that loan says
    nothing about what the previous borrower left on it."""
    wipe = last_passed_wipe(s, device.id)
    returned = last_return(s, device.id)
    if returned is not None and (wipe is None or wipe.ended_at is None or wipe.ended_at <= returned):
        reason = _("nog niet gewist na de vorige uitlening (teruggebracht op {when}).").format(
            when=datetime_be(returned)
        )
        if wipe is not None and wipe.ended_at is not None:
            reason += " " + _("De laatste geslaagde wissing is van {when}, van vóór die uitlening.").format(
                when=datetime_be(wipe.ended_at)
            )
        return reason + " " + _("Eerst wissen in de Werkbank (Wissing opslaan).")
    if wipe is None:
        return _(
            "er is geen geslaagde gegevenswissing geregistreerd. Eerst wissen in de Werkbank "
            "(Wissing opslaan)."
        )
    return ""


def wipe_command(tag: str) -> str:
    """The command that records a wipe, for the command line's version of a refusal."""
    return f"digibank wipe {tag} --method … --result passed"


def _validate_cost(cents: object) -> None:
    if not isinstance(cents, int) or isinstance(cents, bool) or cents < 0:
        raise UserError(_("De aankoopprijs moet een bedrag van 0 of meer zijn, bv. 120,00."))
    if cents > MAX_AMOUNT_CENTS:
        raise UserError(_("Een bedrag boven {max} is vast een tikfout.").format(max=euro(MAX_AMOUNT_CENTS)))


def _validate(kind: str, brand: str, model: str, source: str) -> None:
    if kind not in DEVICE_KINDS:
        raise UserError(
            _("Onbekende soort '{kind}'. Kies uit: {choices}.").format(
                kind=kind, choices=", ".join(DEVICE_KINDS)
            )
        )
    if not (brand or "").strip():
        raise UserError(_("Geef het merk van het toestel (bv. Lenovo)."))
    if not (model or "").strip():
        raise UserError(_("Geef het model van het toestel (bv. ThinkPad T480)."))
    if source not in DEVICE_SOURCES:
        raise UserError(_("Herkomst moet 'donation' (schenking) of 'purchase' (aankoop) zijn."))
    if len(brand.strip()) > 80:
        raise UserError(_("Het merk is te lang (max. 80 tekens)."))
    if len(model.strip()) > 120:
        raise UserError(_("Het model is te lang (max. 120 tekens)."))


def clean_serial(serial: str) -> str:
    """Serial numbers as printed on the sticker: no tabs or line breaks, at most 120 characters."""
    text = (serial or "").strip()
    if any(ch in text for ch in "\t\r\n") or not text.isprintable():
        raise UserError(
            _("Het serienummer bevat tabs of regeleinden; typ het over zoals het op het toestel staat.")
        )
    if len(text) > 120:
        raise UserError(_("Het serienummer is te lang (max. 120 tekens)."))
    return text


# A search walks the tag index when it has at least this many hits a row asked for: the walk
# reads about (rows asked × devices / hits) index entries, each far cheaper than a row.
_WALK_FROM = 4
_HITS = text("SELECT count(*) FROM (SELECT 1 FROM device_fts WHERE device_fts MATCH :q LIMIT :enough)")

_DEVICE_ORDERS = {
    "tag": Device.asset_tag,
    "status": Device.status,
    "kind": Device.kind,
    "brand": Device.brand,
    "model": Device.model,
    "serial": Device.serial,
    "intake": Device.intake_date,
}


@functools.cache
def _search_statement(
    key: str, descending: bool, status: bool, match: bool, limited: bool, walk: bool
) -> Select[Any]:
    """The search statement of one shape, built once (values are bound when it runs): a search
    field asks at every key typed, and building a fresh statement costs more than a small
    query (issue 13)."""
    column = _DEVICE_ORDERS[key]
    stmt = select(Device.id).where(Device.deleted.is_(False))
    if status:
        stmt = stmt.where(Device.status == bindparam("status"))
    if match:
        # "+rowid": the hits are a filter, not where the scan starts, so SQLite walks the
        # order's index (see DeviceService.search_ids).
        rowid = "+device.rowid" if walk else "device.rowid"
        stmt = stmt.where(text(f"{rowid} IN (SELECT rowid FROM device_fts WHERE device_fts MATCH :q)"))
    if key == "tag":
        stmt = stmt.order_by(column.desc() if descending else column)
    else:
        tie = Device.asset_tag.desc() if descending else Device.asset_tag
        stmt = stmt.order_by(column.desc() if descending else column, tie)
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    return stmt
