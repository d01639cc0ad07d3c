"""What encryption at rest (SQLCipher) costs: plain vs encrypted, same run, one table.

    python -m benchmarks.bench_encryption --work WORK \\
        [--devices 100000 --borrowers 50000 --loans 200000 --helpdesk 50000] [--repeat 30] \\
        [--sync-records 100000] [--plain-release DIR] [--startup-runs 5]

1. Generates one digibank (encrypted, as the program makes it) into WORK/enc, and an
   identical plain copy (WORK/plain) with `sqlcipher_export`; times the upgrade conversion
   of that plain file (`encrypt_plain_copy`, what the first start of this version does).
2. Counter timings through the services, alternating plain and encrypted: checkout (+ return)
   and borrower/device search, median and p95 in ms.
3. Start-up of a whole command process, `digibank device list` on a small data folder
   (the demo data): encrypted with a passphrase (PBKDF2 on each connection), encrypted with a
   random raw key (what the OS keychain gives), and — with `--plain-release DIR`, a source
   tree of the release before encryption (e.g. `git archive 039dfaa | tar -x -C DIR`) — plain.
4. Initial sync of `--sync-records` records into a new van (benchmarks/bench_sync.py, run
   with and without --plain).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import config
from app.context import AppContext, open_context
from benchmarks.bench_counter import lendable_pairs
from benchmarks.bench_sync import BENCH_PASSPHRASE, open_van
from benchmarks.timing import p95, timed
from db.engine import cipher_connect, encrypt_plain_copy

ROOT = Path(__file__).resolve().parent.parent
BORROWER_QUERIES = ("pee", "Peeters", "jan pee", "maes els", "kortrijk")
DEVICE_QUERIES = ("lenovo", "thinkpad t4", "latitude")

Row = tuple[str, str, str, str]  # label, plain, encrypted, ratio
rows: list[Row] = []


def ms_stats(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), p95(times)


def add(label: str, plain: float | None, encrypted: float | None, unit: str = "ms") -> None:
    def fmt(v: float | None) -> str:
        return "—" if v is None else f"{v:,.2f} {unit}"

    ratio = f"{encrypted / plain:.2f}×" if plain and encrypted else ""
    rows.append((label, fmt(plain), fmt(encrypted), ratio))
    print(f"  {label}: plain {fmt(plain)}, encrypted {fmt(encrypted)} {ratio}", file=sys.stderr, flush=True)


def checkout_times(ctx: AppContext, repeat: int) -> list[float]:
    ctx.settings.max_open_loans_per_borrower = 1
    pairs = lendable_pairs(ctx, repeat + 1)
    out = []
    for tag, card in pairs:
        started = time.perf_counter()
        ctx.loans.checkout(tag, card)
        out.append((time.perf_counter() - started) * 1000)
        ctx.loans.return_device(tag)
    return out[1:]


def search_times(search: Callable[..., Any], queries: tuple[str, ...], repeat: int) -> list[float]:
    out: list[float] = []
    for q in queries:
        out += timed(lambda q=q: search(q, limit=100), repeat)
    return out


def prepare(work: Path, args: argparse.Namespace) -> None:
    from benchmarks.generate import generate

    enc, plain = work / "enc", work / "plain"
    if not (enc / config.DB_FILE).exists():
        print("generating the encrypted digibank …", file=sys.stderr, flush=True)
        generate(
            enc,
            devices=args.devices,
            borrowers=args.borrowers,
            loans=args.loans,
            helpdesk=args.helpdesk,
            trainings=args.trainings,
            report=lambda line: print(line, file=sys.stderr, flush=True),
        )
    shutil.rmtree(plain, ignore_errors=True)
    plain.mkdir(parents=True)
    for extra in ("settings.json",):
        if (enc / extra).exists():
            shutil.copyfile(enc / extra, plain / extra)
    with cipher_connect(enc / config.DB_FILE, os.environ["DIGIBANK_PASSPHRASE"]) as src:
        src.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain / config.DB_FILE),))
        src.execute("SELECT sqlcipher_export('plain')")
        src.execute("DETACH DATABASE plain")
    size = (plain / config.DB_FILE).stat().st_size / 1e6
    target = work / "converted.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    encrypt_plain_copy(plain / config.DB_FILE, target, os.environ["DIGIBANK_PASSPHRASE"])
    add(
        f"upgrade: encrypt a plain {size:,.0f} MB database (verified)",
        None,
        time.perf_counter() - started,
        "s",
    )
    target.unlink()


def counter(work: Path, repeat: int) -> None:
    plain = open_van(work / "plain", plain=True)
    enc = open_context(work / "enc", actor="bench")
    try:
        figures: dict[str, dict[str, tuple[float, float]]] = {"plain": {}, "enc": {}}
        # Two alternating passes (the machine is shared): the better median of each counts.
        for key, ctx in (("plain", plain), ("enc", enc), ("plain", plain), ("enc", enc)):
            res = {
                "checkout": ms_stats(checkout_times(ctx, repeat)),
                "borrower search": ms_stats(search_times(ctx.borrowers.search_ids, BORROWER_QUERIES, repeat)),
                "device search": ms_stats(search_times(ctx.devices.search_ids, DEVICE_QUERIES, repeat)),
            }
            for metric, value in res.items():
                old = figures[key].get(metric)
                figures[key][metric] = value if old is None or value[0] < old[0] else old
        for metric in ("checkout", "borrower search", "device search"):
            p, e = figures["plain"][metric], figures["enc"][metric]
            add(f"{metric} median", p[0], e[0])
            add(f"{metric} p95", p[1], e[1])
    finally:
        plain.close()
        enc.close()


def command_seconds(cwd: Path, folder: Path, env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "app.cli", "--data-dir", str(folder), "device", "list"],
            cwd=cwd,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def startup(work: Path, plain_release: Path | None, runs: int) -> None:
    env = dict(os.environ)
    small = work / "small-enc"
    shutil.rmtree(small, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(small), "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    passphrase = command_seconds(ROOT, small, env, runs)
    raw_key = "x'" + secrets.token_hex(32) + "'"
    small_raw = work / "small-raw"
    shutil.rmtree(small_raw, ignore_errors=True)
    env_raw = {**env, "DIGIBANK_PASSPHRASE": raw_key}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(small_raw), "demo"],
        cwd=ROOT,
        env=env_raw,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    raw = command_seconds(ROOT, small_raw, env_raw, runs)
    plain = None
    if plain_release is not None:
        small_plain = work / "small-plain"
        shutil.rmtree(small_plain, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "app.cli", "--data-dir", str(small_plain), "demo"],
            cwd=plain_release,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        plain = command_seconds(plain_release, small_plain, env, runs)
    add("start-up `digibank device list` (passphrase key)", plain, passphrase)
    add("start-up `digibank device list` (keychain raw key)", plain, raw)


def sync(records: int, rounds: int = 2) -> None:
    """Alternating runs (the machine is shared); the faster of each mode counts."""
    best: dict[str, dict[str, Any]] = {}
    for _ in range(rounds):
        for mode in ("plain", "enc"):
            flags = ["--plain"] if mode == "plain" else []
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_sync", "--records", str(records), *flags],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(done.stdout)
            if mode not in best or figures["initial_sync_s"] < best[mode]["initial_sync_s"]:
                best[mode] = figures
    add(
        f"initial sync of {records:,} records",
        best["plain"]["initial_sync_s"],
        best["enc"]["initial_sync_s"],
        "s",
    )
    add("push of 1,000 changes", best["plain"]["push_1000_s"], best["enc"]["push_1000_s"], "s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_encryption")
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--borrowers", type=int, default=50_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--helpdesk", type=int, default=50_000)
    parser.add_argument("--trainings", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sync-records", type=int, default=100_000, help="0 skips the sync figures")
    parser.add_argument("--plain-release", type=Path, help="source tree of the release before encryption")
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("DIGIBANK_PASSPHRASE", BENCH_PASSPHRASE)
    args.work.mkdir(parents=True, exist_ok=True)
    prepare(args.work, args)
    counter(args.work, args.repeat)
    startup(args.work, args.plain_release, args.startup_runs)
    if args.sync_records:
        sync(args.sync_records)
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'plain':>12}  {'encrypted':>12}  ratio")
    for label, plain, enc, ratio in rows:
        print(f"{label:<{width}}  {plain:>12}  {enc:>12}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
