"""Declarative base and the bookkeeping every synced record shares.

Every synced record has a UUID `id`, hybrid-logical-clock stamps (`created_at`,
`updated_at`, and one stamp per field in `clocks` for per-field last-writer-wins),
the `origin` location that last wrote it, `changed_by` (who, for the audit log)
and a tombstone `deleted`. Local-only bookkeeping (outbox, local state, the field
conflict log) lives in tables that never sync.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: JSON,
        dict[str, str]: JSON,
        dt.date: Date,
        dt.datetime: DateTime,
        str: String,
    }
    if TYPE_CHECKING:
        # Every model here maps a plain Table (DeclarativeBase types it as any FromClause).
        __table__: ClassVar[Table]


# Columns that describe a record's sync state rather than its content.
SYNC_META_COLUMNS = frozenset({"id", "clocks", "updated_at", "origin", "changed_by"})


class Synced:
    """Mixin for every record that syncs between locations."""

    if TYPE_CHECKING:
        __tablename__: str  # set by each model that uses the mixin

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[str] = mapped_column(String(64), default="", index=True)
    origin: Mapped[str] = mapped_column(String(36), default="")
    changed_by: Mapped[str] = mapped_column(String(80), default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    clocks: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    @classmethod
    def data_columns(cls) -> list[str]:
        """Names of the columns whose values sync (content plus `deleted`)."""
        table = cls.__table__  # type: ignore[attr-defined]
        return [c.name for c in table.columns if c.name not in SYNC_META_COLUMNS]


if TYPE_CHECKING:

    class SyncedModel(Synced, Base):
        """For the type checker only: a mapped model with the Synced columns."""


def synced_models() -> list[type[SyncedModel]]:
    """Every synced model class, in table-name order (stable for export)."""
    classes = cast(
        "list[type[SyncedModel]]",
        [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Synced)],
    )
    return sorted(classes, key=lambda c: c.__tablename__)


def model_for_table(name: str) -> type[SyncedModel] | None:
    for cls in synced_models():
        if cls.__tablename__ == name:
            return cls
    return None


# -- local-only bookkeeping ---------------------------------------------------


class LocalState(Base):
    """Key/value facts of this replica: its location, last clock stamp, sync cursor."""

    __tablename__ = "local_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class OutboxEntry(Base):
    """One local change waiting to be pushed, written in the same transaction as the change."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    stamp: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(80), default="")
    # {"fields": {name: json value}, "clocks": {name: stamp}}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set when the server acknowledged the change; acknowledged rows can be pruned.
    pushed_batch: Mapped[str | None] = mapped_column(String(36), default=None)
    # Set when the server refused the change (not "clock-ahead", which is only held): the
    # change stays here, is not sent again as it is, and is folded into the next local
    # edit of the same record (see db/changes.py), which sends the corrected values.
    refused_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    refused_detail: Mapped[str | None] = mapped_column(Text, default=None)


class FieldConflict(Base):
    """A value that lost a last-writer-wins merge, kept so nothing silently vanishes."""

    __tablename__ = "field_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(64))
    kept_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    kept_stamp: Mapped[str] = mapped_column(String(64))
    lost_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    lost_stamp: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SetAsideChange(Base):
    """A pulled change this replica could not apply (it fails the field rules, or the
    database refused it), kept with the reason and retried at the start of every round,
    so one record never stops a page, a table or a counter (app/sync/set_aside.py)."""

    __tablename__ = "sync_set_aside"
    __table_args__ = (UniqueConstraint("table_name", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64))
    # Shown to staff; the exact row id is in `change` (it may not even be valid text).
    row_id: Mapped[str] = mapped_column(String(80), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # The change as ASCII JSON text: {"row_id", "origin", "fields", "clocks"}.
    change: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
