"""Server tables (own metadata and migrations, see server/migrations).

Every row belongs to one tenant (a digibank); every query filters by it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.base import NAMING


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tenant(ServerBase):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The per-tenant change counter. Updated (row locked) inside every applying
    # transaction, so change numbers follow commit order and no reader skips one.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Told to counters in the handshake: their pull cursor follows the server, not its URL.
    server_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LocationToken(ServerBase):
    __tablename__ = "location_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # "counter" (every ordinary change) or "coordinator" (also erasures and deletions of
    # people, devices, loans and staff): a lost van's token cannot wipe a digibank.
    scope: Mapped[str] = mapped_column(String(16), default="counter", server_default="counter")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AppliedBatch(ServerBase):
    """A push batch already applied, with the answer it got (replays return it)."""

    __tablename__ = "applied_batch"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChangeLogEntry(ServerBase):
    __tablename__ = "change_log"
    # By record: an erasure rewrites one person's entries (server/erasure.py).
    __table_args__ = (Index("ix_change_log_tenant_row", "tenant_id", "row_id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(64), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    clocks: Mapped[dict[str, str]] = mapped_column(JSON)


class MergedRecord(ServerBase):
    """The current merged state of one record, with per-field clocks."""

    __tablename__ = "merged_record"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    clocks: Mapped[dict[str, str]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(32))


class TableDigestRow(ServerBase):
    """Count and XOR of record digests per table, kept up to date in each push."""

    __tablename__ = "table_digest"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(32), default="0" * 32)


class ConflictRecord(ServerBase):
    """A pushed value that lost a last-writer-wins merge."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("tenant_id", "table_name", "row_id", "field", "lost_stamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    kept_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    kept_stamp: Mapped[str] = mapped_column(String(96))
    lost_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    lost_stamp: Mapped[str] = mapped_column(String(96))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
