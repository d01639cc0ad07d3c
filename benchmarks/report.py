"""The rows of the benchmark table, the sizes a run can have, and the table's text."""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.timing import log


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


def add(row: Row) -> None:
    rows.append(row)
    verdict = {True: "met", False: "MISSED", None: ""}[row.met]
    log(f"  {row.what}: {row.program} | {row.baseline} | {fmt_ratio(row.ratio)} | {row.goal} {verdict}")


def fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


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
    "window start to ready",
    "peak memory",
    "scan → loan committed",
    "borrower search per keystroke",
    "device search",
    "open loans list",
    "overdue loans list",
    "labels to PDF",
    "against gLabels 3",
    "initial sync",
    "no-op sync round",
    "reach report",
    "device table",
    "encrypted vs plain",
)
