"""Generate a LARGE digibank for benchmarks: devices, borrowers, years of loans and helpdesk visits.

    python -m benchmarks.generate --data-dir DIR [--devices N --borrowers N --loans N --helpdesk N]
                                  [--trainings N] [--seed S] [--today YYYY-MM-DD]

Seeded and repeatable: the same seed, sizes and day give the same database (ids and stamps too).

Speed over ceremony: rows go in with Core bulk inserts (`session.execute(insert(Model), rows)`,
in batches), which bypass the ORM's before_flush hook. That is deliberate and allowed only here
(CONVENTIONS.md): the generator fills the sync columns itself (UUID id, HLC-shaped created_at /
updated_at stamps at the record's own historical time, origin = this location, clocks = {}) and
writes NO outbox entries. Generated history stands for data that was synced long ago: pushing a
million old loans again would only measure the outbox, not the counter. The full-text indexes
are rebuilt once at the end instead of row by row.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import logging
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import postcodes
from app.context import open_context
from db.base import Base
from db.changes import HLC_KEY, LOCATION_KEY, read_state, write_state
from db.clock import Stamp
from db.models import (
    Attendance,
    Borrower,
    DataWipe,
    Device,
    HelpdeskVisit,
    Loan,
    Location,
    TrainingSession,
)

log = logging.getLogger(__name__)

BATCH = 20_000
HISTORY_START = dt.datetime(2021, 1, 4, 9, 0)

KINDS = (("laptop", 70), ("desktop", 10), ("screen", 8), ("tablet", 5), ("smartphone", 5), ("other", 2))
MODELS = {
    "laptop": [
        ("Lenovo", "ThinkPad T480"), ("Lenovo", "ThinkPad T470s"), ("Lenovo", "ThinkPad X270"),
        ("Lenovo", "ThinkPad L590"), ("Dell", "Latitude 5490"), ("Dell", "Latitude 7480"),
        ("Dell", "Latitude E7470"), ("HP", "EliteBook 840 G5"), ("HP", "ProBook 450 G6"),
        ("Fujitsu", "Lifebook E580"), ("Acer", "TravelMate P215"), ("Apple", "MacBook Air 2017"),
    ],
    "desktop": [("Dell", "OptiPlex 7060"), ("HP", "EliteDesk 800 G4"), ("Lenovo", "ThinkCentre M720q")],
    "screen": [("Dell", "P2219H"), ("HP", "E223"), ("Philips", "241B7QPJ"), ("Iiyama", "ProLite XU2292")],
    "tablet": [("Samsung", "Galaxy Tab A7"), ("Apple", "iPad 2019"), ("Lenovo", "Tab M10")],
    "smartphone": [("Samsung", "Galaxy A52"), ("Motorola", "Moto G8"), ("Apple", "iPhone 8")],
    "other": [("TP-Link", "Archer C6"), ("Brother", "HL-L2350DW"), ("Logitech", "C270 webcam")],
}  # fmt: skip
FIRST_NAMES = (
    "Jan", "Els", "An", "Marc", "Luc", "Sofie", "Tom", "Lien", "Pieter", "Sarah", "Koen", "Ann",
    "Bart", "Nele", "Wim", "Kaat", "Mohamed", "Fatima", "Ahmed", "Yasmina", "Emma", "Louis", "Noor",
    "Lucas", "Olivia", "Arthur", "Mila", "Jules", "Elena", "Adam", "Lotte", "Victor", "Hanne",
    "Seppe", "Lore", "Ruben", "Ines", "Dirk", "Martine", "Rita", "Jozef", "Maria", "Georges",
    "Aïcha", "Youssef", "Nadia", "Omar", "Elif", "Mehmet", "Ayşe", "Ali", "Olena", "Andriy",
    "Tetiana", "Piotr", "Agnieszka", "François", "Hélène", "Chloé", "Noé",
)  # fmt: skip
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Dubois", "Lambert", "Dupont", "Martens", "Vermeulen", "Hermans", "Michiels",
    "Pauwels", "Smets", "Claeys", "Desmet", "Verhoeven", "Van Damme", "De Backer", "Vandenberghe",
    "Devos", "Coppens", "Leclercq", "Lemmens", "Aerts", "Declercq", "Verstraete", "Cools", "Baert",
    "Van den Broeck", "De Clercq", "Wuyts", "El Amrani", "Benali", "Yilmaz", "Kaya", "Demir",
    "Öztürk", "Bakker", "Kowalski", "Nowak", "Shevchenko", "Kovalenko", "Diallo", "Mukendi",
    "Van de Velde", "Stevens", "Segers", "Hendrickx", "Vervoort", "Bogaert", "Cornelis", "Geerts",
    "D'Hondt", "Vanhove",
)  # fmt: skip
TARGET_GROUPS = ("", "leefloon", "verhoogde-tegemoetkoming", "werkzoekend", "student", "nieuwkomer", "senior")
HELPDESK_TOPICS = (
    ("tax-on-web", 15), ("itsme", 25), ("ebox", 8), ("burgerprofiel", 10), ("bank", 15),
    ("health", 6), ("vdab", 6), ("benefits", 5), ("device", 8), ("other", 2),
)  # fmt: skip
TRAINING_TITLES = (
    "Eerste stappen met de laptop", "Veilig online", "Itsme installeren", "Tax-on-web samen invullen",
    "Mails en bijlagen", "Videobellen met familie", "Repair café: laptop", "Online bankieren",
)  # fmt: skip


class Generator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        seed: int,
        location_id: str,
        code: str,
        today: dt.date | None = None,
    ) -> None:
        self.sessions = sessions
        self.rng = random.Random(seed)
        self.location_id = location_id
        self.code = code
        self.today = today or dt.date.today()
        self.now = dt.datetime.combine(self.today, dt.time(9, 0))
        self._counter = 0
        self.max_stamp = ""

    # -- helpers ---------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamp(self, when: dt.datetime) -> str:
        """An HLC-shaped stamp at the record's own historical time (unique via the counter)."""
        self._counter = (self._counter + 1) % 1_000_000
        wall = int(when.timestamp() * 1000)
        text_stamp = Stamp(wall, self._counter, self.location_id).encode()
        self.max_stamp = max(self.max_stamp, text_stamp)
        return text_stamp

    def sync_columns(self, when: dt.datetime) -> dict[str, Any]:
        stamp = self.stamp(when)
        return {
            "id": self.new_id(),
            "created_at": stamp,
            "updated_at": stamp,
            "origin": self.location_id,
            "changed_by": "generator",
            "deleted": False,
            "clocks": {},
        }

    def moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = int((end - start).total_seconds())
        when = start + dt.timedelta(seconds=self.rng.randrange(max(span, 1)))
        # Counters open on weekdays, 9:00-17:00.
        return when.replace(hour=9 + self.rng.randrange(8), second=0, microsecond=0)

    def weighted(self, pairs: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def insert(self, model: type[Base], rows: Iterator[dict[str, Any]], label: str) -> int:
        """Bulk insert in batches, one transaction per batch (keeps the WAL file small)."""
        started = time.perf_counter()
        count = 0
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                count += self._write(model, batch)
                batch = []
        if batch:
            count += self._write(model, batch)
        print(f"  {label:<22} {count:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
        return count

    def insert_mixed(
        self, rows: Iterator[tuple[type[Base], dict[str, Any]]], labels: dict[type[Base], str]
    ) -> None:
        """Like `insert`, for one stream that yields rows of several tables (loans and the
        wipes after their returns), so neither has to be held in memory."""
        started = time.perf_counter()
        counts = dict.fromkeys(labels, 0)
        batches: dict[type[Base], list[dict[str, Any]]] = {model: [] for model in labels}
        for model, row in rows:
            batch = batches[model]
            batch.append(row)
            if len(batch) >= BATCH:
                counts[model] += self._write(model, batch)
                batches[model] = []
        for model, batch in batches.items():
            if batch:
                counts[model] += self._write(model, batch)
        for model, label in labels.items():
            print(
                f"  {label:<22} {counts[model]:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True
            )

    def _write(self, model: type[Base], batch: list[dict[str, Any]]) -> int:
        with self.sessions() as s, s.begin():
            s.execute(insert(model), batch)
        return len(batch)

    # -- the records ------------------------------------------------------------

    def devices(self, n: int, open_loans: set[int]) -> list[tuple[str, dt.date, str]]:
        """Returns (id, intake date, status) per device, in tag order."""
        made: list[tuple[str, dt.date, str]] = []
        latest_intake = self.now - dt.timedelta(days=200)

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(n):
                kind = self.weighted(KINDS)
                brand, model = self.rng.choice(MODELS[kind])
                when = self.moment(HISTORY_START, latest_intake)
                if i in open_loans:
                    status = "on-loan"
                else:
                    status = self.weighted(
                        (("ready", 45), ("intake", 8), ("wiping", 5), ("repair", 7), ("given-away", 20),
                         ("recycled", 12), ("lost", 3))
                    )  # fmt: skip
                row = self.sync_columns(when)
                made.append((row["id"], when.date(), status))
                serial = "".join(self.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=10))
                row.update(
                    asset_tag=f"{self.code}-{i + 1:06d}",
                    kind=kind,
                    brand=brand,
                    model=model,
                    serial=serial,
                    source="donation" if self.rng.random() < 0.85 else "purchase",
                    intake_date=when.date(),
                    status=status,
                    location_id=self.location_id,
                    acquisition_cost_cents=0
                    if self.rng.random() < 0.85
                    else self.rng.randrange(5_000, 60_000),
                    specs={},
                )
                yield row

        self.insert(Device, rows(), "device")
        return made

    def wipes(self, devices: list[tuple[str, dt.date, str]]) -> None:
        def rows() -> Iterator[dict[str, Any]]:
            for device_id, intake, status in devices:
                if status in ("intake", "wiping"):
                    continue
                ended = dt.datetime.combine(
                    intake + dt.timedelta(days=self.rng.randrange(1, 20)), dt.time(14)
                )
                row = self.sync_columns(ended)
                row.update(
                    device_id=device_id,
                    method=self.rng.choice(("nwipe", "nist-clear", "secure-erase")),
                    tool="nwipe 0.34",
                    ended_at=ended,
                    result="passed",
                    technician="generator",
                )
                yield row

        self.insert(DataWipe, rows(), "data_wipe")

    def borrowers(self, n: int) -> list[str]:
        table = [(code, name) for code, name in _postcode_table() if code >= "1500"] or [("8500", "Kortrijk")]
        # Most people live close to the counter: weight the counter's own region.
        near = [row for row in table if row[0].startswith(("85", "86", "87", "88", "89"))] or table
        ids: list[str] = []

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(n):
                when = self.moment(HISTORY_START, self.now - dt.timedelta(days=1))
                first = self.rng.choice(FIRST_NAMES)
                last = self.rng.choice(LAST_NAMES)
                postcode, municipality = self.rng.choice(near if self.rng.random() < 0.7 else table)
                row = self.sync_columns(when)
                ids.append(row["id"])
                email = ""
                if self.rng.random() < 0.6:
                    email = f"{first}.{last}{i}@voorbeeld.be".lower().replace(" ", "").replace("'", "")
                phone = f"04{self.rng.randrange(70, 100)} {self.rng.randrange(100000, 1000000)}"
                row.update(
                    card_number=f"{self.code}-B-{i + 1:05d}",
                    first_name=first,
                    last_name=last,
                    phone=phone if self.rng.random() < 0.8 else "",
                    email=email,
                    postcode=postcode,
                    municipality=municipality,
                    nis_code=postcodes.for_postcode(postcode)[0].nis
                    if postcodes.for_postcode(postcode)
                    else "",
                    province=postcodes.province_for(postcode),
                    language="nl",
                    target_group=self.rng.choice(TARGET_GROUPS),
                    consent_date=when.date(),
                    blocked=self.rng.random() < 0.005,
                    location_id=self.location_id,
                )
                if row["blocked"]:
                    row["blocked_reason"] = "toestel niet teruggebracht"
                yield row

        self.insert(Borrower, rows(), "borrower")
        return ids

    def loans(
        self,
        total: int,
        devices: list[tuple[str, dt.date, str]],
        borrowers: list[str],
        open_devices: list[int],
    ) -> None:
        """`total` loans: one open loan per on-loan device, the rest returned history spread
        over each lendable device's life without overlap."""
        lendable = [i for i, d in enumerate(devices) if d[2] in ("ready", "on-loan", "given-away", "lost")]
        history = max(total - len(open_devices), 0)
        per_device = history // max(len(lendable), 1)
        extra = history - per_device * len(lendable)
        # The people holding a device now are all different (one open loan each).
        holders = self.rng.sample(borrowers, min(len(open_devices), len(borrowers)))

        def rows() -> Iterator[tuple[type[Base], dict[str, Any]]]:
            for position, index in enumerate(lendable):
                device_id, intake, _status = devices[index]
                count = per_device + (1 if position < extra else 0)
                start = dt.datetime.combine(intake + dt.timedelta(days=21), dt.time(9))
                end = self.now - dt.timedelta(days=100)  # room for the open loan after the history
                if count == 0 or end <= start:
                    continue
                slot = (end - start) / count
                for k in range(count):
                    out_at = self.moment(start + slot * k, start + slot * k + slot / 3)
                    length = max(1, min(int(slot.days * 0.6) or 1, self.rng.randrange(7, 120)))
                    in_at = out_at + dt.timedelta(days=length, hours=self.rng.randrange(-2, 3))
                    due = out_at.date() + dt.timedelta(days=90)
                    yield Loan, self._loan(device_id, self.rng.choice(borrowers), out_at, due, in_at)
                    # Every return is wiped before the next loan (the rule since the second round).
                    yield DataWipe, self._wipe(device_id, in_at + dt.timedelta(hours=1))
            for holder, index in zip(holders, open_devices, strict=False):
                device_id = devices[index][0]
                out_at = self.moment(self.now - dt.timedelta(days=99), self.now - dt.timedelta(days=1))
                due = out_at.date() + dt.timedelta(days=90)  # the oldest ones are overdue now
                yield Loan, self._loan(device_id, holder, out_at, due, None)

        self.insert_mixed(rows(), {Loan: "loan", DataWipe: "data_wipe (returns)"})

    def _wipe(self, device_id: str, ended: dt.datetime) -> dict[str, Any]:
        row = self.sync_columns(ended)
        row.update(
            device_id=device_id,
            method="nwipe",
            tool="nwipe 0.34",
            started_at=ended - dt.timedelta(minutes=50),
            ended_at=ended,
            result="passed",
            technician="generator",
        )
        return row

    def _loan(
        self, device_id: str, borrower_id: str, out_at: dt.datetime, due: dt.date, in_at: dt.datetime | None
    ) -> dict[str, Any]:
        row = self.sync_columns(in_at or out_at)
        row.update(
            device_id=device_id,
            borrower_id=borrower_id,
            out_location_id=self.location_id,
            in_location_id=self.location_id if in_at else None,
            out_at=out_at,
            in_at=in_at,
            due_date=due,
            state="returned" if in_at else "open",
            deposit_cents=0,
            contract_version="2026-01",
            contract_printed=True,
        )
        return row

    def helpdesk(self, n: int, borrowers: list[str]) -> None:
        table = [code for code, _ in _postcode_table()] or ["8500"]

        def rows() -> Iterator[dict[str, Any]]:
            for _ in range(n):
                when = self.moment(HISTORY_START, self.now - dt.timedelta(days=1))
                known = self.rng.random() < 0.6
                row = self.sync_columns(when)
                row.update(
                    visited_at=when,
                    topic=self.weighted(HELPDESK_TOPICS),
                    minutes=self.rng.choice((5, 10, 10, 15, 20, 30, 45)),
                    outcome=self.rng.choices(("solved", "referred", "follow-up"), weights=(75, 10, 15))[0],
                    borrower_id=self.rng.choice(borrowers) if known and borrowers else None,
                    postcode="" if known else self.rng.choice(table),
                    location_id=self.location_id,
                )
                yield row

        self.insert(HelpdeskVisit, rows(), "helpdesk_visit")

    def trainings(self, n: int, borrowers: list[str]) -> None:
        sessions: list[tuple[str, dt.datetime, int]] = []

        def session_rows() -> Iterator[dict[str, Any]]:
            for _ in range(n):
                when = self.moment(HISTORY_START, self.now - dt.timedelta(days=1)).replace(minute=0)
                row = self.sync_columns(when)
                capacity = self.rng.choice((8, 10, 12, 15))
                sessions.append((row["id"], when, capacity))
                row.update(
                    title=self.rng.choice(TRAINING_TITLES),
                    trainer="generator",
                    place="Balie",
                    location_id=self.location_id,
                    starts_at=when,
                    minutes=120,
                    capacity=capacity,
                    walk_ins=self.rng.randrange(0, 3),
                )
                yield row

        self.insert(TrainingSession, session_rows(), "training_session")

        def attendance_rows() -> Iterator[dict[str, Any]]:
            for session_id, when, capacity in sessions:
                people = self.rng.sample(borrowers, min(len(borrowers), self.rng.randrange(3, capacity + 1)))
                for borrower_id in people:
                    row = self.sync_columns(when)
                    # The attendance id is derived from (session, person), as the app does.
                    row["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"attendance:{session_id}:{borrower_id}"))
                    row.update(session_id=session_id, borrower_id=borrower_id, attended_at=when)
                    yield row

        self.insert(Attendance, attendance_rows(), "attendance")


def _initialise_location(sessions: sessionmaker[Session], seed: int) -> None:
    """Location KRT as `digibank init` makes it, but with an id derived from the seed, so the
    whole database (origins and stamps included) is repeatable."""
    location_id = str(uuid.UUID(int=random.Random(f"location-{seed}").getrandbits(128), version=4))
    with sessions() as s, s.begin():
        # Stamp it at the start of the history, not at the real time of generating.
        s.info["wall_clock"] = lambda: int(HISTORY_START.timestamp() * 1000)
        write_state(s, LOCATION_KEY, location_id)  # before the insert: it stamps origin
        s.add(Location(id=location_id, code="KRT", name="Kortrijk balie", kind="fixed"))


def _postcode_table() -> list[tuple[str, str]]:
    if not postcodes.POSTCODE_FILE.exists():
        return []
    with postcodes.POSTCODE_FILE.open(encoding="utf-8") as fh:
        return [(row["postcode"], municipality_name(row["nis"])) for row in csv.DictReader(fh)]


def municipality_name(nis: str) -> str:
    found = postcodes.by_nis(nis)
    return found.name if found else ""


def generate(
    data_dir: Path,
    devices: int = 100_000,
    borrowers: int = 50_000,
    loans: int = 1_000_000,
    helpdesk: int = 200_000,
    trainings: int = 2_000,
    seed: int = 1,
    today: dt.date | None = None,
    report: Callable[[str], None] = print,
) -> dict[str, float]:
    started = time.perf_counter()
    ctx = open_context(data_dir, actor="generator")
    try:
        if not ctx.locations.is_initialised():
            _initialise_location(ctx.sessions, seed)
        location = ctx.locations.current()
        with ctx.sessions() as s:
            existing = s.scalar(select(func.count()).select_from(Device)) or 0
        if existing:
            raise SystemExit(f"{data_dir} already holds {existing} devices: generate into an empty folder.")
        # Bulk loading only: a crash here just means generating again. On the bare driver
        # connection (the pool hands the same one to the sessions below): SQLite refuses to
        # change the safety level inside a transaction, and every engine connection begins one.
        raw = ctx.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA synchronous=OFF")
        finally:
            raw.close()
        gen = Generator(ctx.sessions, seed, location.id, location.code, today)
        rng = gen.rng
        open_count = min(devices // 20, borrowers)  # 5 % of the devices are out right now
        open_devices = sorted(rng.sample(range(devices), open_count)) if devices else []
        report(f"Generating into {data_dir} (seed {seed})")
        device_rows = gen.devices(devices, set(open_devices))
        gen.wipes(device_rows)
        borrower_ids = gen.borrowers(borrowers)
        gen.loans(loans, device_rows, borrower_ids, open_devices if borrower_ids else [])
        gen.helpdesk(helpdesk, borrower_ids)
        gen.trainings(trainings if borrower_ids else 0, borrower_ids)
        fts_started = time.perf_counter()
        with ctx.engine.begin() as conn:
            conn.execute(text("INSERT INTO device_fts(device_fts) VALUES('rebuild')"))
            conn.execute(text("INSERT INTO borrower_fts(borrower_fts) VALUES('rebuild')"))
        report(f"  {'full-text rebuild':<22} {'':>14}  {time.perf_counter() - fts_started:6.1f} s")
        with ctx.sessions() as s, s.begin():
            # Later local writes must stamp after the generated history.
            current = read_state(s, HLC_KEY) or ""
            write_state(s, HLC_KEY, max(current, gen.max_stamp))
        analyse_started = time.perf_counter()
        with ctx.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        report(f"  {'ANALYZE':<22} {'':>14}  {time.perf_counter() - analyse_started:6.1f} s")
    finally:
        ctx.close()
    total = time.perf_counter() - started
    report(f"Done in {total:.1f} s")
    return {"seconds": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--borrowers", type=int, default=50_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--helpdesk", type=int, default=200_000)
    parser.add_argument("--trainings", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, help="generate as if today were YYYY-MM-DD")
    args = parser.parse_args(argv)
    generate(
        args.data_dir,
        devices=args.devices,
        borrowers=args.borrowers,
        loans=args.loans,
        helpdesk=args.helpdesk,
        trainings=args.trainings,
        seed=args.seed,
        today=args.today,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
