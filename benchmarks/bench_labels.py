"""1,000 asset labels to PDF: our vector Code 128 vs reportlab's own Code128(...).drawOn.

Both render the same sheet (Avery L7159 by default, 42 pages) with the same text
layout; only the barcode drawing differs. Run:

    python -m benchmarks.bench_labels [--count 1000] [--layout L7159] [--repeat 3]

With `--only ours|reportlab --out FILE` it renders once with one method and exits: the
whole-process comparison of benchmarks/rows_whole.py times such a process from start to exit.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfgen.canvas import Canvas

from app.printing import barcode
from app.printing.barcode import MM, Placed
from app.printing.labels import LabelItem, draw_text, label_pages, write_labels_pdf
from app.printing.layouts import get_layout


def make_items(count: int) -> list[LabelItem]:
    return [
        LabelItem(
            f"KRT-{i:06d}", "Lenovo ThinkPad T480", "Eigendom van Digibank Kortrijk", "Digibank Kortrijk"
        )
        for i in range(1, count + 1)
    ]


def ours(items: list[LabelItem], layout: str, out: Path) -> float:
    barcode.encode.cache_clear()  # no help from an earlier run
    start = time.perf_counter()
    write_labels_pdf(items, layout, out)
    return time.perf_counter() - start


def reportlab_code128(items: list[LabelItem], layout: str, out: Path) -> float:
    sheet = get_layout(layout)
    # Same module width as ours (all tags have the same length here).
    module = barcode.place(items[0].tag, 0, 0, (sheet.label_w - 2) * MM, 10).module

    def box_only(value: str, centre_x: float, y: float, available: float, height: float) -> Placed:
        return Placed(centre_x, y, height, module, ())

    start = time.perf_counter()
    canvas = Canvas(str(out), pagesize=(sheet.page_w * MM, sheet.page_h * MM), pageCompression=1)
    pages = label_pages(items, sheet, 0, placer=box_only)
    index = 0
    for page in pages:
        for drawing in page:
            bars = drawing.bars
            symbol = Code128(
                items[index].tag, barWidth=module, barHeight=bars.height, humanReadable=False, quiet=True
            )
            symbol.drawOn(canvas, bars.x - symbol.width / 2, bars.y)
            for run in drawing.texts:
                draw_text(canvas, run)
            index += 1
        canvas.showPage()
    canvas.save()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--layout", default="L7159")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("ours", "reportlab"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    items = make_items(args.count)
    if args.only:
        out = args.out or Path(tempfile.mkdtemp()) / "labels.pdf"
        (ours if args.only == "ours" else reportlab_code128)(items, args.layout, out)
        return
    with tempfile.TemporaryDirectory() as folder:
        a, b = Path(folder) / "ours.pdf", Path(folder) / "reportlab.pdf"
        ours_t = min(ours(items, args.layout, a) for _ in range(args.repeat))
        rl_t = min(reportlab_code128(items, args.layout, b) for _ in range(args.repeat))
        print(f"{args.count} labels on {args.layout} ({args.repeat} runs, best):")
        print(
            f"  ours (python-barcode pattern as vector path): {ours_t:.3f} s, {a.stat().st_size // 1024} KB"
        )
        print(f"  reportlab Code128(...).drawOn:                {rl_t:.3f} s, {b.stat().st_size // 1024} KB")
        print(f"  ratio ours / reportlab: {ours_t / rl_t:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
