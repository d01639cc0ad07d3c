"""Every benchmark in one run, each next to its baseline measured in the same run.

    python -m benchmarks.run [--quick | --size quick|medium|large] [--json FILE]

Prints one table: what, the program's figure (median, and p95 where a person waits on
each one), the baseline (what the machine can do for the same work, measured in this run
between the program's own runs), the ratio and the goal of issue 13. Alternating the
program and its baseline keeps a shared machine's noise on both sides.

The data is a generated digibank (benchmarks/generate.py) cached outside the project
(benchmarks/datasets.py): `--size large` is the issue's 100,000 devices, 50,000 borrowers and
1,000,000 loans (minutes to generate once); `medium` a fifth of it; `--quick` (the CI smoke
test) a small one, in under a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.datasets import BENCH_PASSPHRASE, SIZES, dataset, plain_copy

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass
class Row:
    what: str
    program: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool | None
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    size: str
    repeat: int  # in-process timings
    runs: int  # whole processes
    labels: int
    sync_records: int
    settle: float  # seconds the window keeps running before its memory is read


PLANS = {
    "quick": Plan("quick", repeat=8, runs=1, labels=200, sync_records=1_000, settle=0.5),
    "medium": Plan("medium", repeat=30, runs=5, labels=5_000, sync_records=20_000, settle=3.0),
    "large": Plan("large", repeat=30, runs=5, labels=5_000, sync_records=100_000, settle=3.0),
}

rows: list[Row] = []


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def p95(values: Sequence[float]) -> float:
    if len(values) >= 20:
        return statistics.quantiles(values, n=20)[18]
    return max(values)


def add(row: Row) -> None:
    rows.append(row)
    verdict = {True: "met", False: "MISSED", None: ""}[row.met]
    log(f"  {row.what}: {row.program} | {row.baseline} | {fmt_ratio(row.ratio)} | {row.goal} {verdict}")


def fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


# -- whole processes -------------------------------------------------------------------------


def env_for(data_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["DIGIBANK_PASSPHRASE"] = BENCH_PASSPHRASE
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if data_dir is not None:
        env["DIGIBANK_DATA_DIR"] = str(data_dir)
    return env


LAST_CPU: list[float] = [0.0]  # CPU seconds (user + system) of the last process()


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds from start to exit, peak RSS in MB, stdout. The child's CPU seconds go to
    LAST_CPU: on a loaded machine they say more than the wall time."""
    env = {**env, "BENCH_T0": repr(time.time())}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=600)  # a window stuck on a dialog must not hang the run
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"{' '.join(argv[:4])} … did not end in 600 s: {err.decode()[-2000:]}") from None
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} … exited {proc.returncode}: {err.decode()[-2000:]}")
    # ru_maxrss of the children so far; each child is waited for before the next starts, so the
    # growth of this figure is this child's (or an earlier, larger one's: then unknown).
    import resource

    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    LAST_CPU[0] = _children_cpu() - cpu_before
    return took, rss, out.decode()


def alternate(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[list[float], list[float]]:
    first, second = [], []
    for _ in range(runs):
        first.append(a())
        second.append(b())
    return first, second


def bench_cli(plan: Plan, small: Path) -> None:
    env = env_for(small)
    program = [PY, "-m", "app.cli", "device", "list"]
    bare = [PY, "-c", "pass"]
    process(program, env)  # warm the OS file cache once
    cpu: dict[str, list[float]] = {"program": [], "baseline": []}

    def run(argv: list[str], key: str) -> float:
        took = process(argv, env)[0]
        cpu[key].append(LAST_CPU[0])
        return took

    ours, base = alternate(lambda: run(program, "program"), lambda: run(bare, "baseline"), plan.runs)
    median, baseline = statistics.median(ours), statistics.median(base)
    ratio = median / baseline
    cpu_ours, cpu_base = statistics.median(cpu["program"]), statistics.median(cpu["baseline"])
    add(
        Row(
            "command line `digibank device list`, small database",
            f"{median:.3f} s (CPU {cpu_ours:.2f} s)",
            f"`python -c pass` {baseline:.3f} s (CPU {cpu_base:.2f} s)",
            ratio,
            "≤ 0.35 s and ≤ 8×",
            median <= 0.35 and ratio <= 8,
            {"program_s": ours, "baseline_s": base, "cpu": cpu},
        )
    )


def bench_window(plan: Plan, folder: Path, empty: Path) -> None:
    probe = [PY, "-m", "benchmarks.window_probe"]
    settle = ["--settle", str(plan.settle)]

    def run(mode: str, data: Path | None = None) -> dict[str, float]:
        argv = probe + [mode, *settle] + (["--data-dir", str(data)] if data else [])
        return json.loads(process(argv, env_for(data))[2].strip().splitlines()[-1])

    run("bare")
    for label, data in ((f"{plan.size} database", folder), ("empty database", empty)):
        ours, base = [], []
        for _ in range(max(1, plan.runs - 2)):
            ours.append(run("program", data))
            base.append(run("bare"))
        usable = statistics.median(r["usable_s"] for r in ours)
        bare = statistics.median(r["usable_s"] for r in base)
        add(
            Row(
                f"window start to usable, {label}",
                f"{usable:.2f} s",
                f"bare PySide6 window {bare:.2f} s",
                usable / bare,
                "≤ 2×",
                usable / bare <= 2,
                {"program": ours, "baseline": base},
            )
        )
        if data is folder:
            peak = max(r["peak_rss_mb"] for r in ours)
            bare_peak = max(r["peak_rss_mb"] for r in base)
            add(
                Row(
                    f"peak memory, window open {plan.settle:.1f} s on the {plan.size} database",
                    f"{peak:.0f} MB",
                    f"bare window {bare_peak:.0f} MB",
                    peak / bare_peak,
                    "≤ 250 MB",
                    peak <= 250,
                )
            )


def bench_labels(plan: Plan, folder: Path) -> None:
    n = plan.labels
    tags = [f"KRT-{i:06d}" for i in range(1, n + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        ours_pdf, base_pdf = Path(tmp) / "ours.pdf", Path(tmp) / "base.pdf"
        program = [PY, "-m", "app.cli", "labels", *tags, "--out", str(ours_pdf), "--force"]
        baseline = [PY, "-m", "benchmarks.labels_baseline", str(n), str(base_pdf)]
        env = env_for(folder)
        ours, base = alternate(
            lambda: process(program, env)[0], lambda: process(baseline, env)[0], max(1, plan.runs // 2)
        )
    median, base_median = statistics.median(ours), statistics.median(base)
    add(
        Row(
            f"{n:,} labels to PDF, whole process (`digibank labels`)",
            f"{median:.2f} s",
            f"plain reportlab Code128.drawOn {base_median:.2f} s",
            median / base_median,
            "≤ 1.3×",
            median / base_median <= 1.3,
        )
    )


def bench_sync(plan: Plan) -> None:
    argv = [PY, "-m", "benchmarks.bench_sync", "--records", str(plan.sync_records)]
    _took, _rss, out = process(argv, env_for())
    figures = json.loads(out[out.index("{") :])
    sync_s, raw_s = figures["initial_sync_s"], figures["raw_bulk_insert_s"]
    add(
        Row(
            f"initial sync of {plan.sync_records:,} records (encrypted van)",
            f"{sync_s:.2f} s",
            f"raw bulk insert of the same rows {raw_s:.2f} s",
            sync_s / raw_s,
            "≤ 1.0× (rate ≥ raw insert)",
            sync_s <= raw_s,
            figures,
        )
    )
    ok = figures["noop_requests"] <= 2 and figures["noop_bytes"] <= 2048 and figures["noop_ms_median"] <= 50
    add(
        Row(
            "no-op sync round (requests, bytes, ms)",
            f"{figures['noop_requests']} req, {figures['noop_bytes']:,} B, "
            f"{figures['noop_ms_median']:.0f} ms",
            "—",
            None,
            "≤ 2 req, ≤ 2 KB, ≤ 50 ms",
            ok,
        )
    )


# -- in process ------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


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


def bench_counter(plan: Plan, folder: Path) -> None:
    from sqlalchemy import text

    from app.context import open_context
    from benchmarks.bench_counter import lendable_pairs

    ctx = open_context(folder, actor="bench")
    try:
        ctx.settings.max_open_loans_per_borrower = 1
        # Scan → loan committed, alternating with the raw transaction.
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

        # Borrower search per keystroke: what the table does on each key (ids, then its first page).
        word = "peeters"
        keystrokes = [word[: i + 1] for i in range(len(word))] + ["jan pee", "kortrijk"]

        def program_key(q: str) -> None:
            ctx.borrowers.by_id(ctx.borrowers.search_ids(q, limit=100))

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

        # Device search "lenovo", first 100.
        with ctx.engine.connect() as conn:
            ours = timed(lambda: ctx.devices.by_id(ctx.devices.search_ids("lenovo", limit=100)), plan.repeat)
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
                f'device search "lenovo" ({hits:,} hits), first 100 with records, median',
                ms(statistics.median(ours)),
                f"raw FTS5 query, 100 rows: {ms(statistics.median(raw))}",
                statistics.median(ours) / statistics.median(raw),
                "—",
                None,
            )
        )

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


def table_text(plan: Plan, started: float) -> str:
    lines = [
        "| what | program | baseline (same run) | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        lines.append(f"| {r.what} | {r.program} | {r.baseline} | {fmt_ratio(r.ratio)} | {r.goal} | {met} |")
    lines.append("")
    lines.append(
        f"{plan.size} data set; {platform.node()}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"{platform.platform()}; load average at the end {os.getloadavg()[0]:.1f} "
        f"(other jobs on the same cores inflate every figure, baselines too); "
        f"{time.perf_counter() - started:.0f} s; "
        f"{dt.datetime.now(dt.UTC).isoformat(timespec='minutes')}"
    )
    return "\n".join(lines)


ROW_NAMES = (
    "command line",
    "window start to usable",
    "peak memory",
    "scan → loan committed",
    "borrower search per keystroke",
    "device search",
    "open loans list",
    "overdue loans list",
    "labels to PDF",
    "initial sync",
    "no-op sync round",
    "reach report",
    "device table",
    "encrypted vs plain",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a small version, under a minute (CI smoke test)"
    )
    parser.add_argument("--size", choices=sorted(PLANS), help="data set size (default large; --quick: quick)")
    parser.add_argument("--json", type=Path, help="also write every row and figure to this file")
    args = parser.parse_args(argv)
    plan = PLANS[args.size or ("quick" if args.quick else "large")]
    os.environ["DIGIBANK_PASSPHRASE"] = BENCH_PASSPHRASE
    started = time.perf_counter()
    folder = dataset(SIZES[plan.size])
    with tempfile.TemporaryDirectory(prefix="digibank-bench-") as tmp:
        empty = Path(tmp) / "empty"
        subprocess.run(
            [PY, "-m", "app.cli", "init", "--location-code", "KRT", "--location-name", "Kortrijk balie"],
            env=env_for(empty),
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log(f"benchmarks on {folder} ({plan.size}) …")
        bench_cli(plan, empty)
        bench_counter(plan, folder)
        bench_table(plan, folder)
        bench_encryption(plan, folder)
        bench_labels(plan, folder)
        bench_sync(plan)
        bench_window(plan, folder, empty)
    text_table = table_text(plan, started)
    print(text_table)
    if args.json:
        args.json.write_text(
            json.dumps({"size": plan.size, "rows": [asdict(r) for r in rows], "table": text_table}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
