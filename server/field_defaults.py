"""Stored records get the fields that newer models added, with the models' defaults.

A counter that upgrades adds a new synced column to its database with the column's default,
so its digest of a record now covers that value. A record the server stored before the
upgrade lacks the field, its digest differs, and every counter would re-pull that table in
every round, forever. So the server fills the same defaults into its stored records (and
their digests, and the per-table digests) once, in a migration: `s0006` for the columns of
this release. A release that adds synced columns adds a server migration that calls
`fill_missing_defaults` again (it only touches records that lack a field)."""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync import lww
from server.models import MergedRecord, TableDigestRow
from server.store import DEFAULTS, digest_names

log = logging.getLogger(__name__)


def fill_missing_defaults(session: Session, chunk: int = 1000) -> int:
    """Add the missing default fields to every stored record; returns how many changed."""
    changed = 0
    delta: dict[tuple[int, str], int] = defaultdict(int)
    query = (
        select(MergedRecord)
        .where(MergedRecord.table_name.in_(list(DEFAULTS)))
        .execution_options(yield_per=chunk)
    )
    for rec in session.scalars(query):
        defaults = DEFAULTS[rec.table_name]
        missing = {k: v for k, v in defaults.items() if k not in rec.fields}
        if not missing:
            continue
        fields = {**missing, **rec.fields}
        new = lww.record_digest({"id": rec.row_id, **fields}, digest_names(rec.table_name))
        delta[(rec.tenant_id, rec.table_name)] ^= int(rec.digest, 16) ^ new
        rec.fields = fields
        rec.digest = lww.digest_hex(new)
        changed += 1
    for (tenant_id, table), xor in delta.items():
        row = session.get(TableDigestRow, (tenant_id, table))
        if row is not None:
            row.digest = lww.digest_hex(int(row.digest, 16) ^ xor)
    session.flush()
    if changed:
        log.info("filled the defaults of newer fields into %d stored records", changed)
    return changed
