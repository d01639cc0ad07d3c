"""Labels at each printer's real resolution: whole printer dots, and ZPL the same size at 203 and 300 dpi."""

from __future__ import annotations

import re

import pytest

from app.printing import zpl
from app.printing.barcode import MM
from app.printing.labels import LabelItem, label_pages
from app.printing.layouts import LAYOUTS

# What each layout's printer prints at (the manufacturers' data sheets): Brother QL and DYMO
# LabelWriter 300 dpi, Zebra desktop printers 203 or 300 dpi.
PRINTER_DPI = {
    "DK-11209": 300,
    "DK-22205": 300,
    "DYMO-99012": 300,
    "ZEBRA-57X32": 203,
    "ZEBRA-57X32-300": 300,
}

ITEM = LabelItem("KRT-000123", "Lenovo ThinkPad T480", "Eigendom van Digibank Kortrijk", "Digibank Kortrijk")


@pytest.mark.parametrize("name", sorted(PRINTER_DPI))
def test_roll_layouts_carry_their_printers_dpi(name):
    assert LAYOUTS[name].dpi == PRINTER_DPI[name]


@pytest.mark.parametrize("name", sorted(PRINTER_DPI))
def test_bars_are_whole_dots_of_the_printer(name):
    layout = LAYOUTS[name]
    dpi = PRINTER_DPI[name]
    dot = 72.0 / dpi
    (drawing,) = next(label_pages([ITEM], layout))
    modules = drawing.bars.module / dot
    assert abs(modules - round(modules)) < 1e-6, f"module is {modules:.3f} dots at {dpi} dpi"
    # Every bar edge on the printer's dot grid (the label's corner is dot 0), not only the widths.
    for x, w in drawing.bars.bars:
        for edge in (x / dot, (x + w) / dot):
            assert abs(edge - round(edge)) < 1e-6, f"bar edge at {edge:.3f} dots"
    # Still scannable: a module of at least 0.25 mm (X dimension of common thermal-label practice).
    assert drawing.bars.module >= 0.25 * MM - 1e-9


def test_a4_sheets_are_for_any_office_printer():
    for layout in LAYOUTS.values():
        if not layout.roll:
            assert layout.dpi is None


def _zpl_geometry(text: str) -> dict[str, int]:
    values = {
        "pw": int(re.search(r"\^PW(\d+)", text).group(1)),
        "ll": int(re.search(r"\^LL(\d+)", text).group(1)),
        "module": int(re.search(r"\^BY(\d+)", text).group(1)),
        "bar_height": int(re.search(r"\^BCN,(\d+)", text).group(1)),
        "tag_font": int(re.findall(r"\^A0N,(\d+)", text)[1]),
    }
    return values


def test_300_dpi_zpl_label_has_the_same_physical_size_as_203():
    at_203 = _zpl_geometry(zpl.labels_zpl([ITEM], "ZEBRA-57x32"))
    at_300 = _zpl_geometry(zpl.labels_zpl([ITEM], "ZEBRA-57x32-300"))
    assert (at_203["pw"], at_203["ll"]) == (456, 256)  # 57 × 32 mm at 8 dots/mm
    assert (at_300["pw"], at_300["ll"]) == (673, 378)  # 57 × 32 mm at 11.8 dots/mm
    for key in ("pw", "ll", "bar_height", "tag_font"):
        mm_203 = at_203[key] / 203 * 25.4
        mm_300 = at_300[key] / 300 * 25.4
        assert abs(mm_203 - mm_300) <= 25.4 / 203, f"{key}: {mm_203:.2f} mm vs {mm_300:.2f} mm"
    # The narrow bar as close as whole dots allow: 2 dots at 203 (0.250 mm), 3 at 300 (0.254 mm).
    assert (at_203["module"], at_300["module"]) == (2, 3)
