"""Report periods: this month, quarter, year, last month, or a custom range.

Both boundaries are whole days and inclusive. Queries compare timestamps with a
half-open range [start 00:00, day after end 00:00) so a loan at 23:59:59 on the
last day counts and one at 00:00 the day after does not, whatever the precision
the database stores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.errors import UserError
from app.formatting import date_be, parse_iso_date
from app.i18n import _

PERIOD_KINDS = ("month", "quarter", "year", "last-month", "custom")


def period_kind_names() -> dict[str, str]:
    return {
        "month": _("deze maand"),
        "quarter": _("dit kwartaal"),
        "year": _("dit jaar"),
        "last-month": _("vorige maand"),
        "custom": _("eigen periode"),
    }


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise UserError(
                _("De begindatum {start} ligt na de einddatum {end}: draai ze om.").format(
                    start=date_be(self.start), end=date_be(self.end)
                )
            )

    @property
    def start_at(self) -> dt.datetime:
        """First moment of the period."""
        return dt.datetime.combine(self.start, dt.time.min)

    @property
    def end_before(self) -> dt.datetime:
        """First moment after the period (exclusive upper bound for timestamps)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return _("{start} t.e.m. {end}").format(start=date_be(self.start), end=date_be(self.end))

    def previous(self) -> Period:
        """The period just before, of the same kind (for 'this period vs last')."""
        if self.kind in ("month", "last-month"):
            end = self.start - dt.timedelta(days=1)
            return Period(end.replace(day=1), end, "last-month")
        if self.kind == "quarter":
            end = self.start - dt.timedelta(days=1)
            return Period(_quarter_start(end), end, "quarter")
        if self.kind == "year":
            return Period(dt.date(self.start.year - 1, 1, 1), dt.date(self.start.year - 1, 12, 31), "year")
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end, "custom")


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def this_month(today: dt.date) -> Period:
    return Period(today.replace(day=1), _month_end(today), "month")


def last_month(today: dt.date) -> Period:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return Period(end.replace(day=1), end, "last-month")


def this_quarter(today: dt.date) -> Period:
    start = _quarter_start(today)
    end_month = dt.date(start.year, start.month + 2, 1)
    return Period(start, _month_end(end_month), "quarter")


def this_year(today: dt.date) -> Period:
    return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "year")


def custom(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, "custom")


def period_for(kind: str, today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    if kind == "month":
        return this_month(today)
    if kind == "quarter":
        return this_quarter(today)
    if kind == "year":
        return this_year(today)
    if kind == "last-month":
        return last_month(today)
    if kind == "custom":
        if start is None or end is None:
            raise UserError(_("Geef een begin- en einddatum voor een eigen periode."))
        return custom(start, end)
    raise UserError(_("Onbekende periode '{kind}'.").format(kind=kind))


def parse_period(start_text: str, end_text: str) -> Period:
    """From the command line's --from/--to (YYYY-MM-DD or dd/mm/jjjj)."""
    start = parse_iso_date(start_text, _("begindatum"))
    end = parse_iso_date(end_text, _("einddatum"))
    return custom(start, end)
