"""Domain conflicts a sync can reveal, flagged alike on every replica.

- A device lent at two offline places: both loans are kept (people really left
  with the device); of the open loans of one device, every loan after the first
  (ordered by creation stamp, then id — the same on every replica) is flagged.
- Two devices with one serial number: every device after the first is flagged as
  a possible duplicate.

Nothing here writes while detecting: a flag is derived from synced data, so all
replicas show the same flags without sending anything. Resolving is an ordinary
synced change: cancel the flagged loan, delete the duplicate, or record a
`ConflictDecision` ("keep") whose id is derived from the conflict.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import NotFound, UserError
from app.i18n import _
from db.base import FieldConflict, model_for_table
from db.changes import read_state, write_state
from db.models import Device, Loan
from db.models_sync import ConflictDecision
from db.values import from_json

log = logging.getLogger(__name__)

# The number of domain conflicts as of the last sync round or resolution: what the status
# bar shows every few seconds without running `detect` (a scan of every loan and serial)
# on the window's thread. They only arise from a merge or a local write that a round
# pushes right after, so the count is recomputed exactly then (app/sync/service.py).
DOMAIN_KEY = "sync_domain_conflicts"


def known_count(session: Session) -> int:
    """The stored count, or a fresh one when no round has stored it yet."""
    known = read_state(session, DOMAIN_KEY)
    return int(known) if known else len(detect(session))


DOUBLE_LOAN = "double-loan"
DUPLICATE_SERIAL = "duplicate-serial"
KINDS = (DOUBLE_LOAN, DUPLICATE_SERIAL)
_NAMESPACE = uuid.UUID("6f1c3a52-2f7e-4b8e-9a43-5d0c1e2b7a10")


@dataclass(frozen=True)
class DomainConflict:
    kind: str
    subject_id: str  # the flagged loan or device
    first_id: str  # the loan or device it clashes with
    device_id: str
    message: str


def decision_id(kind: str, subject_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{subject_id}"))


def kind_names() -> dict[str, str]:
    return {DOUBLE_LOAN: _("dubbel uitgeleend"), DUPLICATE_SERIAL: _("mogelijk dubbel toestel")}


def _serial_key(column):
    return func.upper(func.replace(column, " ", ""))


def detect(session: Session) -> list[DomainConflict]:
    """The open domain conflicts; grouping happens in SQL, so this stays cheap on a
    database of 100,000 records (it runs after every sync round)."""
    found: list[DomainConflict] = []
    open_loan = (Loan.state == "open", Loan.deleted.is_(False))
    doubled = select(Loan.device_id).where(*open_loan).group_by(Loan.device_id).having(func.count() > 1)
    loans = session.execute(
        select(Loan.id, Loan.device_id, Loan.created_at, Device.asset_tag)
        .join(Device, Device.id == Loan.device_id)
        .where(*open_loan, Loan.device_id.in_(doubled))
    ).all()
    serial = _serial_key(Device.serial)
    live = (Device.deleted.is_(False), Device.serial != "")
    repeated = select(serial).where(*live).group_by(serial).having(func.count() > 1)
    devices = session.execute(
        select(Device.id, serial, Device.created_at, Device.asset_tag).where(*live, serial.in_(repeated))
    ).all()
    if not loans and not devices:
        return found
    decided = {
        (d.kind, d.subject_id)
        for d in session.scalars(select(ConflictDecision).where(ConflictDecision.deleted.is_(False)))
    }
    per_device: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for loan_id, device_id, created, tag in loans:
        per_device[device_id].append((created or "", loan_id, tag))
    for device_id, items in sorted(per_device.items()):
        items.sort()
        for _created, loan_id, tag in items[1:]:
            if (DOUBLE_LOAN, loan_id) in decided:
                continue
            found.append(
                DomainConflict(
                    DOUBLE_LOAN,
                    loan_id,
                    items[0][1],
                    device_id,
                    _("Toestel {tag} is op twee plaatsen uitgeleend terwijl ze offline waren.").format(
                        tag=tag
                    ),
                )
            )
    per_serial: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for device_id, key, created, tag in devices:
        per_serial[key].append((created or "", device_id, tag))
    for key, items in sorted(per_serial.items()):
        items.sort()
        for _created, device_id, tag in items[1:]:
            if (DUPLICATE_SERIAL, device_id) in decided:
                continue
            found.append(
                DomainConflict(
                    DUPLICATE_SERIAL,
                    device_id,
                    items[0][1],
                    device_id,
                    _("Toestel {tag} heeft hetzelfde serienummer ({serial}) als {first}.").format(
                        tag=tag, serial=key, first=items[0][2]
                    ),
                )
            )
    return found


@dataclass(frozen=True)
class FieldConflictView:
    id: int
    table: str
    row_id: str
    field: str
    kept_value: object
    lost_value: object
    recorded_at: str


class ConflictService:
    """The Conflicten list and its resolutions (used by the command line and the window)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def domain(self) -> list[DomainConflict]:
        with self._sessions() as s:
            return detect(s)

    def fields(self) -> list[FieldConflictView]:
        with self._sessions() as s:
            return [
                FieldConflictView(
                    c.id,
                    c.table_name,
                    c.row_id,
                    c.field,
                    c.kept_value,
                    c.lost_value,
                    c.recorded_at.isoformat(),
                )
                for c in s.scalars(select(FieldConflict).order_by(FieldConflict.id))
            ]

    def count(self) -> int:
        with self._sessions() as s:
            return len(detect(s)) + (s.query(FieldConflict).count())

    def resolve_domain(self, kind: str, subject_id: str, decision: str, note: str = "") -> None:
        """keep: both records are right; cancel: the flagged loan was a mistake;
        delete: the flagged device is a duplicate record."""
        allowed = {DOUBLE_LOAN: ("keep", "cancel"), DUPLICATE_SERIAL: ("keep", "delete")}
        if kind not in allowed:
            raise UserError(_("Onbekend soort conflict: {kind}.").format(kind=kind))
        if decision not in allowed[kind]:
            raise UserError(_("Kies als beslissing: {choices}.").format(choices=" / ".join(allowed[kind])))
        with self._sessions() as s, s.begin():
            if not any(c.kind == kind and c.subject_id == subject_id for c in detect(s)):
                raise NotFound(_("Dit conflict bestaat niet (meer); misschien is het al opgelost."))
            if decision == "cancel":
                loan = s.get(Loan, subject_id)
                assert loan is not None
                loan.state = "cancelled"  # not a deletion: any counter's token may cancel
            elif decision == "delete":
                device = s.get(Device, subject_id)
                assert device is not None
                device.deleted = True
            else:
                did = decision_id(kind, subject_id)
                row = s.get(ConflictDecision, did)
                if row is None:
                    s.add(
                        ConflictDecision(id=did, kind=kind, subject_id=subject_id, decision="keep", note=note)
                    )
                else:
                    row.deleted = False
                    row.decision = "keep"
                    row.note = note
            s.flush()
            write_state(s, DOMAIN_KEY, str(len(detect(s))))
        log.info("conflict %s %s resolved: %s", kind, subject_id, decision)

    def resolve_field(self, conflict_id: int, decision: str) -> None:
        """keep: the merged value stays; restore: put the value that lost back (a new,
        ordinary change that syncs). Either way the entry leaves the local log."""
        if decision not in ("keep", "restore"):
            raise UserError(_("Kies als beslissing: keep / restore."))
        with self._sessions() as s, s.begin():
            conflict = s.get(FieldConflict, conflict_id)
            if conflict is None:
                raise NotFound(_("Geen veldconflict met nummer {id}.").format(id=conflict_id))
            if decision == "restore":
                model = model_for_table(conflict.table_name)
                obj = s.get(model, conflict.row_id) if model is not None else None
                if obj is None or obj.deleted:
                    raise UserError(_("Dit record bestaat niet meer; de waarde kan niet teruggezet worden."))
                column = model.__table__.c[conflict.field]  # type: ignore[union-attr]
                setattr(obj, conflict.field, from_json(column.type, conflict.lost_value))
            s.delete(conflict)


def open_count(session: Session, _kinds: Sequence[str] = KINDS) -> int:
    return len(detect(session)) + (session.query(FieldConflict).count())
