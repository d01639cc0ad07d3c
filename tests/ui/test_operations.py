"""The one background-operation helper: result, plain error or cancel back on the GUI
thread, exactly once, and the "data changed" signal after a write only."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget

from app.errors import UserError
from ui.operations import Changes, OpControl, data_bus, run_operation, wait_for_running


def test_result_comes_back_on_the_gui_thread_and_a_write_announces_its_changes(qtbot) -> None:
    gui = threading.get_ident()
    seen: dict[str, object] = {}
    heard: list[Changes] = []
    data_bus().changed.connect(heard.append)

    def work(op: OpControl) -> int:
        seen["worker"] = threading.get_ident()
        op.progress(1, 2, "half")
        return 42

    def done(result: int) -> None:
        seen["result"], seen["callback"] = result, threading.get_ident()

    progress: list[tuple[int, int, str]] = []
    op = run_operation(
        work, on_success=done, on_progress=lambda *a: progress.append(a), changes=Changes.of("device")
    )
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert seen["result"] == 42
    assert seen["worker"] != gui and seen["callback"] == gui
    assert progress == [(1, 2, "half")]
    assert heard and heard[-1].touches("device") and not heard[-1].touches("borrower")
    data_bus().changed.disconnect(heard.append)


def test_a_read_announces_nothing(qtbot) -> None:
    heard: list[Changes] = []
    data_bus().changed.connect(heard.append)
    op = run_operation(lambda op: 1)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert heard == []
    data_bus().changed.disconnect(heard.append)


def test_user_error_is_its_plain_message_and_a_crash_is_one_dutch_line(qtbot, caplog) -> None:
    failures: list[str] = []

    def refuse(op: OpControl) -> None:
        raise UserError("Dit toestel is al uitgeleend.")

    def crash(op: OpControl) -> None:
        raise ZeroDivisionError("secret detail")

    heard: list[Changes] = []
    data_bus().changed.connect(heard.append)
    for work in (refuse, crash):
        op = run_operation(work, on_failure=failures.append, changes=Changes.ALL)
        with qtbot.waitSignal(op.finished, timeout=5000):
            pass
    assert failures[0] == "Dit toestel is al uitgeleend."
    assert "ZeroDivisionError" in failures[1] and "secret detail" not in failures[1]
    assert "Traceback" not in failures[1]
    assert heard == []  # a failed write changed nothing, so nothing is announced
    data_bus().changed.disconnect(heard.append)


def test_cancel_stops_long_work_and_reports_cancelled(qtbot) -> None:
    started = threading.Event()
    outcome: list[str] = []

    def long(op: OpControl) -> None:
        started.set()
        while True:
            op.check_cancelled()
            threading.Event().wait(0.01)

    op = run_operation(
        long, on_success=lambda r: outcome.append("done"), on_cancelled=lambda: outcome.append("cancelled")
    )
    assert started.wait(5)
    op.cancel()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert outcome == ["cancelled"]


def test_closing_the_parent_cancels_and_nothing_reaches_a_deleted_widget(qtbot) -> None:
    widget = QWidget()
    started = threading.Event()

    def long(op: OpControl) -> None:
        started.set()
        while True:
            op.check_cancelled()
            threading.Event().wait(0.01)

    op = run_operation(long, parent=widget)
    assert started.wait(5)
    with qtbot.waitSignal(widget.destroyed, timeout=5000):
        widget.deleteLater()
    assert wait_for_running(5000)
    assert op.is_finished


def test_changes_touches_and_union() -> None:
    assert Changes.ALL.touches("anything")
    a, b = Changes.of("loan"), Changes.of("device", ids=["d1"])
    assert (a | b).tables == {"loan", "device"} and (a | b).ids == {"d1"}
    assert (a | Changes.ALL) is Changes.ALL
