"""Cost report: what devices and repairs cost in a period, per device kind and per location.

Acquisition costs count the devices taken in during the period (intake date),
repair costs the repairs done in it (done on). Sums are in euro cents, exact.
Deposits are money held for the borrowers, not a cost: shown apart (collected at
checkouts in the period, refunded and kept at returns in it), never in the total.
Aggregated in SQL; a plain `Session` on the client schema, like the reach report.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import _
from app.inventory import kind_names
from app.reports.periods import Period
from db.models import Device, Loan, Location, Repair

log = logging.getLogger(__name__)


@dataclass
class CostRow:
    key: str
    name: str
    devices: int = 0
    acquisition_cents: int = 0
    repairs: int = 0
    repair_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.acquisition_cents + self.repair_cents


@dataclass
class CostReport:
    period: Period
    devices: int = 0
    acquisition_cents: int = 0
    repairs: int = 0
    repair_cents: int = 0
    by_kind: list[CostRow] = field(default_factory=list)
    by_location: list[CostRow] = field(default_factory=list)
    deposits_collected_cents: int = 0  # paid at checkouts in the period
    deposits_waived: int = 0  # checkouts in the period with the deposit waived
    deposits_refunded_cents: int = 0  # given back at returns in the period
    deposits_kept_cents: int = 0  # kept at returns in the period (damage, missing parts)

    @property
    def total_cents(self) -> int:
        return self.acquisition_cents + self.repair_cents

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        data["total_cents"] = self.total_cents
        for name in ("by_kind", "by_location"):
            for row, obj in zip(data[name], getattr(self, name), strict=True):
                row["total_cents"] = obj.total_cents
        return data


def cost_report(session: Session, period: Period) -> CostReport:
    """Acquisition (intake date in period) and repair (done on in period) costs."""
    report = CostReport(period=period)
    kinds: dict[str, CostRow] = {}
    places: dict[str, CostRow] = {}
    kind_label = kind_names()
    locations = {
        loc_id: f"{code} {name}"
        for loc_id, code, name in session.execute(select(Location.id, Location.code, Location.name))
    }

    def rows_for(kind: str, location_id: str | None) -> tuple[CostRow, CostRow]:
        k = kinds.setdefault(kind, CostRow(key=kind, name=kind_label.get(kind, kind)))
        loc = location_id or ""
        p = places.setdefault(loc, CostRow(key=loc, name=locations.get(loc, _("Onbekende locatie"))))
        return k, p

    for kind, location_id, count, cents in session.execute(
        select(Device.kind, Device.location_id, func.count(), func.sum(Device.acquisition_cost_cents))
        .where(Device.deleted.is_(False), Device.intake_date.between(period.start, period.end))
        .group_by(Device.kind, Device.location_id)
    ):
        count, cents = int(count), int(cents or 0)
        for row in rows_for(kind, location_id):
            row.devices += count
            row.acquisition_cents += cents
        report.devices += count
        report.acquisition_cents += cents

    for kind, location_id, count, cents in session.execute(
        select(Device.kind, Repair.location_id, func.count(), func.sum(Repair.cost_cents))
        .join(Device, Device.id == Repair.device_id)
        .where(Repair.deleted.is_(False), Repair.done_on.between(period.start, period.end))
        .group_by(Device.kind, Repair.location_id)
    ):
        count, cents = int(count), int(cents or 0)
        for row in rows_for(kind, location_id):
            row.repairs += count
            row.repair_cents += cents
        report.repairs += count
        report.repair_cents += cents

    start = dt.datetime.combine(period.start, dt.time.min)
    after = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min)
    collected, waived = session.execute(
        select(
            func.coalesce(func.sum(Loan.deposit_cents), 0),
            func.count().filter(Loan.deposit_method == "waived"),
        ).where(Loan.deleted.is_(False), Loan.out_at >= start, Loan.out_at < after)
    ).one()
    refunded, kept = session.execute(
        select(
            func.coalesce(func.sum(Loan.deposit_refunded_cents), 0),
            func.coalesce(func.sum(Loan.deposit_cents - Loan.deposit_refunded_cents), 0),
        ).where(
            Loan.deleted.is_(False),
            Loan.state == "returned",
            Loan.in_at >= start,
            Loan.in_at < after,
        )
    ).one()
    report.deposits_collected_cents, report.deposits_waived = int(collected), int(waived)
    report.deposits_refunded_cents, report.deposits_kept_cents = int(refunded), int(kept)

    report.by_kind = sorted(kinds.values(), key=lambda r: (-r.total_cents, r.name))
    report.by_location = sorted(places.values(), key=lambda r: r.name)
    return report
