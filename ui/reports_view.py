"""Rapporten: key figures for a period on screen, and the Excel exports for the funder.

The view only picks a period and shows what `app.reports.ReportService` computes —
the same functions that fill the workbook, so screen and Excel always agree.
Computing figures and writing workbooks run through `ui.operations.run_operation` on the
view's own small pool: workers never touch a widget, a cancel stops an export between steps.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, QRectF, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.helpdesk import topic_names
from app.i18n import _
from app.reports import Dashboard, ReportService
from app.reports.periods import PERIOD_KINDS, Period, period_kind_names
from ui.operations import Operation, reload_on_change, run_operation

log = logging.getLogger(__name__)

REPORTED_TABLES = (
    "borrower",
    "loan",
    "device",
    "training_session",
    "registration",
    "attendance",
    "helpdesk_visit",
    "repair",
    "data_wipe",
    "donation",
)

PathChooser = Callable[[str, str], str | None]  # (dialog title, suggested file name) -> path or None


def _report_failed_text(exc: BaseException) -> str:
    return _("Het rapport kon niet gemaakt worden ({kind}); details in het logboek.").format(
        kind=type(exc).__name__
    )


# -- the bar chart -----------------------------------------------------------------


class BarChart(QWidget):
    """Horizontal bars with their label and number written out (never colour alone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[tuple[str, int]] = []
        self._empty_text = _("Geen gegevens in deze periode.")
        self.setMinimumHeight(120)

    def set_bars(self, bars: list[tuple[str, int]], empty_text: str | None = None) -> None:
        self._bars = list(bars)
        if empty_text is not None:
            self._empty_text = empty_text
        self.setMinimumHeight(self.sizeHint().height())  # every bar visible, none squeezed out
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[str, int]]:
        return list(self._bars)

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height() + 8
        return QSize(420, max(120, 16 + line * len(self._bars)))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        text_colour = self.palette().windowText().color()
        if not self._bars:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        line = metrics.height() + 8
        label_width = min(self.width() // 2, max(metrics.horizontalAdvance(t) for t, _n in self._bars) + 12)
        number_width = max(metrics.horizontalAdvance(_n(n)) for _t, n in self._bars) + 12
        bar_space = max(10, self.width() - label_width - number_width - 16)
        top = 8
        biggest = max(n for _t, n in self._bars) or 1
        for i, (label, count) in enumerate(self._bars):
            y = top + i * line
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(4, y, label_width - 8, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width - 8),
            )
            length = bar_space * count / biggest
            painter.fillRect(QRectF(label_width, y + 3, length, line - 6), QColor("#3f6fb5"))
            painter.drawText(
                QRectF(label_width + length + 6, y, number_width, line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                _n(count),
            )
        painter.end()


# -- the view ------------------------------------------------------------------------


def _n(value: int) -> str:
    """Belgian thousands separator: 12.345."""
    return f"{value:,}".replace(",", ".")


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class _Figure(QFrame):
    """One key figure: a big number, a caption, and a small line under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.number = QLabel("–")
        font = QFont(self.number.font())
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        self.number.setFont(font)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        for w in (self.number, self.caption, self.detail):
            layout.addWidget(w)

    def show_value(self, value: int, detail: str = "") -> None:
        self.number.setText(_n(value))
        self.detail.setText(detail)


class ReportsView(QWidget):
    figures_shown = Signal()
    export_finished = Signal(str)  # path written
    export_failed = Signal(str)  # plain message (also shown in the view)

    def __init__(
        self,
        service: ReportService,
        choose_path: PathChooser | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._choose_path = choose_path or self._ask_path
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._generation = itertools.count(1)
        self._current_refresh = 0
        self._loaded = False
        self._export_op: Operation[Path] | None = None
        self._progress: QProgressDialog | None = None
        self.dashboard: Dashboard | None = None
        self._build()
        # The figures count nearly everything; recomputed only while the tab is looked at.
        reload_on_change(self, REPORTED_TABLES, self._refresh_if_loaded)

    # -- layout ----------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        picker = QHBoxLayout()
        picker.addWidget(QLabel(_("Periode:")))
        self.period_box = QComboBox()
        names = period_kind_names()
        for kind in ("month", "quarter", "year", "last-month", "custom"):
            assert kind in PERIOD_KINDS
            self.period_box.addItem(names[kind], kind)
        picker.addWidget(self.period_box)
        today = self._service.today()
        self.from_edit = QDateEdit(_qdate(today.replace(day=1)))
        self.to_edit = QDateEdit(_qdate(today))
        for edit, label in ((self.from_edit, _("van")), (self.to_edit, _("tot en met"))):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            picker.addWidget(QLabel(label))
            picker.addWidget(edit)
        self.refresh_button = QPushButton(_("&Vernieuwen"))
        picker.addWidget(self.refresh_button)
        picker.addStretch(1)
        root.addLayout(picker)

        self.period_label = QLabel("")
        font = QFont(self.period_label.font())
        font.setBold(True)
        self.period_label.setFont(font)
        root.addWidget(self.period_label)

        grid = QGridLayout()
        self.people_figure = _Figure(_("unieke personen bereikt"))
        self.loans_figure = _Figure(_("uitleningen gestart"))
        self.active_figure = _Figure(_("uitleningen lopend op de einddatum"))
        self.sessions_figure = _Figure(_("opleidingssessies"))
        self.helpdesk_figure = _Figure(_("helpdeskbezoeken"))
        self.given_figure = _Figure(_("toestellen weggeschonken"))
        figures = (
            self.people_figure,
            self.loans_figure,
            self.active_figure,
            self.sessions_figure,
            self.helpdesk_figure,
            self.given_figure,
        )
        for i, figure in enumerate(figures):
            grid.addWidget(figure, i // 3, i % 3)
        root.addLayout(grid)

        box = QGroupBox(_("Helpdesk per onderwerp"))
        box_layout = QVBoxLayout(box)
        self.topic_chart = BarChart()
        box_layout.addWidget(self.topic_chart)
        root.addWidget(box)
        root.addStretch(1)

        buttons = QHBoxLayout()
        self.reach_button = QPushButton(_("&Bereik naar Excel…"))
        self.cost_button = QPushButton(_("&Kosten naar Excel…"))
        buttons.addWidget(self.reach_button)
        buttons.addWidget(self.cost_button)
        buttons.addStretch(1)
        root.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        root.addWidget(self.status)

        self.period_box.currentIndexChanged.connect(self._period_kind_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.reach_button.clicked.connect(lambda: self._export_clicked("reach"))
        self.cost_button.clicked.connect(lambda: self._export_clicked("cost"))
        self._period_kind_changed()

    # -- period ------------------------------------------------------------------

    def select_period(self, kind: str, start: dt.date | None = None, end: dt.date | None = None) -> None:
        """Pick a period as a person would (used by the combo box and by tests)."""
        if start is not None:
            self.from_edit.setDate(_qdate(start))
        if end is not None:
            self.to_edit.setDate(_qdate(end))
        self.period_box.setCurrentIndex(self.period_box.findData(kind))
        self._period_kind_changed()

    def period(self) -> Period:
        kind = self.period_box.currentData() or "month"
        return self._service.period(kind, _pydate(self.from_edit.date()), _pydate(self.to_edit.date()))

    def _period_kind_changed(self) -> None:
        custom = self.period_box.currentData() == "custom"
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom:
            period = self.period()
            self.from_edit.setDate(_qdate(period.start))
            self.to_edit.setDate(_qdate(period.end))

    # -- figures -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def _refresh_if_loaded(self) -> None:
        if self._loaded:  # the first show computes them anyway
            self.refresh()

    def refresh(self) -> None:
        """Recompute the key figures for the chosen period, in the background."""
        try:
            period = self.period()
        except UserError as exc:
            self.status.setText(exc.message)
            return
        self._loaded = True
        generation = next(self._generation)
        self._current_refresh = generation
        self.status.setText(_("Cijfers worden berekend…"))
        self.refresh_button.setEnabled(False)
        service = self._service
        run_operation(
            lambda _op: (generation, service.dashboard(period)),
            on_success=self._figures_done,
            on_failure=self._figures_failed,
            pool=self._pool,
            parent=self,
            what="report figures",
            unexpected_text=_report_failed_text,
        )

    def _figures_done(self, result: tuple[int, Dashboard]) -> None:
        generation, board = result
        if generation != self._current_refresh:
            return  # an older refresh finished after a newer one was asked for
        self.refresh_button.setEnabled(True)
        self.dashboard = board
        report = board.current
        self.period_label.setText(_("Periode: {period}").format(period=report.period.label()))
        diff = report.people - board.previous_people
        self.people_figure.show_value(
            report.people,
            _("vorige periode: {count} ({sign}{diff})").format(
                count=_n(board.previous_people), sign="+" if diff >= 0 else "−", diff=_n(abs(diff))
            ),
        )
        self.people_figure.setToolTip(_("Vorige periode: {period}").format(period=board.previous.label()))
        self.loans_figure.show_value(report.loans_started)
        self.active_figure.show_value(report.loans_active_at_end)
        self.sessions_figure.show_value(
            report.sessions,
            _("{attendances} aanwezigen, {walk_ins} vrije instappers").format(
                attendances=_n(report.attendances), walk_ins=_n(report.walk_ins)
            ),
        )
        self.helpdesk_figure.show_value(
            report.helpdesk_visits, _("waarvan {count} anoniem").format(count=_n(report.anonymous_visits))
        )
        self.given_figure.show_value(report.devices_given_away)
        names = topic_names()
        bars = sorted(
            ((names.get(t, t), n) for t, n in report.helpdesk_by_topic.items() if n),
            key=lambda bar: (-bar[1], bar[0]),
        )
        self.topic_chart.set_bars(bars, _("Geen helpdeskbezoeken in deze periode."))
        self.status.setText("")
        self.figures_shown.emit()

    def _figures_failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(message)

    # -- exports -----------------------------------------------------------------

    def _ask_path(self, title: str, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, title, suggested, _("Excel-werkmap (*.xlsx)"))
        return path or None

    def _export_clicked(self, kind: str) -> None:
        try:
            period = self.period()
        except UserError as exc:
            self.status.setText(exc.message)
            return
        stem = _("bereik") if kind == "reach" else _("kosten")
        title = _("Bereikrapport opslaan") if kind == "reach" else _("Kostenrapport opslaan")
        path = self._choose_path(title, f"{stem}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx")
        if path:
            self.export(kind, Path(path))

    def export(self, kind: str, path: Path) -> None:
        """Write the reach or cost workbook in the background, with a progress dialog."""
        period = self.period()
        if not path.suffix:
            path = path.with_suffix(".xlsx")
        write = self._service.export_reach if kind == "reach" else self._service.export_costs
        self.reach_button.setEnabled(False)
        self.cost_button.setEnabled(False)
        dialog = QProgressDialog(_("Rapport wordt gemaakt…"), _("Annuleren"), 0, 100, self)
        dialog.setWindowTitle(_("Rapport naar Excel"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        dialog.canceled.connect(self.cancel_export)
        self._progress = dialog
        # Every progress report is also a cancel point (OpControl.progress checks it).
        self._export_op = run_operation(
            lambda op: write(period, path, lambda percent, text: op.progress(percent, 100, text)),
            on_success=self._export_done,
            on_failure=self._export_failed,
            on_progress=lambda done, _total, text: self._export_progress(done, text),
            on_cancelled=self._export_cancelled,
            pool=self._pool,
            parent=self,
            what=f"report export {kind}",
            unexpected_text=_report_failed_text,
        )

    def cancel_export(self) -> None:
        if self._export_op is not None:
            self._export_op.cancel()

    def progress_dialog(self) -> QProgressDialog | None:
        return self._progress

    def _export_progress(self, percent: int, message: str) -> None:
        dialog = self._progress
        if dialog is None:
            return
        if message:
            dialog.setLabelText(message)
        # A window-modal dialog processes events inside setValue: the export may finish
        # (and this dialog be closed) right here, so nothing may follow this call.
        dialog.setValue(percent)

    def _end_export(self) -> None:
        self.reach_button.setEnabled(True)
        self.cost_button.setEnabled(True)
        if self._progress is not None:
            self._progress.canceled.disconnect(self.cancel_export)
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None
        self._export_op = None

    def _export_done(self, path: Path) -> None:
        self._end_export()
        self.status.setText(_("Opgeslagen in {path}.").format(path=path))
        self.export_finished.emit(str(path))

    def _export_failed(self, message: str) -> None:
        self._end_export()
        self.status.setText(message)
        self.export_failed.emit(message)

    def _export_cancelled(self) -> None:
        self._end_export()
        message = _("Geannuleerd: er is geen bestand geschreven.")
        self.status.setText(message)
        self.export_failed.emit(message)

    # -- plumbing ----------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel an export and wait for background work (the main window calls this on close)."""
        self.cancel_export()
        return self._pool.waitForDone(timeout_ms)
