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
    role: Mapped[str] = mapped_column(String(16), default="vrijwilliger")
    # "scrypt$n$r$p$salt-hex$hash-hex": the parameters travel with the hash, so they can grow.
    pin_hash: Mapped[str] = mapped_column(String(200), default="")
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
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
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
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
