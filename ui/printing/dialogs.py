"""Printing from the window: labels (layout, skip, preview; PDF or printer) and member cards.

Labels are rendered off the GUI thread (through `ui.operations.run_operation`) with a
QProgressDialog that can cancel, so hundreds of labels never
freeze the window. Paper output paints the same primitives the PDF writer uses
(app.printing.labels / cards) on a QPrinter, so print and PDF look alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.i18n import _, ngettext
from app.printing.barcode import MM
from app.printing.cards import CARD_H, CARD_W, CardItem, card_pages, write_cards_pdf
from app.printing.labels import LabelItem, label_pages, write_labels_pdf
from app.printing.layouts import A4, LAYOUTS, get_layout
from app.printing.service import PrintService
from ui.operations import OpControl, Operation, run_operation
from ui.printing.brother import BrotherButton
from ui.screen_fit import fit_dialog

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """The person pressed Cancel: stop rendering (the output file is then not created)."""


# -- painting the shared primitives with QPainter ------------------------------------------------


def _qt_font(run_font: str, size: float, dpi: float) -> QFont:
    font = QFont("Helvetica")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setBold(run_font.endswith("Bold"))
    # The painter is scaled to points; make the font `size` points after that scaling.
    font.setPointSizeF(max(0.5, size * 72.0 / dpi))
    return font


def paint_page(painter: QPainter, page_h_pt: float, drawings: Iterable[object]) -> None:
    """Paint label or card drawings (PDF orientation, points) with a painter scaled to points."""
    dpi = painter.device().logicalDpiY()
    black = QColor("black")
    for drawing in drawings:
        if getattr(drawing, "cut_lines", False):
            painter.save()
            painter.setPen(QColor(190, 190, 190))
            x, y = drawing.x, drawing.y  # type: ignore[attr-defined]
            rect = QRectF(x, page_h_pt - y - CARD_H * MM, CARD_W * MM, CARD_H * MM)
            painter.drawRoundedRect(rect, 3 * MM, 3 * MM)
            painter.restore()
        bars = drawing.bars  # type: ignore[attr-defined]
        top = page_h_pt - bars.y - bars.height
        for x, w in bars.bars:
            painter.fillRect(QRectF(x, top, w, bars.height), black)
        for run in drawing.texts:  # type: ignore[attr-defined]
            font = _qt_font(run.font, run.size, dpi)
            painter.setFont(font)
            painter.setPen(black)
            width = QFontMetricsF(font, painter.device()).horizontalAdvance(run.text)
            x = run.x - width / 2 if run.centred else run.x
            painter.drawText(QPointF(x, page_h_pt - run.y), run.text)


def setup_printer(printer: QPrinter, page_w_mm: float, page_h_mm: float) -> None:
    size = QPageSize(
        QSizeF(page_w_mm, page_h_mm), QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.ExactMatch
    )
    printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    printer.setFullPage(True)


def paint_pages(
    printer: QPrinter,
    pages: Iterable[list[object]],
    page_h_pt: float,
    total: int,
    progress: Progress | None = None,
) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError(_("De printer kon niet gestart worden."))
    try:
        scale = printer.resolution() / 72.0
        painter.scale(scale, scale)
        done = 0
        for number, page in enumerate(pages):
            if number:
                printer.newPage()
            paint_page(painter, page_h_pt, page)
            done += len(page)
            if progress is not None:
                progress(done, total)
    finally:
        painter.end()


def preview_image(
    pages: list[list[object]], page_w_pt: float, page_h_pt: float, width_px: int = 360
) -> QImage:
    height_px = max(1, round(width_px * page_h_pt / page_w_pt))
    image = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(width_px / page_w_pt, width_px / page_w_pt)
    if pages:
        paint_page(painter, page_h_pt, pages[0])
    painter.end()
    return image


# -- background jobs -------------------------------------------------------------------------


class _Job:
    """What a running label job is: its operation, and the thread it ran on (for tests)."""

    def __init__(self, work: Callable[[Progress], None]) -> None:
        self._work = work
        self.thread_id: int | None = None
        self.operation: Operation[None] | None = None

    def __call__(self, op: OpControl) -> None:
        self.thread_id = threading.get_ident()

        def progress(done: int, total: int) -> None:
            op.check_cancelled()
            if done == total or done % 10 == 0:  # a signal per 10 labels keeps the event queue short
                op.progress(done, total)

        self._work(progress)


def _printing_failed_text(exc: BaseException) -> str:
    return _("Afdrukken mislukt ({kind}); details in het logboek.").format(kind=type(exc).__name__)


# -- the label dialog -----------------------------------------------------------------------------


class LabelPrintDialog(QDialog):
    """Print labels for the selected devices: layout, skip, preview; to PDF or to a printer.

    Signals: `printed(target)` (the PDF path, or "printer"), `failed(message)`, `cancelled()`.
    """

    printed = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        printing: PrintService,
        tags: Sequence[str],
        default_layout: str = "L7160",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Etiketten afdrukken"))
        self._printing = printing
        self._items: list[LabelItem] = printing.label_items(tags)
        self._pool = QThreadPool(self)
        self.job: _Job | None = None
        self.progress_dialog: QProgressDialog | None = None

        self.layout_combo = QComboBox(self)
        for layout in LAYOUTS.values():
            self.layout_combo.addItem(layout.description, layout.name)
        try:
            index = list(LAYOUTS.values()).index(get_layout(default_layout))
        except UserError:
            index = 0
        self.layout_combo.setCurrentIndex(index)
        self.skip_spin = QSpinBox(self)
        self.skip_spin.setToolTip(_("Aantal etiketten dat op het eerste vel al gebruikt is"))
        self.preview = QLabel(self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(240, 200)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.pdf_button = QPushButton(_("Opslaan als &PDF…"), self)
        self.print_button = QPushButton(_("&Afdrukken…"), self)
        self.close_button = QPushButton(_("&Sluiten"), self)
        self.print_button.setDefault(True)

        form = QFormLayout()
        form.addRow(_("&Indeling:"), self.layout_combo)
        form.addRow(_("&Overslaan:"), self.skip_spin)
        count = len(self._items)
        form.addRow(QLabel(ngettext("{n} etiket", "{n} etiketten", count).format(n=count), self))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.pdf_button, self.print_button, self.close_button):
            buttons.addWidget(button)
        self.brother_button = BrotherButton(self)  # Brother rolls: raster straight to the printer
        buttons.insertWidget(buttons.count() - 1, self.brother_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.layout_combo.currentIndexChanged.connect(self._layout_changed)
        self.skip_spin.valueChanged.connect(self._update_preview)
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.print_button.clicked.connect(self._choose_printer)
        self.close_button.clicked.connect(self.reject)
        self._layout_changed()
        fit_dialog(self)

    # -- choices --------------------------------------------------------------------------------

    def layout_name(self) -> str:
        return str(self.layout_combo.currentData())

    def _layout_changed(self) -> None:
        sheet = get_layout(self.layout_name())
        self.skip_spin.setMaximum(sheet.per_sheet - 1)
        self.skip_spin.setEnabled(not sheet.roll)
        if sheet.roll:
            self.skip_spin.setValue(0)
        self._update_preview()

    def preview_pixmap(self) -> QPixmap:
        sheet = get_layout(self.layout_name())
        first = next(label_pages(self._items, sheet, self.skip_spin.value()), [])
        image = preview_image([first] if first else [], sheet.page_w * MM, sheet.page_h * MM)
        return QPixmap.fromImage(image)

    def _update_preview(self) -> None:
        self.preview.setPixmap(self.preview_pixmap())

    # -- output ------------------------------------------------------------------------------

    def _choose_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Etiketten opslaan"), "etiketten.pdf", "PDF (*.pdf)"
        )
        if name:
            self.save_pdf(Path(name))

    def _choose_printer(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        sheet = get_layout(self.layout_name())
        setup_printer(printer, sheet.page_w, sheet.page_h)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def save_pdf(self, out: Path) -> None:
        layout, skip, items = self.layout_name(), self.skip_spin.value(), list(self._items)
        self._start(lambda progress: write_labels_pdf(items, layout, out, skip, progress), str(out))

    def print_to(self, printer: QPrinter) -> None:
        sheet = get_layout(self.layout_name())
        setup_printer(printer, sheet.page_w, sheet.page_h)
        pages = list(label_pages(self._items, sheet, self.skip_spin.value()))
        total = len(self._items)
        self._start(
            lambda progress: paint_pages(printer, pages, sheet.page_h * MM, total, progress), "printer"
        )

    def _start(self, work: Callable[[Progress], None], result: str) -> None:
        self.progress_dialog = QProgressDialog(
            _("Etiketten maken…"), _("Annuleren"), 0, len(self._items), self
        )
        self.progress_dialog.setWindowTitle(_("Etiketten afdrukken"))
        self.progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress_dialog.setMinimumDuration(300)
        self.progress_dialog.canceled.connect(self.cancel_job)
        self._set_busy(True)
        self.job = _Job(work)
        self.job.operation = run_operation(
            self.job,
            on_success=lambda _none: self._finished(result),
            on_failure=self._failed,
            on_progress=lambda done, total, _text: self._progress(done, total),
            on_cancelled=self._cancelled,
            pool=self._pool,
            parent=self,
            what="label printing",
            unexpected_text=_printing_failed_text,
        )

    def cancel_job(self) -> None:
        if self.job is not None and self.job.operation is not None:
            self.job.operation.cancel()

    def is_busy(self) -> bool:
        return self._pool.activeThreadCount() > 0

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.pdf_button, self.print_button, self.layout_combo, self.skip_spin):
            widget.setEnabled(not busy)
        if not busy:
            self._layout_changed()

    def _progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setMaximum(total)
            self.progress_dialog.setValue(done)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.cancel_job)
            self.progress_dialog.reset()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self._set_busy(False)

    def _finished(self, target: str) -> None:
        self._close_progress()
        self.message.setText(_("Klaar: {target}").format(target=target))
        self.printed.emit(target)

    def _failed(self, message: str) -> None:
        self._close_progress()
        self.message.setText(message)
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._close_progress()
        self.message.setText(_("Geannuleerd: er is niets opgeslagen."))
        self.cancelled.emit()

    def wait_for_job(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)

    def reject(self) -> None:
        self.cancel_job()
        self._pool.waitForDone(30000)
        super().reject()


# -- member cards ---------------------------------------------------------------------------------


class CardPrintDialog(QDialog):
    """Print member cards: A4 sheet of 10 or one per page (card printer); PDF or printer."""

    printed = Signal(str)
    failed = Signal(str)

    def __init__(self, printing: PrintService, cards: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Lidkaart afdrukken"))
        self._items: list[CardItem] = printing.card_items(cards)
        self.per_page = QCheckBox(_("Eén kaart per pagina (kaartprinter)"), self)
        self.message = QLabel(self)
        self.pdf_button = QPushButton(_("Opslaan als &PDF…"), self)
        self.print_button = QPushButton(_("&Afdrukken…"), self)
        close = QPushButton(_("&Sluiten"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.pdf_button, self.print_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(", ".join(f"{i.name} ({i.card_number})" for i in self._items), self))
        layout.addWidget(self.per_page)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.print_button.clicked.connect(self._choose_printer)
        close.clicked.connect(self.reject)
        fit_dialog(self)

    def _choose_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Lidkaarten opslaan"), "lidkaart.pdf", "PDF (*.pdf)"
        )
        if name:
            self.save_pdf(Path(name))

    def _choose_printer(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def save_pdf(self, out: Path) -> bool:
        try:
            write_cards_pdf(self._items, out, per_page=self.per_page.isChecked())
        except UserError as exc:
            self.message.setText(exc.message)
            self.failed.emit(exc.message)
            return False
        self.message.setText(_("Klaar: {target}").format(target=out))
        self.printed.emit(str(out))
        return True

    def print_to(self, printer: QPrinter) -> None:
        per_page = self.per_page.isChecked()
        w, h = (CARD_W, CARD_H) if per_page else A4
        setup_printer(printer, w, h)
        paint_pages(printer, list(card_pages(self._items, per_page)), h * MM, len(self._items))
        self.printed.emit("printer")
