"""Rows timed inside one process on the generated digibank: scan → loan committed, searches,
loan lists, the reach report, the device table and encrypted against plain."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.datasets import plain_copy
from benchmarks.report import Plan, Row, add
from benchmarks.timing import PY, alternate, env_for, ms, p95, process, timed


def raw_checkout_ms(ctx: Any, tag: str) -> list[float]:
    """One raw DB-API transaction writing the rows a checkout writes: the loan, the device and
    the two outbox rows, copied from the checkout just made of `tag`, under new ids."""
    from sqlalchemy import select

    from db.base import OutboxEntry
    from db.models import Device, Loan

    with ctx.sessions() as s:
        device = s.scalars(select(Device).where(Device.asset_tag == tag)).one()
        loan = s.scalars(
            select(Loan).where(Loan.device_id == device.id).order_by(Loan.created_at.desc())
        ).first()
        outbox = list(s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq.desc()).limit(2)))
        assert {o.table_name for o in outbox} == {"loan", "device"}, "the checkout's two outbox rows"
        loan_row = {c.name: getattr(loan, c.key) for c in Loan.__table__.c}
        out_rows = [
            {c.name: getattr(o, c.key) for c in OutboxEntry.__table__.c if c.name != "seq"} for o in outbox
        ]
        device_id = device.id
    dialect = ctx.engine.dialect

    def statement(table: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
        # Values as the driver takes them (JSON and dates as their stored text).
        names = list(values)
        params = [(table.c[k].type.bind_processor(dialect) or (lambda v: v))(values[k]) for k in names]
        return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", params

    made: list[str] = []
    raw = ctx.engine.raw_connection()
    conn = raw.driver_connection
    times = []
    try:
        clocks = conn.execute("SELECT clocks FROM device WHERE id = ?", (device_id,)).fetchone()[0]
        for _ in range(31):
            loan_id = str(uuid.uuid4())
            loan_sql = statement(Loan.__table__, {**loan_row, "id": loan_id})
            out_sql = [
                statement(OutboxEntry.__table__, {**o, "change_id": str(uuid.uuid4())}) for o in out_rows
            ]
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(*loan_sql)
            conn.execute(
                "UPDATE device SET status = ?, updated_at = ?, clocks = ? WHERE id = ?",
                ("on_loan", loan_row["updated_at"], clocks, device_id),
            )
            for sql in out_sql:
                conn.execute(*sql)
            conn.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
            made.append(loan_id)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("DELETE FROM loan WHERE id = ?", [(i,) for i in made])
        conn.execute("DELETE FROM outbox WHERE seq > (SELECT max(seq) FROM outbox) - ?", (2 * len(made),))
        conn.execute("COMMIT")
    finally:
        raw.close()
    return times[1:]


def row_checkout(plan: Plan, ctx: Any) -> None:
    """Scan → loan committed, alternating with the raw transaction."""
    from benchmarks.bench_counter import lendable_pairs

    pairs = lendable_pairs(ctx, plan.repeat + 2)
    spare = pairs.pop()
    ours = []
    for tag, card in pairs:
        started = time.perf_counter()
        ctx.loans.checkout(tag, card)
        ours.append((time.perf_counter() - started) * 1000)
        ctx.loans.return_device(tag)
    ours = ours[1:]
    tag, card = spare
    ctx.loans.checkout(tag, card)
    raw = raw_checkout_ms(ctx, tag)
    ctx.loans.return_device(tag)
    add(
        Row(
            "scan → loan committed (`LoanService.checkout`) p95",
            f"{ms(p95(ours))} (median {ms(statistics.median(ours))})",
            f"raw transaction, same rows: p95 {ms(p95(raw))} (median {ms(statistics.median(raw))})",
            p95(ours) / p95(raw),
            "≤ 5× and ≤ 10 ms",
            p95(ours) <= 10 and p95(ours) / p95(raw) <= 5,
            {"program_ms": ours, "baseline_ms": raw},
        )
    )


def row_borrower_search(plan: Plan, ctx: Any) -> None:
    from sqlalchemy import text

    # Borrower search per keystroke: what the table does on each key (ids, then its first page).
    word = "peeters"
    keystrokes = [word[: i + 1] for i in range(len(word))] + ["jan pee", "kortrijk"]

    def program_key(q: str) -> None:
        # What the table shows per key: the ids, then the first page's rows (ui/table_models.py).
        ctx.borrowers.table_rows(ctx.borrowers.search_ids(q, limit=100))

    with ctx.engine.connect() as conn:

        def raw_key(q: str) -> None:
            from app.search import fts_query

            conn.execute(
                text(
                    "SELECT b.* FROM borrower b WHERE b.rowid IN (SELECT rowid FROM borrower_fts "
                    "WHERE borrower_fts MATCH :q) LIMIT 100"
                ),
                {"q": fts_query(q)},
            ).fetchall()

        ours, raw = [], []
        for q in keystrokes:
            o, r = [], []
            for _ in range(2):  # alternating halves
                o += timed(lambda q=q: program_key(q), plan.repeat // 2)
                r += timed(lambda q=q: raw_key(q), plan.repeat // 2)
            ours += o
            raw += r
        conn.rollback()
    add(
        Row(
            "borrower search per keystroke (ids + first page) p95",
            f"{ms(p95(ours))} (median {ms(statistics.median(ours))})",
            f"raw FTS5 query, 100 rows: p95 {ms(p95(raw))}",
            p95(ours) / p95(raw),
            "≤ 3× and ≤ 15 ms",
            p95(ours) <= 15 and p95(ours) / p95(raw) <= 3,
        )
    )


def row_device_search(plan: Plan, ctx: Any) -> None:
    from sqlalchemy import text

    # Device search "lenovo", first 100.
    with ctx.engine.connect() as conn:
        ours = timed(lambda: ctx.devices.table_rows(ctx.devices.search_ids("lenovo", limit=100)), plan.repeat)
        raw = timed(
            lambda: conn.execute(
                text(
                    "SELECT d.* FROM device d WHERE d.rowid IN (SELECT rowid FROM device_fts "
                    "WHERE device_fts MATCH '\"lenovo\"*') LIMIT 100"
                )
            ).fetchall(),
            plan.repeat,
        )
        conn.rollback()
    hits = len(ctx.devices.search_ids("lenovo"))
    add(
        Row(
            f'device search "lenovo" ({hits:,} hits), first 100 table rows, median',
            ms(statistics.median(ours)),
            f"raw FTS5 query, 100 rows: {ms(statistics.median(raw))}",
            statistics.median(ours) / statistics.median(raw),
            "—",
            None,
        )
    )


def row_loan_lists(plan: Plan, ctx: Any) -> None:
    # Open and overdue loans, first page.
    for label, kwargs in (("open", {"open_only": True}), ("overdue", {"overdue_only": True})):
        ours = timed(lambda kw=kwargs: ctx.loans.list(**kw, limit=100), plan.repeat)
        add(
            Row(
                f"{label} loans list, first page of 100, median",
                ms(statistics.median(ours)),
                "—",
                None,
                "≤ 30 ms",
                statistics.median(ours) <= 30,
            )
        )


def row_reach_report(plan: Plan, ctx: Any) -> None:
    # Reach report straight to xlsx; baseline: openpyxl writing as many cells.
    from app.reports.periods import custom
    from app.reports.reach import reach_report
    from app.reports.xlsx import write_reach_xlsx

    period = custom(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reach.xlsx"

        def program_report() -> None:
            with ctx.sessions() as s:
                report = reach_report(s, period)
            write_reach_xlsx(report, out)

        program_report()
        import openpyxl

        cells = sum(
            ws.max_row * ws.max_column for ws in openpyxl.load_workbook(out, read_only=True).worksheets
        )

        def baseline_report() -> None:
            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet()
            for r in range(max(1, cells // 8)):
                ws.append([r, "Kortrijk", 1, 2, 3, 4, 5, 6])
            wb.save(Path(tmp) / "base.xlsx")

        runs = max(2, plan.runs // 2)
        o, b = alternate(lambda: timed(program_report, 1)[0], lambda: timed(baseline_report, 1)[0], runs)
    add(
        Row(
            "reach report to xlsx (queries + file), year",
            ms(statistics.median(o)),
            f"openpyxl writing {cells:,} cells: {ms(statistics.median(b))}",
            statistics.median(o) / statistics.median(b),
            "≤ 3 s",
            statistics.median(o) <= 3000,
        )
    )


def bench_counter(plan: Plan, folder: Path) -> None:
    """The rows of a counter day, on one open context of the generated digibank."""
    from app.context import open_context

    ctx = open_context(folder, actor="bench")
    try:
        ctx.settings.max_open_loans_per_borrower = 1
        for row in (row_checkout, row_borrower_search, row_device_search, row_loan_lists, row_reach_report):
            row(plan, ctx)
    finally:
        ctx.close()


def bench_table(plan: Plan, folder: Path) -> None:
    from sqlalchemy import bindparam, text

    from app.context import open_context

    argv = [
        PY,
        "-m",
        "benchmarks.window_probe",
        "table",
        "--data-dir",
        str(folder),
        "--repeat",
        str(plan.runs),
    ]
    figures = json.loads(process(argv, env_for(folder))[2].strip().splitlines()[-1])
    ctx = open_context(folder, actor="bench")
    try:
        with ctx.engine.connect() as conn:

            def raw() -> None:
                ids = [
                    r[0]
                    for r in conn.execute(text("SELECT id FROM device WHERE deleted = 0 ORDER BY asset_tag"))
                ]
                for page in (ids[:100], ids[-100:]):
                    conn.execute(
                        text("SELECT * FROM device WHERE id IN :ids").bindparams(
                            bindparam("ids", expanding=True)
                        ),
                        {"ids": page},
                    ).fetchall()

            base = timed(raw, plan.runs)
            conn.rollback()
    finally:
        ctx.close()
    total = [a + b for a, b in zip(figures["open_ms"], figures["scroll_ms"], strict=True)]
    add(
        Row(
            f"device table ({figures['rows']:,} rows) open + scroll to the end, median",
            f"{ms(statistics.median(total))} (open {ms(statistics.median(figures['open_ms']))})",
            f"raw: all ids + first and last page {ms(statistics.median(base))}",
            statistics.median(total) / statistics.median(base),
            "—",
            None,
        )
    )


def bench_encryption(plan: Plan, folder: Path) -> None:
    from app.context import open_context
    from benchmarks.bench_encryption import checkout_times, ms_stats, search_times
    from benchmarks.bench_sync import open_van

    plain_folder = plain_copy(folder)
    plain = open_van(plain_folder, plain=True)
    enc = open_context(folder, actor="bench")
    try:
        got: dict[str, dict[str, list[float]]] = {"plain": {}, "enc": {}}
        for key, ctx in (("plain", plain), ("enc", enc), ("plain", plain), ("enc", enc)):
            got[key].setdefault("checkout", []).extend(checkout_times(ctx, plan.repeat // 2))
            got[key].setdefault("search", []).extend(
                search_times(ctx.devices.search_ids, ("lenovo", "thinkpad t4"), plan.repeat // 2)
            )
        for metric, label in (("checkout", "checkout"), ("search", "device search, 100 rows")):
            e, p = ms_stats(got["enc"][metric]), ms_stats(got["plain"][metric])
            add(
                Row(
                    f"encrypted vs plain database: {label}, median",
                    f"encrypted {ms(e[0])} (p95 {ms(e[1])})",
                    f"plain {ms(p[0])} (p95 {ms(p[1])})",
                    e[0] / p[0],
                    "—",
                    None,
                )
            )
    finally:
        plain.close()
        enc.close()


# -- the table -------------------------------------------------------------------------------
