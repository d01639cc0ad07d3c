"""CI's smoke test of the benchmark suite: `python -m benchmarks.run --quick` runs to the end
and its table has every row, each with its figure (issue 13). No time is asserted: the
figures of a shared CI machine mean nothing; benchmarks/RESULTS.md holds the measured ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.report import ROW_NAMES

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_run_prints_every_row(tmp_path):
    env = dict(os.environ)
    env["DIGIBANK_BENCH_CACHE"] = str(tmp_path / "cache")  # the generated data set stays here
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = tmp_path / "quick.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    assert table.startswith("| what | program | baseline (same run) | ratio | goal | met |")
    report = json.loads(out.read_text())
    whats = [row["what"] for row in report["rows"]]
    for name in ROW_NAMES:
        assert any(name in what for what in whats), f"no row for {name!r} in {whats}"
        assert name in table
    for row in report["rows"]:
        assert row["program"], row
        assert row["baseline"], row
    # Every row with a baseline has its ratio.
    assert all(r["ratio"] is not None for r in report["rows"] if r["baseline"] != "—")
