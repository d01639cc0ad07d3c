"""Synced records of staff sign-in: the people who work at the counters, and the audit log.

A staff record syncs, so a volunteer can sign in at every counter of the digibank.
The audit log is append-only: every event is its own record, written once and never
changed, so two counters never edit the same event and the log merges without conflicts.
Events name a subject by its code (card, asset tag) and a change by the names of the
fields, never by personal values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, Synced

ROLES = ("vrijwilliger", "technieker", "coordinator")
AUDIT_OUTCOMES = ("ok", "refused")


class Staff(Synced, Base):
    __tablename__ = "staff"
    EXPORT_HIDDEN = ("pin_hash",)  # `digibank export --json` prints everything else

    name: Mapped[str] = mapped_column(String(80), index=True)
    role: Mapped[str] = mapped_column(String(16), default="vrijwilliger", info={"choices": ROLES})
    # "scrypt$n$r$p$salt-hex$hash-hex": the parameters travel with the hash, so they can grow.
    pin_hash: Mapped[str] = mapped_column(String(200), default="")
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, info={"min": 0, "max": 1000})
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, nullable=True)


class AuditEvent(Synced, Base):
    __tablename__ = "audit_event"

    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    staff_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    # The name at the time of the event: the log still reads right after a rename or disable.
    staff_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(String(400), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok", info={"choices": AUDIT_OUTCOMES})
    location: Mapped[str] = mapped_column(String(8), default="")


class AuditImmutableError(RuntimeError):
    """An audit event is written once; the program never edits or removes one."""


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, _flush_context: Any, _instances: Any) -> None:
    # Registered before db/changes.py's hook is irrelevant: this one only refuses.
    if session.info.get("applying_remote"):
        return
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            raise AuditImmutableError(f"audit event {obj.id} cannot be changed")
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditImmutableError(f"audit event {obj.id} cannot be deleted")


# -- the window's changes, each as an audit event --------------------------------------
# The command line writes one event per command (app/cli/staff_gate.py). The window has
# no commands, so with `session.info[AUDIT_CHANGES]` set (ui/staff_wiring.py) every change
# of a synced record made by a signed-in staff member becomes an event here, in the same
# flush: nothing the window saves can miss its audit event. Field names, never values.
AUDIT_CHANGES = "audit_changes"
_AUDITED_ELSEWHERE = frozenset({"audit_event", "staff"})  # staff: app/staff.py writes its own


def _window_action(obj: Synced, is_new: bool, fields: list[str]) -> str:
    table = type(obj).__tablename__
    if table == "loan":
        if is_new:
            return "loan checkout"
        if "in_at" in fields and getattr(obj, "in_at", None) is not None:
            return "loan return"
        if "due_date" in fields:
            return "loan extend"
    if table == "borrower" and "erased" in fields and getattr(obj, "erased", False):
        return "borrower erase"
    if "deleted" in fields and obj.deleted:
        return f"{table} delete"
    return f"{table} {'add' if is_new else 'edit'}"


def _subject(session: Session, obj: Synced) -> str:
    for attr in ("asset_tag", "card_number", "number", "code"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    device_id = getattr(obj, "device_id", None)
    if device_id:
        from db.models import Device

        device = session.get(Device, device_id)
        if device is not None:
            return device.asset_tag
    return str(obj.id or "")


def _record_window_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    if not session.info.get(AUDIT_CHANGES) or session.info.get("applying_remote"):
        return
    from sqlalchemy import inspect

    from db.base import new_id
    from db.changes import LOCATION_KEY, read_state
    from db.models import Location

    work: list[tuple[Synced, bool, list[str]]] = []
    for obj in list(session.new):
        if isinstance(obj, Synced) and type(obj).__tablename__ not in _AUDITED_ELSEWHERE:
            work.append((obj, True, type(obj).data_columns()))
    for obj in list(session.dirty):
        if not isinstance(obj, Synced) or type(obj).__tablename__ in _AUDITED_ELSEWHERE:
            continue
        state = inspect(obj)
        fields = [n for n in type(obj).data_columns() if state.attrs[n].history.has_changes()]
        if fields:
            work.append((obj, False, fields))
    if not work:
        return
    with session.no_autoflush:
        staff = session.get(Staff, str(session.info.get("actor", "")))
        if staff is None:
            return  # nobody signed in (a lone counter): as before staff existed
        location_id = read_state(session, LOCATION_KEY)
        location = session.get(Location, location_id) if location_id else None
        now = dt.datetime.now().replace(microsecond=0)
        for obj, is_new, fields in work:
            if obj.id is None:
                obj.id = new_id()
            session.add(
                AuditEvent(
                    at=now,
                    staff_id=staff.id,
                    staff_name=staff.name,
                    action=_window_action(obj, is_new, fields)[:60],
                    subject=_subject(session, obj)[:120],
                    detail="" if is_new else ",".join(fields)[:400],
                    outcome="ok",
                    location=location.code if location else "",
                )
            )


# First among the flush hooks, so db/changes.py stamps these events and puts them in the outbox.
event.listen(Session, "before_flush", _record_window_changes, insert=True)
