"""Reports over all locations of one tenant (the coordinator's report for the partnership).

The tenant's merged records are loaded into a client-schema SQLite database and
the very same report code as the counters runs over it, so the figures equal what
a fully synced counter computes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.reports import snapshot_sessions
from app.reports.costs import CostReport, cost_report
from app.reports.periods import Period
from app.reports.reach import ReachReport, reach_report
from server.database import Database
from server.models import MergedRecord, Tenant


class UnknownTenant(Exception):
    pass


def tenant_records(database: Database, tenant_id: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    with database.sessions() as s:
        stmt = (
            select(MergedRecord.table_name, MergedRecord.row_id, MergedRecord.fields)
            .where(MergedRecord.tenant_id == tenant_id)
            .order_by(MergedRecord.table_name, MergedRecord.row_id)
            .execution_options(yield_per=5000)
        )
        for table_name, row_id, fields in s.execute(stmt):
            yield table_name, row_id, dict(fields)


def tenant_report(
    database: Database, tenant_name: str, kind: str, period: Period
) -> ReachReport | CostReport:
    with database.sessions() as s:
        tenant = s.scalar(select(Tenant).where(Tenant.name == tenant_name))
        if tenant is None:
            raise UnknownTenant(tenant_name)
        tenant_id = tenant.id
    with tempfile.TemporaryDirectory(prefix="digibank-report-") as folder:
        # On disk, not in memory: a large network's snapshot can be hundreds of MB.
        sessions = snapshot_sessions(tenant_records(database, tenant_id), Path(folder) / "snapshot.db")
        try:
            with sessions() as s:
                return reach_report(s, period) if kind == "reach" else cost_report(s, period)
        finally:
            sessions.kw["bind"].dispose()
