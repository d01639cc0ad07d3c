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
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.datasets import BENCH_PASSPHRASE, SIZES, dataset
from benchmarks.report import PLANS, rows, table_text
from benchmarks.rows_inprocess import bench_counter, bench_encryption, bench_table
from benchmarks.rows_whole import bench_cli, bench_glabels, bench_labels, bench_sync, bench_window
from benchmarks.timing import PY, ROOT, env_for, log


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
        bench_glabels(plan, folder)
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
