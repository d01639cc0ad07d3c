"""Counter timings on a generated large digibank (see benchmarks/generate.py).

    python -m benchmarks.bench_counter --data-dir DIR [--repeat 20]

Measures, through the same services the window uses:
- checkout and return of a ready device (LoanService), goal < 50 ms each;
- borrower search and device search (`search_ids`) with typical counter queries, goal < 50 ms;
- the first page of device and borrower ids plus their records (what a table view shows first).

Prints median / min / max in milliseconds over the repeats. Checkouts are returned again; the
returned devices then wait in *wiping* (as at a real counter), so each run lends other ready ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import and_, exists, select

from app.context import AppContext, open_context
from benchmarks.timing import timed
from db.models import Borrower, Device, Loan

GOAL_MS = 50.0
PAGE = 100


def line(label: str, times: list[float], goal: float | None = GOAL_MS, note: str = "") -> None:
    median = statistics.median(times)
    verdict = "" if goal is None else ("ok" if median < goal else "SLOW")
    print(
        f"{label:<44} median {median:7.2f}  min {min(times):7.2f}  max {max(times):7.2f} ms"
        f"  {verdict} {note}",
        flush=True,
    )


def lendable_pairs(ctx: AppContext, count: int) -> list[tuple[str, str]]:
    """Ready devices and people who may borrow now (not blocked, nothing open)."""
    with ctx.sessions() as s:
        tags = list(
            s.scalars(
                select(Device.asset_tag)
                .where(Device.status == "ready", Device.deleted.is_(False))
                .order_by(Device.asset_tag)
                .limit(count)
            )
        )
        has_open = exists().where(and_(Loan.borrower_id == Borrower.id, Loan.state == "open"))
        cards = list(
            s.scalars(
                select(Borrower.card_number)
                .where(Borrower.blocked.is_(False), Borrower.erased.is_(False), ~has_open)
                .order_by(Borrower.card_number)
                .limit(count)
            )
        )
    return list(zip(tags, cards, strict=False))


def bench_loans(ctx: AppContext, repeat: int) -> None:
    pairs = lendable_pairs(ctx, repeat + 1)
    if len(pairs) < repeat + 1:
        print("not enough ready devices / free borrowers to time checkouts")
        return
    out_times, in_times = [], []
    for tag, card in pairs:
        started = time.perf_counter()
        ctx.loans.checkout(tag, card)
        middle = time.perf_counter()
        ctx.loans.return_device(tag)
        ended = time.perf_counter()
        out_times.append((middle - started) * 1000)
        in_times.append((ended - middle) * 1000)
    # The first pair warmed the caches.
    line("checkout (LoanService.checkout)", out_times[1:])
    line("return (LoanService.return_device)", in_times[1:])
    line("checkout + return", [a + b for a, b in zip(out_times[1:], in_times[1:], strict=True)], goal=None)


def bench_search(ctx: AppContext, repeat: int) -> None:
    with ctx.sessions() as s:
        some_card = s.scalar(
            select(Borrower.card_number).order_by(Borrower.card_number).offset(1233).limit(1)
        )
        some_tag = s.scalar(select(Device.asset_tag).order_by(Device.asset_tag).offset(45677).limit(1))
        some_serial = s.scalar(select(Device.serial).order_by(Device.asset_tag).offset(777).limit(1))
        some_email = s.scalar(select(Borrower.email).where(Borrower.email != "").limit(1).offset(99))
    borrower_queries = [
        "pee",
        "Peeters",
        "jan pee",
        "maes els",
        "kortrijk",
        some_card or "",
        some_email or "",
    ]
    device_queries = [
        "lenovo",
        "thinkpad t4",
        "latitude",
        some_tag or "",
        (some_serial or "")[:5],
        "hp elite",
    ]
    for query in borrower_queries:
        hits = len(ctx.borrowers.search_ids(query))
        line(
            f"borrower search_ids({query!r}, limit={PAGE})",
            timed(lambda q=query: ctx.borrowers.search_ids(q, limit=PAGE), repeat),
            note=f"[{hits} hits]",
        )
        line(
            f"borrower search_ids({query!r}) all ids",
            timed(lambda q=query: ctx.borrowers.search_ids(q), repeat),
        )
    for query in device_queries:
        hits = len(ctx.devices.search_ids(query))
        line(
            f"device search_ids({query!r}, limit={PAGE})",
            timed(lambda q=query: ctx.devices.search_ids(q, limit=PAGE), repeat),
            note=f"[{hits} hits]",
        )
        line(
            f"device search_ids({query!r}) all ids", timed(lambda q=query: ctx.devices.search_ids(q), repeat)
        )


def bench_first_page(ctx: AppContext, repeat: int) -> None:
    line(
        f"first page of devices ({PAGE} ids + records)",
        timed(lambda: ctx.devices.by_id(ctx.devices.search_ids("", limit=PAGE)), repeat),
    )
    line(
        f"first page of borrowers ({PAGE} ids + records)",
        timed(lambda: ctx.borrowers.by_id(ctx.borrowers.search_ids("", limit=PAGE)), repeat),
    )
    line("all device ids (table over ids)", timed(lambda: ctx.devices.search_ids(""), repeat), goal=None)
    line("all borrower ids (table over ids)", timed(lambda: ctx.borrowers.search_ids(""), repeat), goal=None)
    line("open loans list", timed(lambda: ctx.loans.list(open_only=True), max(3, repeat // 4)), goal=None)
    line(
        "overdue loans list", timed(lambda: ctx.loans.list(overdue_only=True), max(3, repeat // 4)), goal=None
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_counter")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if not (args.data_dir / "digibank.db").exists():
        # Timing an empty database would print reassuring nonsense.
        parser.error(f"no database in {args.data_dir}: run python -m benchmarks.generate first")
    ctx = open_context(args.data_dir, actor="bench")
    try:
        ctx.settings.max_open_loans_per_borrower = 1
        print(
            f"{ctx.devices.count():,} devices, {ctx.borrowers.count():,} borrowers, "
            f"{ctx.loans.open_count():,} open loans; {args.repeat} repeats",
            flush=True,
        )
        bench_loans(ctx, args.repeat)
        bench_search(ctx, args.repeat)
        bench_first_page(ctx, args.repeat)
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
