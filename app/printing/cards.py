"""Member cards, credit-card size (85.6 × 54 mm): card number as Code 128, name, digibank, contact.

On A4 (10 per sheet, 2 × 5, with thin cut lines) or one card per page for card printers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.i18n import _
from app.printing import barcode
from app.printing.barcode import MM, Placed
from app.printing.labels import TextRun, draw_text
from app.printing.layouts import A4
from app.printing.pdf import FONT, FONT_BOLD, atomic_output, fit_text

log = logging.getLogger(__name__)

CARD_W, CARD_H = 85.6, 54.0
SHEET_COLUMNS, SHEET_ROWS = 2, 5
SHEET_LEFT = (A4[0] - SHEET_COLUMNS * CARD_W) / 2
SHEET_TOP = (A4[1] - SHEET_ROWS * CARD_H) / 2
PER_SHEET = SHEET_COLUMNS * SHEET_ROWS


@dataclass(frozen=True)
class CardItem:
    card_number: str
    name: str
    digibank_name: str
    contact: str  # address / phone / e-mail of the digibank, one line


@dataclass(frozen=True)
class CardDrawing:
    x: float
    y: float
    bars: Placed
    texts: tuple[TextRun, ...]
    cut_lines: bool


def compose_card(item: CardItem, x0: float, y0: float, cut_lines: bool) -> CardDrawing:
    w, h = CARD_W * MM, CARD_H * MM
    pad = 5 * MM
    inner = w - 2 * pad
    texts: list[TextRun] = []
    name, size = fit_text(item.digibank_name, FONT_BOLD, 11, inner * 0.68, 7)
    texts.append(TextRun(x0 + pad, y0 + h - 9 * MM, name, FONT_BOLD, size, centred=False))
    word, wsize = fit_text(_("Lidkaart"), FONT, 8, inner * 0.3, 6)
    texts.append(
        TextRun(x0 + w - pad - stringWidth(word, FONT, wsize), y0 + h - 9 * MM, word, FONT, wsize, False)
    )
    person, psize = fit_text(item.name, FONT_BOLD, 13, inner, 8)
    texts.append(TextRun(x0 + pad, y0 + h - 18 * MM, person, FONT_BOLD, psize, centred=False))
    contact, csize = fit_text(item.contact, FONT, 7, inner, 5.5)
    texts.append(TextRun(x0 + pad, y0 + h - 24 * MM, contact, FONT, csize, centred=False))
    number, nsize = fit_text(item.card_number, FONT_BOLD, 9, inner, 6)
    texts.append(TextRun(x0 + w / 2, y0 + 3.6 * MM, number, FONT_BOLD, nsize))
    bars = barcode.place(item.card_number, x0 + w / 2, y0 + 8 * MM, w - 4 * MM, 12 * MM)
    return CardDrawing(x0, y0, bars, tuple(texts), cut_lines)


def card_pages(items: Sequence[CardItem], per_page: bool) -> Iterator[list[CardDrawing]]:
    if per_page:
        for item in items:
            yield [compose_card(item, 0, 0, cut_lines=False)]
        return
    for start in range(0, len(items), PER_SHEET):
        page = []
        for slot, item in enumerate(items[start : start + PER_SHEET]):
            row, col = divmod(slot, SHEET_COLUMNS)
            x = (SHEET_LEFT + col * CARD_W) * MM
            y = (A4[1] - SHEET_TOP - (row + 1) * CARD_H) * MM
            page.append(compose_card(item, x, y, cut_lines=True))
        yield page


def draw_card(canvas: Canvas, card: CardDrawing) -> None:
    if card.cut_lines:
        canvas.saveState()
        canvas.setStrokeGray(0.75)
        canvas.setLineWidth(0.3)
        canvas.roundRect(card.x, card.y, CARD_W * MM, CARD_H * MM, 3 * MM, stroke=1, fill=0)
        canvas.restoreState()
    barcode.draw(canvas, card.bars)
    for run in card.texts:
        draw_text(canvas, run)


def write_cards_pdf(items: Sequence[CardItem], out: Path, per_page: bool = False) -> None:
    for item in items:
        barcode.encode(item.card_number)
    size = (CARD_W * MM, CARD_H * MM) if per_page else (A4[0] * MM, A4[1] * MM)
    with atomic_output(out) as tmp:
        canvas = Canvas(str(tmp), pagesize=size, pageCompression=1)
        canvas.setTitle(_("Lidkaarten"))
        for page in card_pages(items, per_page):
            for card in page:
                draw_card(canvas, card)
            canvas.showPage()
        canvas.save()
    log.info("%d cards -> %s", len(items), out)
