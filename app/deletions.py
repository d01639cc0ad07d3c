"""Undo a deletion for 30 days: `digibank deleted list|restore` (coordinators).

A restore sets `deleted` back to False as an ordinary change: it syncs like any edit and
its newer clock beats the tombstone on every replica (app/sync/lww.py). Which tables and
how long: db/deletions.py. A GDPR erasure is never undone (it is not a deletion).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import NotFound, UserError
from app.formatting import date_be
from app.i18n import _
from app.sync.refusals import table_name
from db.base import model_for_table
from db.deletions import RESTORABLE, UNDO_DAYS, is_final, stamp_ms
from db.models import Borrower, Device, Loan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletedRecord:
    table: str
    id: str
    label: str  # the asset tag, card number or date that names it for a person
    deleted_at: dt.datetime
    final_on: dt.date  # the last day it can be restored

    def as_dict(self) -> dict[str, str]:
        return {
            "table": self.table,
            "id": self.id,
            "label": self.label,
            "deleted_at": self.deleted_at.isoformat(),
            "final_on": self.final_on.isoformat(),
        }


def _label(s: Session, table: str, obj: Any) -> str:
    if table == "device":
        return str(obj.asset_tag)
    if table == "loan":
        device = s.get(Device, obj.device_id)
        person = s.get(Borrower, obj.borrower_id)
        return f"{device.asset_tag if device else '?'} → {person.card_number if person else '?'}"
    if table == "helpdesk_visit":
        return f"{obj.topic} {date_be(obj.visited_at.date())}"
    return str(obj.id)


class DeletionService:
    def __init__(
        self, session_factory: sessionmaker[Session], now: Callable[[], dt.datetime] = dt.datetime.now
    ) -> None:
        self._sessions = session_factory
        self._now = now

    def _now_ms(self) -> int:
        return int(self._now().timestamp() * 1000)

    def list(self) -> list[DeletedRecord]:
        """What can still be restored, newest deletion first."""
        now_ms = self._now_ms()
        out: list[DeletedRecord] = []
        with self._sessions() as s:
            for table in RESTORABLE:
                model = model_for_table(table)
                assert model is not None
                for obj in s.scalars(select(model).where(model.deleted.is_(True))):
                    stamp = (obj.clocks or {}).get("deleted")
                    made = stamp_ms(stamp)
                    if made is None or is_final(stamp, now_ms):
                        continue
                    at = dt.datetime.fromtimestamp(made / 1000).replace(microsecond=0)
                    final_on = (at + dt.timedelta(days=UNDO_DAYS)).date()
                    out.append(DeletedRecord(table, obj.id, _label(s, table, obj), at, final_on))
        return sorted(out, key=lambda d: (d.deleted_at, d.table, d.id), reverse=True)

    def restore(self, table: str, record_id: str) -> DeletedRecord:
        if table not in RESTORABLE:
            raise UserError(
                _("Enkel een verwijderd toestel, helpdeskbezoek of uitlening kan hersteld worden.")
            )
        model = model_for_table(table)
        assert model is not None
        with self._sessions() as s, s.begin():
            obj = s.get(model, record_id)
            if obj is None or not obj.deleted:
                raise NotFound(
                    _("Geen verwijderde {what} met id '{id}' (zie 'digibank deleted list').").format(
                        what=table_name(table), id=record_id
                    )
                )
            stamp = (obj.clocks or {}).get("deleted")
            if is_final(stamp, self._now_ms()):
                raise UserError(
                    _("Dit werd meer dan {days} dagen geleden verwijderd: herstellen kan niet meer.").format(
                        days=UNDO_DAYS
                    )
                )
            if isinstance(obj, Loan) and obj.state == "open":
                _lend_again(s, obj)
            obj.deleted = False
            made = stamp_ms(stamp) or 0
            at = dt.datetime.fromtimestamp(made / 1000).replace(microsecond=0)
            view = DeletedRecord(
                table, obj.id, _label(s, table, obj), at, (at + dt.timedelta(days=UNDO_DAYS)).date()
            )
        log.info("%s %s restored", table, record_id)
        return view


def _lend_again(s: Session, loan: Loan) -> None:
    """A restored open loan puts its device back on loan — unless it went elsewhere meanwhile."""
    device = s.get(Device, loan.device_id)
    if device is None or device.deleted:
        raise UserError(_("Het toestel van deze uitlening bestaat niet meer."))
    if device.status != "ready":
        raise UserError(
            _("{tag} is intussen niet meer beschikbaar: herstellen kan niet.").format(tag=device.asset_tag)
        )
    device.status = "on-loan"
