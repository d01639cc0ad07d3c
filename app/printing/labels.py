"""Asset labels: tag as Code 128 with the tag in words, brand/model, owner and digibank.

A label is first composed into a few drawing primitives (bars and text runs, in
points, PDF orientation: y grows upwards). The PDF writer draws them with
reportlab; the window's print path paints the same primitives on a QPrinter,
so paper and PDF always look alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from app.printing import barcode
from app.printing.barcode import MM, Placed
from app.printing.layouts import LabelLayout, check_skip, get_layout
from app.printing.pdf import atomic_output, fit_text, fonts_for

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LabelItem:
    tag: str
    title: str  # brand + model
    owner_line: str  # "Eigendom van …"
    digibank_name: str


@dataclass(frozen=True)
class TextRun:
    x: float
    y: float  # baseline
    text: str
    font: str
    size: float
    centred: bool = True


@dataclass(frozen=True)
class LabelDrawing:
    bars: Placed
    texts: tuple[TextRun, ...]


BarcodePlacer = Callable[[str, float, float, float, float], Placed]


def _placer_for(layout: LabelLayout) -> BarcodePlacer:
    """Bars on the dot grid of the layout's printer (see app/printing/layouts.py)."""
    dpi = layout.grid_dpi

    def place(value: str, centre_x: float, y: float, available: float, height: float) -> Placed:
        return barcode.place(value, centre_x, y, available, height, dpi=dpi)

    return place


def _texts(item: LabelItem) -> tuple[str, ...]:
    return (item.tag, item.title, item.owner_line, item.digibank_name)


def compose_label(
    item: LabelItem,
    layout: LabelLayout,
    x0: float,
    y0: float,
    placer: BarcodePlacer | None = None,
    fonts: tuple[str, str] | None = None,
) -> LabelDrawing:
    """Lay out one label whose bottom-left corner is (x0, y0) in points. `fonts`: the
    (regular, bold) pair of the whole document (`fonts_for`), else this label's own."""
    placer = placer or _placer_for(layout)
    regular, bold = fonts or fonts_for(_texts(item))
    w, h = layout.label_w * MM, layout.label_h * MM
    h_mm = layout.label_h
    pad_x = 1.0 * MM
    pad_y = max(1.0, h_mm * 0.05) * MM
    small = min(8.0, max(5.5, h_mm * 0.24))
    big = min(11.0, max(6.8, h_mm * 0.32))
    gap = 0.5 * MM
    cx = x0 + w / 2
    inner = w - 2 * pad_x
    texts: list[TextRun] = []

    top = y0 + h - pad_y
    header = [item.owner_line]
    # The digibank's name only when it is not already in the owner line and the label is tall enough.
    if item.digibank_name and item.digibank_name not in item.owner_line and h_mm >= 30:
        header.insert(0, item.digibank_name)
    for i, line in enumerate(header):
        font = bold if i == 0 and len(header) > 1 else regular
        text, size = fit_text(line, font, small, inner, 4.5)
        top -= size
        texts.append(TextRun(cx, top, text, font, size))
        top -= size * 0.25

    bottom = y0 + pad_y
    title, title_size = fit_text(item.title, regular, small, inner, 4.5)
    texts.append(TextRun(cx, bottom + title_size * 0.25, title, regular, title_size))
    bottom += title_size * 1.2
    tag, tag_size = fit_text(item.tag, bold, big, inner, 5.0)
    texts.append(TextRun(cx, bottom + tag_size * 0.22, tag, bold, tag_size))
    bottom += tag_size * 1.15

    bar_y = bottom + gap
    bar_h = max(top - gap - bar_y, 4 * MM)
    bars = placer(item.tag, cx, bar_y, w - 2 * pad_x, bar_h)
    return LabelDrawing(bars, tuple(texts))


def label_pages(
    items: Sequence[LabelItem], layout: LabelLayout, skip: int = 0, placer: BarcodePlacer | None = None
) -> Iterator[list[LabelDrawing]]:
    """Labels grouped per page; the first page starts after `skip` used labels."""
    fonts = fonts_for(text for item in items for text in _texts(item))
    page: list[LabelDrawing] = []
    slot = skip
    for item in items:
        x, y = layout.origin(slot)
        page.append(compose_label(item, layout, x * MM, y * MM, placer, fonts))
        slot += 1
        if slot == layout.per_sheet:
            yield page
            page, slot = [], 0
    if page:
        yield page


def draw_text(canvas: Canvas, run: TextRun) -> None:
    canvas.setFont(run.font, run.size)
    if run.centred:
        canvas.drawCentredString(run.x, run.y, run.text)
    else:
        canvas.drawString(run.x, run.y, run.text)


def draw_label(canvas: Canvas, drawing: LabelDrawing) -> None:
    barcode.draw(canvas, drawing.bars)
    for run in drawing.texts:
        draw_text(canvas, run)


def write_labels_pdf(
    items: Sequence[LabelItem],
    layout: str,
    out: Path,
    skip: int = 0,
    progress: Progress | None = None,
) -> None:
    """Render the labels to `out` (written atomically). progress(done, total) after each label."""
    sheet = get_layout(layout)
    check_skip(sheet, skip)
    for item in items:
        barcode.encode(item.tag)  # refuse an unprintable tag before any file is touched
    total = len(items)
    done = 0
    with atomic_output(out) as tmp:
        canvas = Canvas(str(tmp), pagesize=(sheet.page_w * MM, sheet.page_h * MM), pageCompression=1)
        canvas.setTitle("Etiketten")
        for page in label_pages(items, sheet, skip):
            for drawing in page:
                draw_label(canvas, drawing)
                done += 1
                if progress is not None:
                    progress(done, total)
            canvas.showPage()
        canvas.save()
    log.info("%d labels (%s, skip %d) -> %s", total, sheet.name, skip, out)
