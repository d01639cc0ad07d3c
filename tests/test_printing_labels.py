"""Asset labels: every layout decodes with zbarimg to the right tags; geometry stays on the label."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.errors import UserError
from app.inventory import DeviceInput
from app.printing import barcode
from app.printing.barcode import MM, QUIET_MODULES
from app.printing.labels import LabelItem, label_pages, write_labels_pdf
from app.printing.layouts import LAYOUTS, get_layout
from app.printing.service import PrintService


def render(pdf: Path, dpi: int, folder: Path) -> list[Path]:
    prefix = folder / f"{pdf.stem}-{dpi}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return sorted(folder.glob(f"{pdf.stem}-{dpi}*.png"))


def decode_png(png: Path) -> list[str]:
    result = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
    return result.stdout.split()


def decode_pdf(pdf: Path, dpi: int, folder: Path) -> list[list[str]]:
    """Decoded values per page."""
    return [decode_png(png) for png in render(pdf, dpi, folder)]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def add_devices(ctx, count: int) -> list[str]:
    return [
        ctx.devices.add(DeviceInput("laptop", "Lenovo", f"ThinkPad T{480 + i % 3}", f"SN{i:04d}")).asset_tag
        for i in range(count)
    ]


def items(count: int) -> list[LabelItem]:
    return [
        LabelItem(f"KRT-{i:06d}", "Dell Latitude 5490", "Eigendom van Digibank Kortrijk", "Digibank Kortrijk")
        for i in range(1, count + 1)
    ]


def test_thirty_labels_with_skip_on_a4_decode_at_300_dpi(ctx, tmp_path):
    tags = add_devices(ctx, 30)
    out = tmp_path / "labels.pdf"
    PrintService(ctx.sessions, ctx.settings).labels_for_tags(tags, "L7160", out, skip=5)
    pages = decode_pdf(out, 300, tmp_path)
    assert [len(p) for p in pages] == [16, 14]  # 21 per sheet, the first 5 already used
    decoded = [v for page in pages for v in page]
    assert len(decoded) == 30
    assert set(decoded) == set(tags)
    text = pdf_text(out)
    for tag in tags:
        assert tag in text
    assert "Eigendom van Kortrijk balie" in text
    assert "Lenovo ThinkPad T48" in text


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_decodes_every_label(name, tmp_path):
    layout = LAYOUTS[name]
    out = tmp_path / f"{name}.pdf"
    labels = items(30)
    skip = 0 if layout.roll else 5
    write_labels_pdf(labels, name, out, skip=skip)
    dpi = layout.dpi or 300  # the printer's own resolution (sheets: a 300-dpi office printer)
    decoded = [v for page in decode_pdf(out, dpi, tmp_path) for v in page]
    assert sorted(decoded) == sorted(item.tag for item in labels)
    text = pdf_text(out)
    assert all(item.tag in text for item in labels)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_geometry_whole_dots_quiet_zones_and_no_overlap(name):
    layout = LAYOUTS[name]
    item = LabelItem(
        "KRT-000123",
        "Hewlett-Packard EliteBook 840 G5 met docking",
        "Eigendom van Stad Kortrijk",
        "Digibank Kortrijk",
    )
    (drawing,) = next(label_pages([item], layout))
    x0, y0 = (v * MM for v in layout.origin(0))
    w, h = layout.label_w * MM, layout.label_h * MM
    bars = drawing.bars
    # The module is a whole number of the printer's dots (the layout's grid) and at least 0.25 mm.
    dots = bars.module / (72.0 / layout.grid_dpi)
    assert abs(dots - round(dots)) < 1e-9 and bars.module >= 0.25 * MM - 1e-9
    quiet_left = bars.bars[0][0] - QUIET_MODULES * bars.module
    quiet_right = bars.bars[-1][0] + bars.bars[-1][1] + QUIET_MODULES * bars.module
    assert x0 <= quiet_left and quiet_right <= x0 + w
    assert y0 < bars.y and bars.y + bars.height < y0 + h
    assert bars.height >= 8 * MM
    for run in drawing.texts:
        width = stringWidth(run.text, run.font, run.size)
        assert x0 <= run.x - width / 2 and run.x + width / 2 <= x0 + w, run
        top, bottom = run.y + run.size * 0.75, run.y - run.size * 0.22  # cap height and descender
        assert y0 <= bottom and top <= y0 + h, run
        assert top <= bars.y or bottom >= bars.y + bars.height, f"text {run.text!r} overlaps the bars"


def test_module_width_falls_back_for_long_codes():
    long_symbol = barcode.encode("ABCDE-000123-EXTRA")
    width = barcode.module_width(long_symbol, 38.1 * MM - 2 * MM)
    assert width * long_symbol.total_modules <= 36.1 * MM + 1e-9


def test_unknown_layout_and_bad_skip_are_refused_without_a_file(tmp_path):
    out = tmp_path / "x.pdf"
    with pytest.raises(UserError, match="Onbekende etiketindeling"):
        write_labels_pdf(items(1), "L9999", out)
    with pytest.raises(UserError, match="tussen 0 en 20"):
        write_labels_pdf(items(1), "L7160", out, skip=21)
    with pytest.raises(UserError, match="rol"):
        write_labels_pdf(items(1), "DK-11209", out, skip=1)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_rendering_leaves_no_file_and_keeps_the_old_one(tmp_path):
    out = tmp_path / "labels.pdf"
    out.write_bytes(b"old")

    def boom(done: int, total: int) -> None:
        if done == 3:
            raise RuntimeError("printer fire")

    with pytest.raises(RuntimeError):
        write_labels_pdf(items(10), "L7160", out, progress=boom)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["labels.pdf"]


def test_progress_reports_every_label(tmp_path):
    seen: list[tuple[int, int]] = []
    write_labels_pdf(items(25), "l7160", tmp_path / "p.pdf", progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (1, 25) and seen[-1] == (25, 25) and len(seen) == 25
    assert get_layout("l7160").name == "L7160"


def test_owner_line_setting_and_scanned_tags(ctx, tmp_path):
    (tag,) = add_devices(ctx, 1)
    ctx.settings.owner_line = "Eigendom van Stad Kortrijk"
    printing = PrintService(ctx.sessions, ctx.settings)
    (item,) = printing.label_items([f" {tag.lower()} "])
    assert item.tag == tag and item.owner_line == "Eigendom van Stad Kortrijk"
    out = tmp_path / "own.pdf"
    printing.labels_for_tags([tag], None, out)  # None: the layout from the settings (L7160)
    text = pdf_text(out)
    assert "Eigendom van Stad Kortrijk" in text and "Kortrijk balie" in text
    with pytest.raises(UserError, match="KRT-000999"):
        printing.label_items([tag, "KRT-000999"])


def _fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def test_plain_labels_use_the_standard_font_and_embed_nothing(tmp_path):
    """Labels whose texts are all Western European letters need no embedded TrueType font:
    Helvetica is in every PDF reader and printer, and the window's print path paints
    Helvetica too. Loading and embedding DejaVu was a fifth of a 1,000-label run (issue 13)."""
    items = [
        LabelItem(f"KRT-{i:06d}", "Lenovo ThinkPad T480", "Eigendom van Digibank Kortrijk", "")
        for i in range(30)
    ]
    out = tmp_path / "plain.pdf"
    write_labels_pdf(items, "L7159", out)
    fonts = _fonts(out)
    assert "Helvetica" in fonts and "DejaVu" not in fonts and "DigibankSans" not in fonts
    assert "KRT-000029" in pdf_text(out)


def test_one_label_with_other_letters_puts_the_whole_sheet_in_the_unicode_font(tmp_path):
    """A Polish or Turkish owner line cannot be printed in Helvetica (black boxes): then every
    label of the document uses the Unicode font, so the sheet looks alike."""
    items = [
        LabelItem("KRT-000001", "Lenovo ThinkPad T480", "Eigendom van Digibank Kortrijk", ""),
        LabelItem("KRT-000002", "Dell Latitude", "Własność Łukasz Świątek", ""),
    ]
    out = tmp_path / "unicode.pdf"
    write_labels_pdf(items, "L7159", out)
    assert "DejaVu" in _fonts(out)
    assert "Łukasz" in pdf_text(out)
    (page,) = label_pages(items, get_layout("L7159"))
    assert {run.font for drawing in page for run in drawing.texts} <= {"DigibankSans", "DigibankSans-Bold"}


def test_importing_the_label_writer_loads_no_truetype_font():
    """The fonts are read when a document needs them, not when the module is imported."""
    import sys

    code = (
        "import app.printing.labels, app.printing.pdf as p\n"
        "from reportlab.pdfbase import pdfmetrics\n"
        "assert 'DigibankSans' not in pdfmetrics.getRegisteredFontNames(), 'loaded at import'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
