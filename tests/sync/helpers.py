"""Small helpers shared by the sync tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.models import AppliedBatch, ChangeLogEntry, ConflictRecord, MergedRecord, TableDigestRow, Tenant


def server_snapshot(database: Any, tenant: str) -> dict[str, list[Any]]:
    """Everything the server holds for one tenant, in a stable order."""
    with database.sessions() as s:
        tid = s.scalar(select(Tenant.id).where(Tenant.name == tenant))
        out: dict[str, list[Any]] = {
            "tenant": [s.scalar(select(Tenant.last_seq).where(Tenant.id == tid))],
            "log": [
                (r.seq, r.table_name, r.row_id, r.fields, r.clocks)
                for r in s.scalars(select(ChangeLogEntry).where(ChangeLogEntry.tenant_id == tid))
            ],
            "records": sorted(
                (r.table_name, r.row_id, repr(sorted(r.fields.items())), r.digest)
                for r in s.scalars(select(MergedRecord).where(MergedRecord.tenant_id == tid))
            ),
            "digests": sorted(
                (d.table_name, d.count, d.digest)
                for d in s.scalars(select(TableDigestRow).where(TableDigestRow.tenant_id == tid))
            ),
            "batches": sorted(
                b.batch_id for b in s.scalars(select(AppliedBatch).where(AppliedBatch.tenant_id == tid))
            ),
            "conflicts": sorted(
                (c.table_name, c.row_id, c.field, c.lost_stamp)
                for c in s.scalars(select(ConflictRecord).where(ConflictRecord.tenant_id == tid))
            ),
        }
    return out
