"""Reach and cost reports for the funder (counts per municipality, province, location).

`reach_report(session, period)` and `cost_report(session, period)` work on a plain
SQLAlchemy `Session` over the client schema, so the central server can call them
for a tenant. `ReportService` wraps them for the window and the command line:
one read-only session per report, the same figures on screen as in the workbook.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.reports.costs import CostReport, cost_report
from app.reports.periods import Period, period_for
from app.reports.reach import PersonRow, ReachReport, people_count, people_list, reach_report
from db.base import Base
from db.values import from_json

if TYPE_CHECKING:  # openpyxl (app.reports.xlsx) is imported by the exports only: window start
    from app.reports.xlsx import Progress

log = logging.getLogger(__name__)

__all__ = [
    "CostReport",
    "Dashboard",
    "Period",
    "PersonRow",
    "ReachReport",
    "ReportService",
    "cost_report",
    "reach_report",
    "snapshot_sessions",
]

# The client tables the reports read; nothing else is needed to compute them.
REPORT_TABLES = (
    "location",
    "borrower",
    "device",
    "loan",
    "repair",
    "training_session",
    "attendance",
    "helpdesk_visit",
)


def _noop(_percent: int, _message: str) -> None:
    return None


@dataclass(frozen=True)
class Dashboard:
    """The key figures the Rapporten view shows before an export."""

    current: ReachReport
    previous: Period
    previous_people: int


class ReportService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._sessions = session_factory
        self._today = today

    def today(self) -> dt.date:
        return self._today()

    def period(self, kind: str, start: dt.date | None = None, end: dt.date | None = None) -> Period:
        return period_for(kind, self._today(), start, end)

    def reach(self, period: Period) -> ReachReport:
        with self._sessions() as s:
            return reach_report(s, period)

    def costs(self, period: Period) -> CostReport:
        with self._sessions() as s:
            return cost_report(s, period)

    def dashboard(self, period: Period) -> Dashboard:
        previous = period.previous()
        with self._sessions() as s:  # one snapshot for both periods
            return Dashboard(reach_report(s, period), previous, people_count(s, previous))

    def people(self, period: Period) -> list[PersonRow]:
        with self._sessions() as s:
            return people_list(s, period)

    def export_reach(self, period: Period, path: str | Path, progress: Progress = _noop) -> Path:
        progress(5, "")
        report = self.reach(period)
        progress(60, "")
        from app.reports.xlsx import write_reach_xlsx

        return write_reach_xlsx(report, path, progress)

    def export_costs(self, period: Period, path: str | Path, progress: Progress = _noop) -> Path:
        progress(5, "")
        report = self.costs(period)
        progress(50, "")
        from app.reports.xlsx import write_cost_xlsx

        return write_cost_xlsx(report, path, progress)

    def export_people(self, period: Period, path: str | Path, progress: Progress = _noop) -> Path:
        progress(5, "")
        rows = self.people(period)
        progress(60, "")
        from app.reports.xlsx import write_people_xlsx

        target = write_people_xlsx(rows, period, path)
        progress(100, "")
        log.info("per-person list (%d people) exported on request", len(rows))
        return target


def snapshot_sessions(
    records: Iterable[tuple[str, str, Mapping[str, Any]]],
    path: str | Path | None = None,
    batch_size: int = 50_000,
) -> sessionmaker[Session]:
    """A client-schema database holding synced records, so the server can run the same report.

    `records` are (table name, row id, JSON field values) — the server's merged state of a
    tenant, or `app.export.export_records` of a client. Tables the reports do not read are
    skipped. In memory unless `path` is given. Foreign keys are not enforced: a tenant's
    merged state may hold a loan whose device has not arrived yet, and it still counts.
    """
    if path is None:
        engine = create_engine("sqlite://", poolclass=StaticPool)
    else:
        engine = create_engine(f"sqlite:///{Path(path)}")
    tables = {name: Base.metadata.tables[name] for name in REPORT_TABLES}
    Base.metadata.create_all(engine, tables=list(tables.values()))
    pending: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = defaultdict(list)

    def flush(key: tuple[str, frozenset[str]]) -> None:
        with engine.begin() as conn:
            conn.execute(insert(tables[key[0]]), pending.pop(key))

    for table_name, row_id, fields in records:
        table = tables.get(table_name)
        if table is None:
            continue
        row = {c.name: from_json(c.type, fields[c.name]) for c in table.columns if c.name in fields}
        row["id"] = row_id
        key = (table_name, frozenset(row))  # one executemany per shape; defaults fill the rest
        pending[key].append(row)
        if len(pending[key]) >= batch_size:
            flush(key)
    for key in list(pending):
        flush(key)
    return sessionmaker(engine, expire_on_commit=False)
