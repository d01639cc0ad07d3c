"""Benchmark: the reach report over a large digibank, straight to xlsx (goal ≤ 3 s).

    python -m benchmarks.bench_reports [--data-dir DIR] [--loans 1000000] [--visits 200000]
                                       [--borrowers 50000] [--devices 100000] [--repeat 3]

With `--data-dir` pointing at a folder that already holds a database with loans
(for instance one made by `python -m benchmarks.generate`), that data is reused;
otherwise a dataset is generated there (or in a temporary folder).

The generator below writes with Core inserts and so bypasses the ORM's outbox
hook: that is fine for benchmark data only (never for real records).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app import config
from app.context import open_context
from app.reports.periods import Period, custom
from app.reports.reach import reach_report
from app.reports.xlsx import write_reach_xlsx
from db.base import new_id
from db.models import (
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

# (postcode, municipality, province): a spread over the five Flemish provinces and Brussels.
PLACES = [
    ("8500", "Kortrijk", "WVL"),
    ("8000", "Brugge", "WVL"),
    ("8800", "Roeselare", "WVL"),
    ("8400", "Oostende", "WVL"),
    ("9000", "Gent", "OVL"),
    ("9300", "Aalst", "OVL"),
    ("9100", "Sint-Niklaas", "OVL"),
    ("2000", "Antwerpen", "ANT"),
    ("2800", "Mechelen", "ANT"),
    ("2300", "Turnhout", "ANT"),
    ("3000", "Leuven", "VBR"),
    ("1800", "Vilvoorde", "VBR"),
    ("3500", "Hasselt", "LIM"),
    ("3600", "Genk", "LIM"),
    ("1000", "Brussel", "BRU"),
]
GROUPS = ["", "leefloon", "verhoogde-tegemoetkoming", "werkzoekend", "student", "nieuwkomer", "senior"]
KINDS = ["laptop"] * 6 + ["screen", "tablet", "desktop", "smartphone"]
START = dt.datetime(2025, 1, 1)
SPAN_SECONDS = 2 * 365 * 24 * 3600  # two years: 2025 and 2026
CHUNK = 50_000


def _when(rng: random.Random) -> dt.datetime:
    return START + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))


def _insert(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        s.execute(insert(model), rows[i : i + CHUNK])


def generate(sessions: sessionmaker[Session], args: argparse.Namespace) -> None:
    rng = random.Random(42)
    with sessions() as s, s.begin():
        locations = list(s.scalars(select(Location.id)))
    common = {
        "created_at": "",
        "updated_at": "",
        "origin": "",
        "changed_by": "bench",
        "deleted": False,
        "clocks": {},
    }
    t0 = time.perf_counter()
    with sessions() as s, s.begin():
        borrowers = []
        for n in range(args.borrowers):
            postcode, town, province = rng.choice(PLACES)
            borrowers.append(
                {
                    **common,
                    "id": new_id(),
                    "card_number": f"BNK-B-{n:06d}",
                    "first_name": f"Voornaam{n}",
                    "last_name": f"Naam{n}",
                    "postcode": postcode,
                    "municipality": town,
                    "province": province,
                    "target_group": rng.choice(GROUPS),
                    "erased": rng.random() < 0.01,
                    "location_id": rng.choice(locations),
                }
            )
        _insert(s, Borrower, borrowers)
        person_ids = [b["id"] for b in borrowers]
        devices = []
        for n in range(args.devices):
            given = rng.random() < 0.05
            devices.append(
                {
                    **common,
                    "id": new_id(),
                    "asset_tag": f"BNK-{n:06d}",
                    "kind": rng.choice(KINDS),
                    "brand": "Lenovo",
                    "model": "T480",
                    "intake_date": _when(rng).date(),
                    "status": "given-away" if given else "ready",
                    "given_on": _when(rng).date() if given else None,
                    "location_id": rng.choice(locations),
                    "acquisition_cost_cents": rng.choice([0, 0, 0, 9900, 14900]),
                    "specs": {},
                }
            )
        _insert(s, Device, devices)
        device_ids = [d["id"] for d in devices]
        del borrowers, devices
        loans = []
        for _n in range(args.loans):
            out = _when(rng)
            back = out + dt.timedelta(days=rng.randrange(7, 120))
            returned = back < START + dt.timedelta(seconds=SPAN_SECONDS) and rng.random() < 0.9
            loans.append(
                {
                    **common,
                    "id": new_id(),
                    "device_id": rng.choice(device_ids),
                    "borrower_id": rng.choice(person_ids),
                    "out_location_id": rng.choice(locations),
                    "out_at": out,
                    "in_at": back if returned else None,
                    "due_date": (out + dt.timedelta(days=90)).date(),
                    "state": "returned" if returned else "open",
                    "deleted": rng.random() < 0.002,
                }
            )
        _insert(s, Loan, loans)
        del loans
        visits = []
        for _n in range(args.visits):
            anonymous = rng.random() < 0.4
            visits.append(
                {
                    **common,
                    "id": new_id(),
                    "visited_at": _when(rng),
                    "topic": rng.choice(HELPDESK_TOPICS),
                    "outcome": rng.choice(HELPDESK_OUTCOMES),
                    "borrower_id": None if anonymous else rng.choice(person_ids),
                    "postcode": rng.choice(PLACES)[0] if anonymous else "",
                    "location_id": rng.choice(locations),
                }
            )
        _insert(s, HelpdeskVisit, visits)
        del visits
        sessions_rows, attendance = [], []
        for _n in range(args.sessions):
            sid = new_id()
            starts = _when(rng)
            sessions_rows.append(
                {
                    **common,
                    "id": sid,
                    "title": "Basis laptop",
                    "starts_at": starts,
                    "location_id": rng.choice(locations),
                    "walk_ins": rng.randrange(0, 4),
                }
            )
            for person in rng.sample(person_ids, rng.randrange(4, 13)):
                attendance.append(
                    {
                        **common,
                        "id": new_id(),
                        "session_id": sid,
                        "borrower_id": person,
                        "attended_at": starts,
                    }
                )
        _insert(s, TrainingSession, sessions_rows)
        _insert(s, Attendance, attendance)
    print(f"generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def run(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    ctx = open_context(folder, actor="bench")
    try:
        if not ctx.locations.is_initialised():
            ctx.locations.initialise("BNK", "Benchmark balie")
            with ctx.sessions() as s, s.begin():
                s.add(Location(code="BUS", name="Benchmark bus", kind="mobile"))
        with ctx.sessions() as s:
            existing = s.scalar(select(func.count()).select_from(Loan)) or 0
        if existing == 0:
            generate(ctx.sessions, args)
        with ctx.sessions() as s:
            counts = {
                m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Loan, HelpdeskVisit, Borrower, Device, Attendance)
            }
        periods: dict[str, Period] = {
            "year-2026": custom(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            "q1-2026": custom(dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        }
        results: dict[str, Any] = {"rows": counts}
        out = folder / "bench-reach.xlsx"
        for name, period in periods.items():
            timings, query_timings = [], []
            report = None
            for _i in range(args.repeat):
                t0 = time.perf_counter()
                with ctx.sessions() as s:
                    report = reach_report(s, period)
                t1 = time.perf_counter()
                write_reach_xlsx(report, out)
                timings.append(time.perf_counter() - t0)
                query_timings.append(t1 - t0)
            assert report is not None
            results[name] = {
                "total_s_median": round(statistics.median(timings), 3),
                "total_s_max": round(max(timings), 3),
                "queries_s_median": round(statistics.median(query_timings), 3),
                "people": report.people,
                "loans_started": report.loans_started,
                "helpdesk_visits": report.helpdesk_visits,
                "municipalities": len(report.by_municipality),
            }
        results["xlsx"] = str(out)
        return results
    finally:
        ctx.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--loans", type=int, default=1_000_000)
    p.add_argument("--visits", type=int, default=200_000)
    p.add_argument("--borrowers", type=int, default=50_000)
    p.add_argument("--devices", type=int, default=100_000)
    p.add_argument("--sessions", type=int, default=5_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    if args.data_dir is None:
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            print(json.dumps(run(Path(tmp), args), indent=1))
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        if not (args.data_dir / config.DB_FILE).exists():
            print(f"generating a dataset in {args.data_dir}", file=sys.stderr)
        print(json.dumps(run(args.data_dir, args), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
