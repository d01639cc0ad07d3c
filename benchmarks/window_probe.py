"""A child process of the window rows (benchmarks/rows_whole.py): start a window, say when it is usable, exit.

    python -m benchmarks.window_probe bare|program|table [--data-dir DIR] [--settle S]

`bare` is the baseline: a plain PySide6 QMainWindow with one table. `program` starts the
real window through `ui.app.run` on DIR. `table` opens the device table over DIR's devices
(ui/table_models.py) and scrolls to its end. "Usable" (`usable_s`) is the first turn of the
event loop after the window is shown (the person can type; a scan is kept). "Ready"
(`ready_s`) is when the data folder is open and the counter commits a scan (the main
window's `is_ready` / `ready` signal, ui/main_window.py); for `bare` it equals `usable_s`.
Prints one JSON line on stdout with the seconds since `BENCH_T0` (the parent's clock when it
started this process) and, after `--settle` seconds more of event processing (background
loads finish), the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def _since_start() -> float:
    return time.time() - float(os.environ.get("BENCH_T0", time.time()))


def _peak_rss_mb() -> float:
    """This process's own peak (VmHWM). Linux carries ru_maxrss across exec: a probe started
    by a benchmark run that holds the large digibank in memory would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(figures: dict[str, float]) -> None:
    print(json.dumps(figures), flush=True)
    # Not a clean shutdown: the figures are out; a background backup must not be waited for.
    os._exit(0)


def _main_window():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if hasattr(widget, "is_ready"):
            return widget
    return None


def _after_show(usable: float, settle: float) -> None:
    from PySide6.QtCore import QCoreApplication, QThread

    ready = usable
    window = _main_window()
    if window is not None and not window.is_ready:
        # Until the context is open and the counter built (a minute is "never").
        limit = time.monotonic() + 60
        while not window.is_ready and time.monotonic() < limit:
            QCoreApplication.processEvents()
            QThread.msleep(1)
        ready = _since_start() if window.is_ready else float("nan")
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        QThread.msleep(10)
    _report(
        {"usable_s": round(usable, 3), "ready_s": round(ready, 3), "peak_rss_mb": round(_peak_rss_mb(), 1)}
    )


def bare(settle: float) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QTableWidget(20, 5))
    window.resize(1200, 700)
    window.show()
    QTimer.singleShot(0, lambda: _after_show(_since_start(), settle))
    app.exec()


def program(data_dir: str, settle: float) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])  # before ui.app: run() reuses this instance
    from ui import app as ui_app

    assert QApplication.instance() is app

    # Fires at the first turn of app.exec(), i.e. once run() has shown the window.
    QTimer.singleShot(0, lambda: _after_show(_since_start(), settle))
    ui_app.run(data_dir)


def table(data_dir: str, repeat: int) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from app.context import open_context
    from ui.table_models import Column, LazyTableModel, SearchableTable

    app = QApplication(sys.argv[:1])
    ctx = open_context(data_dir, actor="bench")
    columns = [Column(lambda: "tag", lambda d: d.asset_tag), Column(lambda: "model", lambda d: d.model)]
    opens, scrolls = [], []
    for _ in range(repeat + 1):
        model = LazyTableModel(ctx.devices.by_id, columns)
        view = SearchableTable(model, ctx.devices.search_ids, "")
        view.resize(1000, 600)
        started = time.perf_counter()
        view.show()
        view.run_search()
        QCoreApplication.processEvents()
        opened = time.perf_counter()
        view.table.scrollToBottom()
        QCoreApplication.processEvents()
        view.table.viewport().repaint()
        ended = time.perf_counter()
        opens.append((opened - started) * 1000)
        scrolls.append((ended - opened) * 1000)
        view.close()
        view.deleteLater()
    ctx.close()
    del app
    _report({"open_ms": opens[1:], "scroll_ms": scrolls[1:], "rows": model.rowCount()})  # type: ignore[dict-item]


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("bare", "program", "table"))
    parser.add_argument("--data-dir")
    parser.add_argument("--settle", type=float, default=0.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "bare":
        bare(args.settle)
    elif args.mode == "program":
        program(args.data_dir, args.settle)
    else:
        table(args.data_dir, args.repeat)


if __name__ == "__main__":
    main()
