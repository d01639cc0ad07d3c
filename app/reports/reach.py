"""Reach report: how many people a digibank reached in a period, and where.

Everything is counted in SQL (GROUP BY, UNION of person ids); Python only
relabels the grouped rows (NIS code or postcode → current municipality → its
province), which are a few thousand at most. A municipality is one row per
NIS code of today, so a person recorded under a pre-2025 name or code (Zwijndrecht,
Borsbeek, Melle) counts under the merged municipality, in its province. The
functions take a plain `Session` on the client schema so the central server can
run the very same code over a tenant's data.

A *unique person reached* is a (not deleted) borrower record that, in the
period, started a loan, attended a training session or had an identified
helpdesk visit — counted once however often. Erased (GDPR) people still count:
erasure keeps their postcode, province and target group. Anonymous helpdesk
visits and training walk-ins have no person behind them and are counted apart.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    literal_column,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from app import postcodes
from app.borrowers import target_group_names
from app.eligibility import age_band_names, eligibility_names
from app.i18n import _
from app.reports.periods import Period
from db.models import (
    AGE_BANDS,
    HELPDESK_OUTCOMES,
    HELPDESK_TOPICS,
    Attendance,
    Borrower,
    Device,
    HelpdeskVisit,
    Loan,
    Location,
    TrainingSession,
)

log = logging.getLogger(__name__)

NO_LOCATION = ""


def location_kind_names() -> dict[str, str]:
    return {"fixed": _("balie"), "mobile": _("bus")}


@dataclass
class AreaRow:
    """One municipality or province."""

    key: str
    name: str
    province: str  # code; '' when unknown
    nis: str = ""  # the municipality's REFNIS code ('' for a province or an unknown place)
    postcodes: list[str] = field(default_factory=list)
    people: int = 0
    borrowers: int = 0
    trainees: int = 0
    helpdesk_people: int = 0
    anonymous_visits: int = 0


@dataclass
class GroupRow:
    target_group: str  # the code counted by (a target group, proof, referrer or age band)
    name: str
    people: int = 0


@dataclass
class LocationRow:
    location_id: str
    code: str
    name: str
    kind: str
    people: int = 0
    loans_started: int = 0
    loans_active_at_end: int = 0
    devices_given_away: int = 0
    sessions: int = 0
    attendances: int = 0
    walk_ins: int = 0
    helpdesk_visits: int = 0
    anonymous_visits: int = 0


@dataclass
class ReachReport:
    period: Period
    people: int = 0
    borrowers: int = 0
    trainees: int = 0
    helpdesk_people: int = 0
    anonymous_visits: int = 0
    walk_ins: int = 0
    loans_started: int = 0
    loans_active_at_end: int = 0
    devices_given_away: int = 0
    sessions: int = 0
    attendances: int = 0
    helpdesk_visits: int = 0
    helpdesk_by_topic: dict[str, int] = field(default_factory=dict)
    helpdesk_by_outcome: dict[str, int] = field(default_factory=dict)
    by_municipality: list[AreaRow] = field(default_factory=list)
    by_province: list[AreaRow] = field(default_factory=list)
    by_target_group: list[GroupRow] = field(default_factory=list)
    by_proof: list[GroupRow] = field(default_factory=list)
    by_referrer: list[GroupRow] = field(default_factory=list)
    by_age_band: list[GroupRow] = field(default_factory=list)
    by_location: list[LocationRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        return data


@dataclass
class PersonRow:
    """One line of the explicitly requested per-person export (the only one with names)."""

    card_number: str
    first_name: str
    last_name: str
    postcode: str
    municipality: str
    target_group: str
    erased: bool
    lent: bool
    trained: bool
    helped: bool


# -- building blocks ---------------------------------------------------------------


def _live(model: Any) -> ColumnElement[bool]:
    return model.deleted.is_(False)


def _loans_in(period: Period) -> list[ColumnElement[bool]]:
    return [_live_loan(), Loan.out_at >= period.start_at, Loan.out_at < period.end_before]


def _live_loan() -> ColumnElement[bool]:
    """A loan that happened: not deleted and not cancelled (an undone checkout)."""
    return and_(_live(Loan), Loan.state != "cancelled")


def _sessions_in(period: Period) -> list[ColumnElement[bool]]:
    return [
        _live(TrainingSession),
        TrainingSession.starts_at >= period.start_at,
        TrainingSession.starts_at < period.end_before,
    ]


def _visits_in(period: Period) -> list[ColumnElement[bool]]:
    return [
        _live(HelpdeskVisit),
        HelpdeskVisit.visited_at >= period.start_at,
        HelpdeskVisit.visited_at < period.end_before,
    ]


def _person_sources(period: Period) -> CompoundSelect[Any]:
    """(person id, lent, trained, helped) once per person and source."""
    one: ColumnElement[Any]
    zero: ColumnElement[Any]
    one, zero = literal_column("1"), literal_column("0")
    lent = select(
        Loan.borrower_id.label("bid"), one.label("lent"), zero.label("trained"), zero.label("helped")
    ).where(*_loans_in(period))
    trained = (
        select(Attendance.borrower_id, zero, one, zero)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(_live(Attendance), *_sessions_in(period))
    )
    helped = select(HelpdeskVisit.borrower_id, zero, zero, one).where(
        HelpdeskVisit.borrower_id.is_not(None), *_visits_in(period)
    )
    return union(lent, trained, helped)


def _people_statement(period: Period) -> CompoundSelect[Any]:
    """Unique people per (postcode, province, target group) and per location, in one statement.

    One pass over the period's loans, attendances and visits builds (person, place,
    how reached); both groupings read that once (SQLite and PostgreSQL materialise a
    CTE that is used twice), which keeps the big dedupe to a single sort.
    Rows: (kind 'a', postcode, province, group, nis, municipality, proof, referrer, age band,
    None, people, lent, trained, helped) and (kind 'l', None × 8, location id, people, 0, 0, 0).
    """
    one: ColumnElement[Any]
    zero: ColumnElement[Any]
    one, zero = literal_column("1"), literal_column("0")
    lent = select(
        Loan.borrower_id.label("bid"),
        Loan.out_location_id.label("loc"),
        one.label("lent"),
        zero.label("trained"),
        zero.label("helped"),
    ).where(*_loans_in(period))
    trained = (
        select(Attendance.borrower_id, TrainingSession.location_id, zero, one, zero)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(_live(Attendance), *_sessions_in(period))
    )
    helped = select(HelpdeskVisit.borrower_id, HelpdeskVisit.location_id, zero, zero, one).where(
        HelpdeskVisit.borrower_id.is_not(None), *_visits_in(period)
    )
    src = union_all(lent, trained, helped).subquery("src")
    place = (
        select(
            src.c.bid,
            src.c.loc,
            func.max(src.c.lent).label("lent"),
            func.max(src.c.trained).label("trained"),
            func.max(src.c.helped).label("helped"),
        )
        .group_by(src.c.bid, src.c.loc)
        .cte("person_place")
    )
    person = (
        select(
            place.c.bid,
            func.max(place.c.lent).label("lent"),
            func.max(place.c.trained).label("trained"),
            func.max(place.c.helped).label("helped"),
        )
        .group_by(place.c.bid)
        .subquery("person")
    )
    band = _age_band(period)
    by_area: Select[*tuple[Any, ...]] = (
        select(
            literal_column("'a'").label("kind"),
            Borrower.postcode,
            Borrower.province,
            Borrower.target_group,
            Borrower.nis_code,
            Borrower.municipality,
            Borrower.eligibility_code,
            Borrower.referrer,
            band.label("band"),
            null().label("loc"),
            func.count().label("people"),
            func.sum(person.c.lent).label("lent"),
            func.sum(person.c.trained).label("trained"),
            func.sum(person.c.helped).label("helped"),
        )
        .join(person, person.c.bid == Borrower.id)
        .where(_live(Borrower))
        .group_by(
            Borrower.postcode,
            Borrower.province,
            Borrower.target_group,
            Borrower.nis_code,
            Borrower.municipality,
            Borrower.eligibility_code,
            Borrower.referrer,
            band,
        )
    )
    by_place = (
        select(
            literal_column("'l'"),
            null(),
            null(),
            null(),
            null(),
            null(),
            null(),
            null(),
            null(),
            place.c.loc,
            func.count(),
            zero,
            zero,
            zero,
        )
        .join(Borrower, Borrower.id == place.c.bid)
        .where(_live(Borrower))
        .group_by(place.c.loc)
    )
    return union_all(by_area, by_place)


def _municipality_names(session: Session) -> dict[str, str]:
    """postcode → municipality: the bundled table first, else the name staff typed most."""
    typed: dict[str, Counter[str]] = defaultdict(Counter)
    rows = session.execute(
        select(Borrower.postcode, Borrower.municipality, func.count())
        .where(Borrower.municipality != "")
        .group_by(Borrower.postcode, Borrower.municipality)
    )
    for postcode, name, count in rows:
        typed[postcode][name.strip()] += count
    return {postcode: names.most_common(1)[0][0] for postcode, names in typed.items()}


def _age_band(period: Period) -> ColumnElement[str]:
    """The person's age band at the end of the period: from the birth year when there is one
    (bands shift as people age), else the band staff recorded."""
    age = period.end.year - Borrower.birth_year
    whens: list[tuple[ColumnElement[bool], str]] = []
    for band in AGE_BANDS[1:]:
        low, _sep, high = band.rstrip("+").partition("-")
        whens.append(((age <= int(high)) if high else (age >= int(low)), band))
    return case((Borrower.birth_year.is_(None), Borrower.age_band), *whens, else_=AGE_BANDS[1])


def _area_labels(
    postcode: str, typed: dict[str, str], stored_province: str = "", nis: str = "", stored_name: str = ""
) -> tuple[str, str, str]:
    """(municipality name, province code, NIS code) for a stored place, never raising on bad data.

    The NIS code first (a pre-merger code counts under the merged municipality), else the
    postcode and the stored name; a place the table does not know keeps the stored province
    and the name staff typed, without a NIS code."""
    found = postcodes.for_report(nis, postcode, stored_name)
    if found is not None:
        return found.name, found.province, found.nis
    province = stored_province if stored_province in postcodes.PROVINCE_CODES else ""
    name = stored_name.strip() or typed.get(postcode, "") or postcode or _("Onbekend")
    return name, province, ""


# -- the report --------------------------------------------------------------------


def reach_report(session: Session, period: Period) -> ReachReport:
    """All reach figures for `period` (inclusive days). Read-only; one snapshot."""
    report = ReachReport(period=period)
    typed = _municipality_names(session)
    municipalities: dict[str, AreaRow] = {}
    provinces: dict[str, AreaRow] = {}
    groups: dict[str, GroupRow] = {}

    proofs: dict[str, GroupRow] = {}
    referrers: dict[str, GroupRow] = {}
    bands: dict[str, GroupRow] = {}

    def area(
        postcode: str, stored_province: str = "", nis: str = "", name: str = ""
    ) -> tuple[AreaRow, AreaRow]:
        name, province, nis = _area_labels(postcode, typed, stored_province, nis, name)
        # One row per municipality of today: its NIS code (a place unknown to the table: its name).
        key = nis or f"{province}|{name}"
        town = municipalities.setdefault(key, AreaRow(key=key, name=name, province=province, nis=nis))
        if postcode and postcode not in town.postcodes:
            town.postcodes.append(postcode)
        prov = provinces.setdefault(
            province, AreaRow(key=province, name=postcodes.province_name(province), province=province)
        )
        return town, prov

    # Unique people, flagged by how they were reached: per postcode/target group and per place.
    people_at: dict[str | None, int] = {}
    for (
        kind,
        postcode,
        province,
        group,
        nis,
        town_name,
        proof,
        referrer,
        band,
        loc,
        people,
        lent,
        trained,
        helped,
    ) in session.execute(_people_statement(period)):
        if kind == "l":
            people_at[loc] = int(people)
            continue
        people, lent, trained, helped = int(people), int(lent or 0), int(trained or 0), int(helped or 0)
        for by, code in ((proofs, proof or ""), (referrers, referrer or ""), (bands, band or "")):
            by.setdefault(code, GroupRow(target_group=code, name="")).people += people
        for row in area(postcode or "", province or "", nis or "", town_name or ""):
            row.people += people
            row.borrowers += lent
            row.trainees += trained
            row.helpdesk_people += helped
        report.people += people
        report.borrowers += lent
        report.trainees += trained
        report.helpdesk_people += helped
        g = groups.setdefault(group or "", GroupRow(target_group=group or "", name=""))
        g.people += people

    # Anonymous helpdesk visits count where the visitor lives (their postcode).
    for postcode, visits in session.execute(
        select(HelpdeskVisit.postcode, func.count())
        .where(HelpdeskVisit.borrower_id.is_(None), *_visits_in(period))
        .group_by(HelpdeskVisit.postcode)
    ):
        for row in area(postcode or ""):
            row.anonymous_visits += int(visits)

    report.by_municipality = sorted(
        municipalities.values(), key=lambda r: (-r.people, -r.anonymous_visits, r.name)
    )
    for town in report.by_municipality:
        town.postcodes.sort()
    report.by_province = sorted(provinces.values(), key=lambda r: (-r.people, r.name))
    names = target_group_names()
    for g in groups.values():
        g.name = names.get(g.target_group, g.target_group)
    report.by_target_group = sorted(groups.values(), key=lambda r: (-r.people, r.name))
    proof_names, band_names = eligibility_names(), age_band_names()
    for g in proofs.values():
        g.name = proof_names.get(g.target_group, g.target_group)
    for g in referrers.values():
        g.name = g.target_group or _("(niet opgegeven)")
    for g in bands.values():
        g.name = band_names.get(g.target_group, g.target_group)
    report.by_proof = sorted(proofs.values(), key=lambda r: (-r.people, r.name))
    report.by_referrer = sorted(referrers.values(), key=lambda r: (-r.people, r.name))
    # Age bands in age order (the band of people without one last), not by size.
    order = {b: i for i, b in enumerate((*AGE_BANDS[1:], ""))}
    report.by_age_band = sorted(bands.values(), key=lambda r: order.get(r.target_group, len(order)))

    _location_figures(session, period, report, people_at)
    return report


def _location_figures(
    session: Session, period: Period, report: ReachReport, people_at: dict[str | None, int]
) -> None:
    rows: dict[str, LocationRow] = {}
    known = {
        loc_id: (code, name, kind)
        for loc_id, code, name, kind in session.execute(
            select(Location.id, Location.code, Location.name, Location.kind)
        )
    }

    def at(location_id: str | None) -> LocationRow:
        key = location_id or NO_LOCATION
        if key not in rows:
            code, name, kind = known.get(key, ("?", _("Onbekende locatie"), ""))
            rows[key] = LocationRow(location_id=key, code=code, name=name, kind=kind)
        return rows[key]

    for loc, people in people_at.items():
        at(loc).people += people

    for loc, count in session.execute(
        select(Loan.out_location_id, func.count()).where(*_loans_in(period)).group_by(Loan.out_location_id)
    ):
        at(loc).loans_started += int(count)
        report.loans_started += int(count)

    active = [
        _live_loan(),
        Loan.out_at < period.end_before,
        # Not `in_at IS NULL OR in_at >= end`: SQLite answers that OR through the in_at
        # index with a row lookup per open loan, five times slower than one plain scan.
        func.coalesce(Loan.in_at, period.end_before) >= period.end_before,
    ]
    for loc, count in session.execute(
        select(Loan.out_location_id, func.count()).where(*active).group_by(Loan.out_location_id)
    ):
        at(loc).loans_active_at_end += int(count)
        report.loans_active_at_end += int(count)

    for loc, count in session.execute(
        select(Device.location_id, func.count())
        .where(_live(Device), Device.given_on.between(period.start, period.end))
        .group_by(Device.location_id)
    ):
        at(loc).devices_given_away += int(count)
        report.devices_given_away += int(count)

    for loc, count, walk_ins in session.execute(
        select(TrainingSession.location_id, func.count(), func.sum(TrainingSession.walk_ins))
        .where(*_sessions_in(period))
        .group_by(TrainingSession.location_id)
    ):
        row = at(loc)
        row.sessions += int(count)
        row.walk_ins += int(walk_ins or 0)
        report.sessions += int(count)
        report.walk_ins += int(walk_ins or 0)

    for loc, count in session.execute(
        select(TrainingSession.location_id, func.count(Attendance.id))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(_live(Attendance), *_sessions_in(period))
        .group_by(TrainingSession.location_id)
    ):
        at(loc).attendances += int(count)
        report.attendances += int(count)

    topics: Counter[str] = Counter({t: 0 for t in HELPDESK_TOPICS})
    outcomes: Counter[str] = Counter({o: 0 for o in HELPDESK_OUTCOMES})
    anonymous = HelpdeskVisit.borrower_id.is_(None)
    for loc, topic, outcome, is_anonymous, count in session.execute(
        select(HelpdeskVisit.location_id, HelpdeskVisit.topic, HelpdeskVisit.outcome, anonymous, func.count())
        .where(*_visits_in(period))
        .group_by(HelpdeskVisit.location_id, HelpdeskVisit.topic, HelpdeskVisit.outcome, anonymous)
    ):
        row, count = at(loc), int(count)
        row.helpdesk_visits += count
        report.helpdesk_visits += count
        topics[topic] += count
        outcomes[outcome] += count
        if is_anonymous:
            row.anonymous_visits += count
            report.anonymous_visits += count
    report.helpdesk_by_topic = dict(topics)
    report.helpdesk_by_outcome = dict(outcomes)
    report.by_location = sorted(rows.values(), key=lambda r: (r.code, r.name))


def people_count(session: Session, period: Period) -> int:
    """Unique people reached (the dashboard's 'previous period' figure), same definition."""
    sources = _person_sources(period).subquery()
    ids = select(sources.c.bid).distinct().subquery()
    return int(
        session.scalar(
            select(func.count())
            .select_from(ids)
            .join(Borrower, Borrower.id == ids.c.bid)
            .where(_live(Borrower))
        )
        or 0
    )


def people_list(session: Session, period: Period) -> list[PersonRow]:
    """The per-person list: only for the separate, explicitly requested export."""
    sources = _person_sources(period).subquery()
    person = (
        select(
            sources.c.bid,
            func.max(sources.c.lent).label("lent"),
            func.max(sources.c.trained).label("trained"),
            func.max(sources.c.helped).label("helped"),
        )
        .group_by(sources.c.bid)
        .subquery()
    )
    rows = session.execute(
        select(Borrower, person.c.lent, person.c.trained, person.c.helped)
        .join(person, person.c.bid == Borrower.id)
        .where(_live(Borrower))
        .order_by(Borrower.last_name, Borrower.first_name, Borrower.card_number)
    )
    return [
        PersonRow(
            card_number=b.card_number,
            first_name=b.first_name,
            last_name=b.last_name,
            postcode=b.postcode,
            municipality=b.municipality,
            target_group=b.target_group,
            erased=b.erased,
            lent=bool(lent),
            trained=bool(trained),
            helped=bool(helped),
        )
        for b, lent, trained, helped in rows
    ]
