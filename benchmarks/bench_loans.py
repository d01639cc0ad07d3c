"""Loans overview and reminders timings on a generated large digibank (benchmarks/generate.py).

    python -m benchmarks.bench_loans --data-dir DIR [--repeat 20]

Measures what the Uitleningen tab does: the ids of one filtered, sorted list plus the records of
its first page (goal < 30 ms for the default list), for each filter and sort; a search; and the
reminder count the panel shows. Read-only: nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.context import open_context
from benchmarks.bench_counter import PAGE, line
from benchmarks.timing import timed

GOAL_MS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_loans", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    ctx = open_context(args.data_dir, actor="bench")
    try:
        ov = ctx.loan_overview
        print(f"open loans: {len(ov.search_ids())}, late: {len(ov.search_ids(filter='late'))}", flush=True)

        def first_page(**kw: object) -> None:
            ids = ov.search_ids(**kw)  # type: ignore[arg-type]
            ov.rows(ids[:PAGE])

        line("first page: all open, by due date", timed(first_page, args.repeat), GOAL_MS)
        for filter_ in ("late", "week", "calls"):
            line(
                f"first page: {filter_}", timed(lambda f=filter_: first_page(filter=f), args.repeat), GOAL_MS
            )
        for sort in ("name", "tag", "deposit", "location", "reminder"):
            line(
                f"first page: sorted by {sort}",
                timed(lambda s=sort: first_page(sort=s), args.repeat),
                GOAL_MS,
            )
        line("first page: search 'peeters'", timed(lambda: first_page(query="peeters"), args.repeat), GOAL_MS)
        line("reminders due today (panel count)", timed(ctx.reminders.counts, args.repeat), None)
        line("call list", timed(ctx.reminders.call_list, args.repeat), None)
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
