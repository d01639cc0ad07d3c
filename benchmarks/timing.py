"""Timing helpers every benchmark row shares: in-process repeats, whole processes with their
CPU seconds, alternation of program and baseline (a shared machine's noise falls on both)."""

from __future__ import annotations

import atexit
import functools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.datasets import BENCH_PASSPHRASE

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def p95(values: Sequence[float]) -> float:
    if len(values) >= 20:
        return statistics.quantiles(values, n=20)[18]
    return max(values)


def ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls, after one call that warms caches (as a counter that has
    been open a while)."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def alternate(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[list[float], list[float]]:
    first, second = [], []
    for _ in range(runs):
        first.append(a())
        second.append(b())
    return first, second


@functools.cache
def _bytecode_folder() -> str:
    folder = tempfile.mkdtemp(prefix="digibank-bench-pyc-")
    atexit.register(shutil.rmtree, folder, True)
    return folder


def env_for(data_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # An installed program runs from compiled bytecode (pip compiles it at install, the bundle
    # carries it). A workplace that sets PYTHONDONTWRITEBYTECODE would have every timed process
    # compile the project anew; the run's bytecode goes to its own temporary folder instead,
    # never into the checkout (the first run of each command fills it: a warm-up).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _bytecode_folder()
    env["DIGIBANK_PASSPHRASE"] = BENCH_PASSPHRASE
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if data_dir is not None:
        env["DIGIBANK_DATA_DIR"] = str(data_dir)
    return env


LAST_CPU: list[float] = [0.0]  # CPU seconds (user + system) of the last process()


def _children_cpu() -> float:
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
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    LAST_CPU[0] = _children_cpu() - cpu_before
    return took, rss, out.decode()
