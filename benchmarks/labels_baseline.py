"""The baseline of the labels row (benchmarks/rows_whole.py): plain reportlab, nothing of ours.

    python -m benchmarks.labels_baseline COUNT OUT.pdf

Asset labels on an A4 sheet of 3 × 8 (Avery L7159, 63.5 × 33.9 mm): a Code 128 of the tag
(`Code128(...).drawOn`) and three lines of text, as our labels carry. Timed by the parent as a
whole process, like `digibank labels`.
"""

from __future__ import annotations

import sys

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

COLS, ROWS, W, H = 3, 8, 63.5 * mm, 33.9 * mm
LEFT, TOP = 7.2 * mm, 12.9 * mm


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    per_page = COLS * ROWS
    for i in range(count):
        if i and i % per_page == 0:
            canvas.showPage()
        slot = i % per_page
        x = LEFT + (slot % COLS) * W
        y = A4[1] - TOP - (slot // COLS + 1) * H
        tag = f"KRT-{i + 1:06d}"
        symbol = Code128(tag, barWidth=0.3 * mm, barHeight=10 * mm, humanReadable=False, quiet=True)
        symbol.drawOn(canvas, x + (W - symbol.width) / 2, y + 15 * mm)
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(x + W / 2, y + 10 * mm, tag)
        canvas.setFont("Helvetica", 6.5)
        canvas.drawCentredString(x + W / 2, y + 6 * mm, "Lenovo ThinkPad T480")
        canvas.drawCentredString(x + W / 2, y + 3 * mm, "Eigendom van Digibank Kortrijk")
    canvas.showPage()
    canvas.save()


if __name__ == "__main__":
    main()
