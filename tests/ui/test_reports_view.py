"""The Rapporten view: figures from the report service, exports off the GUI thread."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QPushButton

from app.errors import UserError
from app.reports import ReportService
from tests.test_reports_reach import seed_march
from ui.reports_view import ReportsView

APRIL_15 = dt.date(2026, 4, 15)


@pytest.fixture
def service(ctx) -> ReportService:
    seed_march(ctx)
    return ReportService(ctx.sessions, today=lambda: APRIL_15)


def _view(qtbot, service, chosen: list[Path] | None = None) -> ReportsView:
    paths = list(chosen or [])
    view = ReportsView(service, choose_path=lambda _title, _name: str(paths.pop(0)) if paths else None)
    qtbot.addWidget(view)
    return view


def test_key_figures_for_last_month(qtbot, service):
    view = _view(qtbot, service)
    view.select_period("last-month")
    assert view.from_edit.date().toString("dd/MM/yyyy") == "01/03/2026"
    assert not view.from_edit.isEnabled()
    threads = []
    view.figures_shown.connect(lambda: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(view.figures_shown, timeout=10_000):
        view.refresh()
    assert threads == [QApplication.instance().thread()]  # widgets touched in the GUI thread only
    assert view.people_figure.number.text() == "10"
    assert "1 (+9)" in view.people_figure.detail.text()  # February: Yara only
    assert view.loans_figure.number.text() == "7"
    assert view.sessions_figure.number.text() == "1"
    assert "3 aanwezigen, 2 vrije instappers" in view.sessions_figure.detail.text()
    assert view.helpdesk_figure.number.text() == "8"
    bars = view.topic_chart.bars()
    assert bars[0] == ("itsme", 3)
    assert dict(bars) == {"itsme": 3, "Tax-on-web / MyMinfin": 2, "Bankapps": 2, "eBox": 1}
    assert "01/03/2026 t.e.m. 31/03/2026" in view.period_label.text()
    assert view.refresh_button.isEnabled()
    view.shutdown()


def test_first_show_loads_figures(qtbot, service):
    view = _view(qtbot, service)  # default: this month (April 2026): Xavier at 00:00 on 1 April
    with qtbot.waitSignal(view.figures_shown, timeout=10_000):
        view.show()
    assert view.people_figure.number.text() == "1"
    view.shutdown()


def test_export_reach_matches_the_screen(qtbot, service, tmp_path):
    target = tmp_path / "bereik-maart"
    view = _view(qtbot, service, [target])
    view.select_period("custom", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with qtbot.waitSignal(view.figures_shown, timeout=10_000):
        view.refresh()
    with qtbot.waitSignal(view.export_finished, timeout=10_000) as done:
        qtbot.mouseClick(view.reach_button, Qt.MouseButton.LeftButton)
    assert done.args == [str(target.with_suffix(".xlsx"))]
    wb = load_workbook(target.with_suffix(".xlsx"))
    rows = {r[0]: r[4] for r in wb["Per gemeente"].iter_rows(min_row=2, values_only=True)}
    assert rows == {"Kortrijk": 7, "Gent": 3}
    assert sum(rows.values()) == int(view.people_figure.number.text())
    assert view.progress_dialog() is None and view.reach_button.isEnabled()
    assert "Opgeslagen in" in view.status.text()
    view.shutdown()


def test_export_costs(qtbot, service, tmp_path):
    view = _view(qtbot, service, [tmp_path / "kosten.xlsx"])
    with qtbot.waitSignal(view.export_finished, timeout=10_000):
        qtbot.mouseClick(view.cost_button, Qt.MouseButton.LeftButton)
    assert load_workbook(tmp_path / "kosten.xlsx").sheetnames[0] == "Samenvatting"
    view.shutdown()


def test_choosing_no_file_does_nothing(qtbot, service):
    view = _view(qtbot, service, [])
    qtbot.mouseClick(view.reach_button, Qt.MouseButton.LeftButton)
    assert view.progress_dialog() is None and view.status.text() == ""


def test_custom_period_the_wrong_way_round(qtbot, service):
    view = _view(qtbot, service)
    view.select_period("custom", dt.date(2026, 3, 31), dt.date(2026, 3, 1))
    view.refresh()
    assert "ligt na de einddatum" in view.status.text()


class _GatedService(ReportService):
    """Export that waits for the test, so cancelling can happen mid-way."""

    def __init__(self, inner: ReportService, fail: bool = False) -> None:
        super().__init__(inner._sessions, today=inner.today)
        self.started = threading.Event()
        self.gate = threading.Event()
        self.fail = fail

    def export_reach(self, period, path, progress=lambda _p, _m: None):
        progress(5, "")
        self.started.set()
        self.gate.wait(10)
        if self.fail:
            raise UserError("De map is alleen-lezen: kies een andere map.")
        progress(50, "")  # raises when cancelled
        return super().export_reach(period, path, progress)


def test_cancel_writes_nothing(qtbot, service, tmp_path):
    gated = _GatedService(service)
    target = tmp_path / "bereik.xlsx"
    view = _view(qtbot, gated, [target])
    qtbot.mouseClick(view.reach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gated.started.is_set, timeout=10_000)
    assert not view.reach_button.isEnabled()
    dialog = view.progress_dialog()
    assert dialog is not None
    with qtbot.waitSignal(view.export_failed, timeout=10_000) as failed:
        qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)  # "Annuleren"
        gated.gate.set()
    assert "Geannuleerd" in failed.args[0]
    assert not target.exists() and list(tmp_path.glob("*.tmp")) == []
    assert view.reach_button.isEnabled()
    view.shutdown()


def test_failure_is_one_plain_line(qtbot, service, tmp_path):
    gated = _GatedService(service, fail=True)
    gated.gate.set()
    view = _view(qtbot, gated, [tmp_path / "x.xlsx"])
    with qtbot.waitSignal(view.export_failed, timeout=10_000) as failed:
        qtbot.mouseClick(view.reach_button, Qt.MouseButton.LeftButton)
    assert failed.args == ["De map is alleen-lezen: kies een andere map."]
    assert view.status.text() == failed.args[0]
    view.shutdown()
