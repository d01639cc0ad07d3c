"""Reach report over a seeded dataset with known answers, and report periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.context import AppContext
from app.errors import UserError
from app.inventory import DeviceInput
from app.loans import LoanService
from app.reports import ReportService
from app.reports.periods import (
    Period,
    custom,
    last_month,
    parse_period,
    period_for,
    this_month,
    this_quarter,
    this_year,
)
from app.reports.reach import people_count, reach_report
from db.models import Attendance, Borrower, Device, HelpdeskVisit, Location, TrainingSession
from tests.conftest import make_ready

MARCH = custom(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
NAMES_KORTRIJK = ["Anouk", "Bram", "Cleo", "Dirk", "Emma", "Fien", "Gert"]
NAMES_GENT = ["Hanne", "Ilse", "Jonas"]


@dataclass
class Seeded:
    cards: dict[str, str] = field(default_factory=dict)  # first name -> card
    names: list[str] = field(default_factory=list)  # every first and last name used


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 2, 1, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def seed_march(ctx: AppContext) -> Seeded:
    """7 people from 8500 Kortrijk and 3 from 9000 Gent reached in March 2026, plus noise.

    Kortrijk: Anouk borrows twice AND attends a training; Bram, Cleo, Dirk (later erased)
    and Emma borrow; Fien attends; Gert gets helpdesk help. Gent: Hanne attends, Ilse gets
    helpdesk help twice (once at the van), Jonas borrows at 23:59:59 on 31 March.
    Noise that must not count: Xavier (8500) borrows at 00:00 on 1 April and attends a
    deleted session; Yara (9000) borrows on 28 February 23:59:59 and has a deleted
    attendance; Zeno (8500) is a deleted borrower with a helpdesk visit in March.
    4 anonymous helpdesk visits in March (3 × 8500, 1 × 9000), one on 1 April and one deleted.
    """
    seeded = Seeded()
    clock = Clock()
    loans = LoanService(ctx.sessions, ctx.settings, now=clock)
    due = dt.date(2026, 6, 30)

    def person(first: str, postcode: str, town: str, group: str = "") -> str:
        b = ctx.borrowers.add(
            BorrowerInput(first, f"Achternaam{first}", postcode, municipality=town, target_group=group)
        )
        seeded.cards[first] = b.card_number
        seeded.names += [first, f"Achternaam{first}"]
        return b.card_number

    for i, first in enumerate(NAMES_KORTRIJK):
        person(first, "8500", "Kortrijk", "senior" if i < 3 else "werkzoekend")
    for first in NAMES_GENT:
        person(first, "9000", "Gent", "student")
    for first, postcode, town in (("Xavier", "8500", "Kortrijk"), ("Yara", "9000", "Gent")):
        person(first, postcode, town)
    person("Zeno", "8500", "Kortrijk")

    tags = []
    for n in range(8):
        d = ctx.devices.add(
            DeviceInput("laptop", "Lenovo", "T480", f"SN{n}", intake_date=dt.date(2026, 1, 2))
        )
        make_ready(ctx, d.asset_tag)
        tags.append(d.asset_tag)

    def lend(tag: str, first: str, at: dt.datetime) -> None:
        clock.now = at
        loans.checkout(tag, seeded.cards[first], due=due)

    lend(tags[7], "Yara", dt.datetime(2026, 2, 28, 23, 59, 59))
    lend(tags[0], "Anouk", dt.datetime(2026, 3, 1, 0, 0, 0))
    clock.now = dt.datetime(2026, 3, 5, 10, 0)
    loans.return_device(tags[0])
    make_ready(ctx, tags[0], wiped_at=dt.datetime(2026, 3, 6, 9, 0))  # wiped before the next loan
    for tag, first in zip(tags[1:5], ["Bram", "Cleo", "Dirk", "Emma"], strict=True):
        lend(tag, first, dt.datetime(2026, 3, 10, 14, 30))
    lend(tags[0], "Anouk", dt.datetime(2026, 3, 20, 11, 0))
    lend(tags[5], "Jonas", dt.datetime(2026, 3, 31, 23, 59, 59))
    lend(tags[6], "Xavier", dt.datetime(2026, 4, 1, 0, 0, 0))

    with ctx.sessions() as s, s.begin():
        krt = s.scalar(select(Location).where(Location.code == "KRT"))
        van = Location(code="BUS", name="Digibus", kind="mobile")
        s.add(van)
        s.flush()
        ids = {b.first_name: b.id for b in s.scalars(select(Borrower))}
        march = TrainingSession(
            title="Basis laptop", starts_at=dt.datetime(2026, 3, 10, 9), location_id=krt.id, walk_ins=2
        )
        april = TrainingSession(title="Veilig online", starts_at=dt.datetime(2026, 4, 1), location_id=krt.id)
        gone = TrainingSession(
            title="Geschrapt", starts_at=dt.datetime(2026, 3, 12, 9), location_id=krt.id, deleted=True
        )
        s.add_all([march, april, gone])
        s.flush()
        for first in ("Anouk", "Fien", "Hanne"):
            s.add(Attendance(session_id=march.id, borrower_id=ids[first], attended_at=march.starts_at))
        s.add(
            Attendance(
                session_id=march.id, borrower_id=ids["Yara"], attended_at=march.starts_at, deleted=True
            )
        )
        s.add(Attendance(session_id=april.id, borrower_id=ids["Xavier"], attended_at=april.starts_at))
        s.add(Attendance(session_id=gone.id, borrower_id=ids["Xavier"], attended_at=gone.starts_at))

        def visit(at: dt.datetime, topic: str, **kw: object) -> None:
            kw.setdefault("location_id", krt.id)
            s.add(HelpdeskVisit(visited_at=at, topic=topic, **kw))

        visit(dt.datetime(2026, 3, 15, 10), "itsme", borrower_id=ids["Gert"])
        visit(dt.datetime(2026, 3, 20, 10), "tax-on-web", borrower_id=ids["Ilse"], outcome="referred")
        visit(dt.datetime(2026, 3, 21, 10), "tax-on-web", borrower_id=ids["Ilse"], location_id=van.id)
        visit(dt.datetime(2026, 3, 22, 10), "bank", borrower_id=ids["Zeno"])
        for topic, postcode in (("ebox", "8500"), ("itsme", "8500"), ("bank", "8500"), ("itsme", "9000")):
            visit(dt.datetime(2026, 3, 3, 16), topic, postcode=postcode, outcome="follow-up")
        visit(dt.datetime(2026, 4, 1, 0, 0), "ebox", postcode="8500")
        visit(dt.datetime(2026, 3, 4, 12), "ebox", postcode="8500", deleted=True)

        zeno = s.get(Borrower, ids["Zeno"])
        zeno.deleted = True
        dirk = s.get(Borrower, ids["Dirk"])  # GDPR erasure keeps postcode, province, target group
        dirk.erased, dirk.first_name, dirk.last_name = True, "(gewist)", "(gewist)"
    # One device given away in March (end of life: handed to a person).
    extra = ctx.devices.add(DeviceInput("screen", "Dell", "P2217", "SCR1", intake_date=dt.date(2026, 3, 2)))
    with ctx.sessions() as s, s.begin():
        d = s.scalar(select(Device).where(Device.asset_tag == extra.asset_tag))
        d.status, d.given_on = "given-away", dt.date(2026, 3, 15)
    return seeded


@pytest.fixture
def seeded(ctx: AppContext) -> Seeded:
    return seed_march(ctx)


def _march(ctx: AppContext):
    with ctx.sessions() as s:
        return reach_report(s, MARCH)


def test_unique_people_per_municipality_and_province(ctx, seeded):
    report = _march(ctx)
    assert report.people == 10
    towns = {m.name: m for m in report.by_municipality}
    assert set(towns) == {"Kortrijk", "Gent"}
    assert (towns["Kortrijk"].people, towns["Gent"].people) == (7, 3)
    assert towns["Kortrijk"].postcodes == ["8500"]
    assert (towns["Kortrijk"].anonymous_visits, towns["Gent"].anonymous_visits) == (3, 1)
    provinces = {p.province: p.people for p in report.by_province}
    assert provinces == {"WVL": 7, "OVL": 3}
    assert {p.province: p.name for p in report.by_province} == {
        "WVL": "West-Vlaanderen",
        "OVL": "Oost-Vlaanderen",
    }


def test_each_person_once_and_by_source(ctx, seeded):
    report = _march(ctx)
    # Anouk borrowed twice and attended: one person, counted in both sources.
    assert (report.borrowers, report.trainees, report.helpdesk_people) == (6, 3, 2)
    assert report.borrowers + report.trainees + report.helpdesk_people == report.people + 1
    assert {g.target_group: g.people for g in report.by_target_group} == {
        "senior": 3,
        "werkzoekend": 4,
        "student": 3,
    }


def test_activity_figures(ctx, seeded):
    report = _march(ctx)
    assert report.loans_started == 7  # Anouk ×2, Bram, Cleo, Dirk, Emma, Jonas
    assert report.loans_active_at_end == 7  # Anouk's 2nd, 4 of 10 March, Jonas, Yara (Feb)
    assert report.devices_given_away == 1
    assert (report.sessions, report.attendances, report.walk_ins) == (1, 3, 2)
    assert report.helpdesk_visits == 8 and report.anonymous_visits == 4
    assert report.helpdesk_by_topic["itsme"] == 3
    assert report.helpdesk_by_topic["tax-on-web"] == 2
    assert report.helpdesk_by_topic["bank"] == 2
    assert report.helpdesk_by_topic["ebox"] == 1
    assert report.helpdesk_by_outcome == {"solved": 3, "referred": 1, "follow-up": 4}


def test_by_location_counts_a_person_once_per_place(ctx, seeded):
    report = _march(ctx)
    places = {loc.code: loc for loc in report.by_location}
    assert places["KRT"].people == 10
    assert places["BUS"].people == 1 and places["BUS"].kind == "mobile"
    assert places["BUS"].helpdesk_visits == 1
    assert places["KRT"].loans_started == 7
    assert places["KRT"].anonymous_visits == 4


def test_boundaries_are_inclusive_and_cross_months(ctx, seeded):
    with ctx.sessions() as s:
        april_first = reach_report(s, custom(dt.date(2026, 4, 1), dt.date(2026, 4, 1)))
        turn = reach_report(s, custom(dt.date(2026, 2, 28), dt.date(2026, 3, 1)))
        last_day = reach_report(s, custom(dt.date(2026, 3, 31), dt.date(2026, 3, 31)))
    # Xavier's loan at 00:00 and the session at 00:00 on 1 April belong to April.
    assert (april_first.people, april_first.loans_started, april_first.sessions) == (1, 1, 1)
    assert april_first.anonymous_visits == 1
    # Yara 28/02 23:59:59 and Anouk 01/03 00:00:00 — both inside a period across the month turn.
    assert (turn.people, turn.loans_started) == (2, 2)
    assert {m.name: m.people for m in turn.by_municipality} == {"Kortrijk": 1, "Gent": 1}
    # Jonas at 23:59:59 on the last day counts.
    assert (last_day.people, last_day.loans_started) == (1, 1)


def test_empty_period_gives_zeros(ctx, seeded):
    with ctx.sessions() as s:
        report = reach_report(s, custom(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
        assert people_count(s, report.period) == 0
    assert report.people == report.loans_started == report.helpdesk_visits == report.sessions == 0
    assert report.by_municipality == [] and report.by_province == []
    assert set(report.helpdesk_by_topic.values()) == {0}


def test_empty_database_gives_zeros(ctx):
    report = ReportService(ctx.sessions).reach(MARCH)
    assert report.people == 0 and report.by_location == []


def test_dashboard_compares_with_previous_period(ctx, seeded):
    service = ReportService(ctx.sessions, today=lambda: dt.date(2026, 4, 15))
    board = service.dashboard(service.period("last-month"))
    assert (board.current.period.start, board.current.period.end) == (MARCH.start, MARCH.end)
    assert board.current.people == 10
    assert board.previous == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28), "last-month")
    assert board.previous_people == 1  # Yara


def test_people_list_has_names_only_there(ctx, seeded):
    rows = ReportService(ctx.sessions).people(MARCH)
    assert len(rows) == 10
    anouk = next(r for r in rows if r.first_name == "Anouk")
    assert anouk.lent and anouk.trained and not anouk.helped
    assert not any(r.first_name in ("Xavier", "Yara", "Zeno") for r in rows)


# -- periods -------------------------------------------------------------------------


def test_calendar_periods():
    day = dt.date(2026, 11, 27)
    assert this_month(day) == Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "month")
    assert this_quarter(day) == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31), "quarter")
    assert this_year(day) == Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "year")
    assert last_month(dt.date(2026, 1, 15)) == Period(
        dt.date(2025, 12, 1), dt.date(2025, 12, 31), "last-month"
    )
    assert this_month(dt.date(2028, 2, 10)).end == dt.date(2028, 2, 29)
    assert this_quarter(dt.date(2026, 2, 1)).previous() == Period(
        dt.date(2025, 10, 1), dt.date(2025, 12, 31), "quarter"
    )
    assert this_month(dt.date(2026, 3, 31)).previous().end == dt.date(2026, 2, 28)
    week = custom(dt.date(2026, 3, 1), dt.date(2026, 3, 7))
    assert week.previous() == custom(dt.date(2026, 2, 22), dt.date(2026, 2, 28))
    assert period_for("year", day).previous().start == dt.date(2025, 1, 1)


def test_period_bounds_are_whole_days():
    p = custom(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.start_at == dt.datetime(2026, 3, 1, 0, 0)
    assert p.end_before == dt.datetime(2026, 4, 1, 0, 0)
    assert p.days == 31


def test_from_after_to_is_refused():
    with pytest.raises(UserError, match="ligt na de einddatum"):
        parse_period("2026-03-31", "2026-03-01")
    with pytest.raises(UserError, match="begindatum 31-13-2026 bestaat niet"):
        parse_period("31-13-2026", "2026-03-01")
    with pytest.raises(UserError, match="Ongeldige"):
        parse_period("maart", "2026-03-01")
    assert parse_period("2026-03-01", "2026-03-01").days == 1


def test_snapshot_of_synced_records_gives_the_same_report(ctx, seeded):
    """What the server will do: rebuild the client tables from merged records, same code."""
    from app.export import export_records
    from app.reports import snapshot_sessions
    from app.reports.costs import cost_report

    records = (
        (table, row["id"], {k: v for k, v in row.items() if k != "id"})
        for table, rows in export_records(ctx.sessions).items()
        for row in rows
    )
    server = snapshot_sessions(records)
    with ctx.sessions() as s, server() as t:
        assert reach_report(t, MARCH).to_json() == reach_report(s, MARCH).to_json()
        assert cost_report(t, MARCH).to_json() == cost_report(s, MARCH).to_json()
        assert reach_report(t, MARCH).people == 10


# -- municipalities by NIS code, eligibility and age (issue 14) ---------------------------

MERGED_2025 = {
    # NIS code of the merged municipality: its province and (old NIS code, old name) merged into it
    "11002": ("ANT", [("11007", "Borsbeek"), ("11002", "Antwerpen")]),
    "23106": ("VBR", [("23023", "Galmaarden"), ("23024", "Gooik"), ("23032", "Herne")]),
    "37021": ("WVL", [("37012", "Ruiselede"), ("37018", "Wingene")]),
    "37022": ("WVL", [("37007", "Meulebeke"), ("37015", "Tielt")]),
    "44086": ("OVL", [("44012", "De Pinte"), ("44048", "Nazareth")]),
    "44087": ("OVL", [("44034", "Lochristi"), ("44073", "Wachtebeke")]),
    "44088": ("OVL", [("44040", "Melle"), ("44043", "Merelbeke")]),
    "46029": ("OVL", [("46014", "Lokeren"), ("44045", "Moerbeke")]),
    "46030": ("OVL", [("46003", "Beveren"), ("46013", "Kruibeke"), ("11056", "Zwijndrecht")]),
    "71071": ("LIM", [("71057", "Tessenderlo"), ("71069", "Ham")]),
    "71072": ("LIM", [("71022", "Hasselt"), ("73040", "Kortessem")]),
    "73110": ("LIM", [("73006", "Bilzen"), ("73032", "Hoeselt")]),
    "73111": ("LIM", [("73009", "Borgloon"), ("73083", "Tongeren")]),
}


def postal_province(postcode: str) -> str:
    """The province older versions stored: the postal plan's range."""
    from app import postcodes

    (province,) = postcodes.postal_region(postcode)
    return province


def _reached_in_march(ctx: AppContext, people: list[dict]) -> None:
    """Store people as given (also the way older versions did) and give each a March visit."""
    with ctx.sessions() as s, s.begin():
        for n, fields in enumerate(people):
            b = Borrower(card_number=f"KRT-B-{n + 1:05d}", first_name=f"P{n}", last_name="X", **fields)
            s.add(b)
            s.flush()
            s.add(HelpdeskVisit(visited_at=dt.datetime(2026, 3, 9, 10), topic="itsme", borrower_id=b.id))


def _sums_add_up(report) -> None:
    assert sum(p.people for p in report.by_province) == report.people
    for p in report.by_province:
        assert sum(m.people for m in report.by_municipality if m.province == p.province) == p.people
    keys = [m.key for m in report.by_municipality]
    assert len(keys) == len(set(keys))


def test_acceptance_2070_2150_3720_9090_9820_each_merged_municipality_once(ctx):
    """New registrations and records kept from before the mergers (old name, postal-range
    province, no NIS code) count under the merged municipality, in its province."""
    for postcode in ("2070", "2150", "3720", "9090", "9820"):
        ctx.borrowers.add(BorrowerInput("Nieuw", postcode, postcode))
    legacy = [
        ("2070", "Zwijndrecht"),
        ("2150", "Borsbeek"),
        ("3720", "Kortessem"),
        ("9090", "Melle"),
        ("9820", "Merelbeke"),
    ]
    with ctx.sessions() as s, s.begin():
        for n, (postcode, town) in enumerate(legacy):
            s.add(
                Borrower(
                    card_number=f"OLD-B-{n:05d}",
                    first_name="Oud",
                    last_name=town,
                    postcode=postcode,
                    municipality=town,
                    province=postal_province(postcode),
                )
            )
    with ctx.sessions() as s, s.begin():
        for b in s.scalars(select(Borrower)):
            s.add(HelpdeskVisit(visited_at=dt.datetime(2026, 3, 9, 10), topic="itsme", borrower_id=b.id))
    report = _march(ctx)
    towns = {m.name: (m.nis, m.province, m.people) for m in report.by_municipality}
    assert towns == {
        "Beveren-Kruibeke-Zwijndrecht": ("46030", "OVL", 2),
        "Antwerpen": ("11002", "ANT", 2),
        "Hasselt": ("71072", "LIM", 2),
        "Merelbeke-Melle": ("44088", "OVL", 4),
    }
    assert {p.province: p.people for p in report.by_province} == {"OVL": 6, "ANT": 2, "LIM": 2}
    _sums_add_up(report)


def test_each_of_the_13_flemish_merged_municipalities_once_in_one_province(ctx):
    people = []
    for new, (_province, old) in MERGED_2025.items():
        postcode = next(p for p, nis in _postcode_nis() if nis == new)
        for old_nis, name in old:
            province = postal_province(postcode)
            # An old NIS code with the old name, and the old name without a code.
            people.append(
                {"postcode": postcode, "municipality": name, "province": province, "nis_code": old_nis}
            )
            people.append({"postcode": postcode, "municipality": name, "province": province})
    _reached_in_march(ctx, people)
    report = _march(ctx)
    rows = {m.nis: m for m in report.by_municipality}
    assert set(rows) == set(MERGED_2025)
    for nis, (province, old) in MERGED_2025.items():
        assert (rows[nis].province, rows[nis].people) == (province, 2 * len(old))
    assert report.people == len(people) == 56  # 28 former municipalities, twice
    _sums_add_up(report)


def _postcode_nis():
    import csv

    from app import postcodes

    with postcodes.POSTCODE_FILE.open(encoding="utf-8") as fh:
        return [(r["postcode"], r["nis"]) for r in csv.DictReader(fh)]


def test_breakdowns_by_proof_referrer_and_age_band(ctx):
    born = [1950, 1990, 2001, None]
    people = [
        {"postcode": "8500", "eligibility_code": "leefloon-ocmw", "referrer": "OCMW", "birth_year": born[0]},
        {"postcode": "8500", "eligibility_code": "leefloon-ocmw", "referrer": "CAW", "birth_year": born[1]},
        {"postcode": "8500", "eligibility_code": "igo", "referrer": "OCMW", "birth_year": born[2]},
        {"postcode": "8500", "age_band": "65-74"},
    ]
    _reached_in_march(ctx, people)
    report = _march(ctx)
    assert {g.target_group: g.people for g in report.by_proof} == {"leefloon-ocmw": 2, "igo": 1, "": 1}
    assert {g.name: g.people for g in report.by_referrer} == {"OCMW": 2, "CAW": 1, "(niet opgegeven)": 1}
    # The band at the end of the period (2026): 76, 36, 25 and a recorded band.
    assert [(g.target_group, g.people) for g in report.by_age_band] == [
        ("25-34", 1),
        ("35-44", 1),
        ("65-74", 1),
        ("75+", 1),
    ]
    assert sum(g.people for g in report.by_proof) == report.people == 4


def test_the_reach_workbook_has_nis_codes_provinces_and_the_new_breakdowns(ctx, tmp_path):
    from openpyxl import load_workbook

    from app.reports.xlsx import write_reach_xlsx

    _reached_in_march(
        ctx,
        [
            {"postcode": "2070", "municipality": "Zwijndrecht", "province": "ANT", "eligibility_code": "igo"},
            {"postcode": "2150", "referrer": "CAW", "birth_year": 1980},
        ],
    )
    path = write_reach_xlsx(_march(ctx), tmp_path / "bereik.xlsx")
    wb = load_workbook(path)
    towns = [tuple(r) for r in wb["Per gemeente"].iter_rows(values_only=True)]
    assert towns[0][:4] == ("Gemeente", "NIS-code", "Postcodes", "Provincie")
    assert ("Beveren-Kruibeke-Zwijndrecht", "46030", "2070", "Oost-Vlaanderen") in [r[:4] for r in towns]
    assert ("Antwerpen", "11002", "2150", "Antwerpen") in [r[:4] for r in towns]
    assert {r[0]: r[1] for r in wb["Per bewijs"].iter_rows(min_row=2, values_only=True)} == {
        "IGO (inkomensgarantie voor ouderen)": 1,
        "(niet opgegeven)": 1,
    }
    assert {r[0]: r[1] for r in wb["Per doorverwijzer"].iter_rows(min_row=2, values_only=True)} == {
        "CAW": 1,
        "(niet opgegeven)": 1,
    }
    assert {r[0]: r[1] for r in wb["Per leeftijd"].iter_rows(min_row=2, values_only=True)} == {
        "45-54 jaar": 1,
        "(niet opgegeven)": 1,
    }
