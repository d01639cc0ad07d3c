"""Label geometry: one entry per sheet or roll, so adding a layout is one line.

All sizes are millimetres. A sheet layout places `columns × rows` labels on a
page starting at (`left`, `top`) with the given pitches (label size + gap); a
roll layout is one label per page, the page being the label itself.

A roll layout carries its printer's resolution (`dpi`): thermal printers print whole dots only,
so the bars are laid out on that printer's dot grid (Brother QL and DYMO LabelWriter 300 dpi,
Zebra desktop printers 203 or 300 dpi, per the manufacturers' data sheets). A4 sheets go to any
office printer (`dpi` None), 600 dpi or more, where no coarse grid has to be met; their bars keep
the 1/203-inch grid they always had, which gives the smallest sheet label (L7651, 38 mm) a
0.25 mm module where a 1/300-inch grid would drop it to 0.17 mm.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import UserError
from app.i18n import _

A4 = (210.0, 297.0)
SHEET_GRID_DPI = 203


@dataclass(frozen=True)
class LabelLayout:
    name: str
    description: str
    page_w: float
    page_h: float
    label_w: float
    label_h: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    roll: bool = False
    dpi: int | None = None  # the printer's resolution; None: any office printer (A4 sheets)
    printer: str = ""  # "brother", "dymo", "zebra" for roll printers

    @property
    def grid_dpi(self) -> int:
        """The dot grid the bars are laid out on."""
        return self.dpi or SHEET_GRID_DPI

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner (mm, PDF orientation) of label `slot` on its page, row by row."""
        row, col = divmod(slot, self.columns)
        x = self.left + col * self.pitch_x
        y = self.page_h - self.top - row * self.pitch_y - self.label_h
        return x, y


def _sheet(
    name: str,
    description: str,
    cols: int,
    rows: int,
    w: float,
    h: float,
    left: float,
    top: float,
    pitch_x: float,
    pitch_y: float,
) -> LabelLayout:
    return LabelLayout(name, description, *A4, w, h, cols, rows, left, top, pitch_x, pitch_y)


def _roll(name: str, description: str, w: float, h: float, dpi: int, printer: str) -> LabelLayout:
    return LabelLayout(name, description, w, h, w, h, roll=True, dpi=dpi, printer=printer)


# Sheet margins follow the manufacturers' templates (label pitch includes the gap).
LAYOUTS: dict[str, LabelLayout] = {
    layout.name.upper(): layout
    for layout in (
        _sheet("L7160", "Avery L7160, A4 3×7, 63,5×38,1 mm", 3, 7, 63.5, 38.1, 7.21, 15.15, 66.04, 38.1),
        _sheet("L7159", "Avery L7159, A4 3×8, 63,5×33,9 mm", 3, 8, 63.5, 33.9, 7.25, 12.9, 66.0, 33.9),
        _sheet("L7651", "Avery L7651, A4 5×13, 38,1×21,2 mm", 5, 13, 38.1, 21.2, 4.75, 10.7, 40.6, 21.2),
        _roll("DK-11209", "Brother DK-11209, rol 62×29 mm", 62.0, 29.0, 300, "brother"),
        _roll(
            "DK-22205",
            "Brother DK-22205, doorlopende rol 62 mm (etiket 62×29 mm)",
            62.0,
            29.0,
            300,
            "brother",
        ),
        _roll("DYMO-99012", "DYMO 99012, rol 89×36 mm", 89.0, 36.0, 300, "dymo"),
        _roll("ZEBRA-57x32", "Zebra, rol 57×32 mm (203 dpi)", 57.0, 32.0, 203, "zebra"),
        _roll("ZEBRA-57x32-300", "Zebra, rol 57×32 mm (300 dpi)", 57.0, 32.0, 300, "zebra"),
    )
}

DEFAULT_ZPL_LAYOUT = "ZEBRA-57x32"


def layout_names() -> list[str]:
    return [layout.name for layout in LAYOUTS.values()]


def get_layout(name: str) -> LabelLayout:
    layout = LAYOUTS.get((name or "").strip().upper())
    if layout is None:
        raise UserError(
            _("Onbekende etiketindeling '{name}'. Kies uit: {choices}.").format(
                name=name, choices=", ".join(layout_names())
            )
        )
    return layout


def check_skip(layout: LabelLayout, skip: int) -> None:
    """--skip N starts on a partly used sheet; it must leave at least one free label."""
    if skip < 0 or skip >= layout.per_sheet:
        if layout.roll:
            raise UserError(
                _("Indeling {name} is een rol: --skip kan daar niet (gebruik 0).").format(name=layout.name)
            )
        raise UserError(
            _("Op een vel {name} staan {count} etiketten: --skip moet tussen 0 en {last} liggen.").format(
                name=layout.name, count=layout.per_sheet, last=layout.per_sheet - 1
            )
        )
