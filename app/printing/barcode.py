"""Code 128 as vector rectangles: python-barcode gives the module pattern, we draw the bars.

Thermal label printers print whole dots: 203 dpi (8 dots/mm) or 300 dpi (11.8 dots/mm)
depending on the printer (app/printing/layouts.py says which). A bar that is a whole
number of printer dots prints sharp; a bar of 2.4 dots prints as 2 or 3 dots and the
symbol may not scan. So the module (narrowest bar) is chosen as the widest whole number
of that printer's dots, up to about 0.38 mm, that fits the space, and the symbol's left
edge is put on the dot grid. Only when even 1 dot does not fit (an unusually long code on
a tiny label) do we fall back to a fractional width.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from barcode.codex import Code128
from barcode.errors import IllegalCharacterError

from app.errors import UserError
from app.i18n import _

MM = 72.0 / 25.4  # points per millimetre
PRINTER_DPI = 203  # the default grid (Zebra desktop printers; membership cards)
DOT = 72.0 / PRINTER_DPI  # one 203-dpi printer dot, in points
QUIET_MODULES = 10  # ISO/IEC 15417: at least 10 modules of white on each side
MAX_MODULE_MM = 0.38  # 3 dots at 203 dpi, 4 at 300


def dot(dpi: int) -> float:
    """One printer dot at `dpi`, in points."""
    return 72.0 / dpi


def max_module_dots(dpi: int) -> int:
    return max(1, int(MAX_MODULE_MM * dpi / 25.4))


@dataclass(frozen=True)
class Symbol:
    """A Code 128 symbol: runs of dark modules as (first module, width in modules)."""

    value: str
    modules: int  # without quiet zones
    runs: tuple[tuple[int, int], ...]

    @property
    def total_modules(self) -> int:
        return self.modules + 2 * QUIET_MODULES


class _NoWriter:
    """Code128 makes an SVG writer per symbol unless given one; only its bar pattern is used
    here (a writer per symbol was a fifth of the encoding time of 5,000 labels)."""


_NO_WRITER = _NoWriter()


# Larger than any sheet run: write_labels_pdf encodes every tag twice (check, then draw), and
# an LRU cache smaller than the run misses every time (5,000 labels: 10,000 encodings).
@lru_cache(maxsize=65536)
def encode(value: str) -> Symbol:
    try:
        pattern = Code128(value, writer=_NO_WRITER).build()[0]
    except (IllegalCharacterError, KeyError, RuntimeError, ValueError) as exc:
        raise UserError(
            _("'{value}' kan niet als streepjescode gedrukt worden: {reason}.").format(
                value=value, reason=exc
            )
        ) from None
    runs: list[tuple[int, int]] = []
    start = -1
    for i, bit in enumerate(pattern):
        if bit == "1" and start < 0:
            start = i
        elif bit == "0" and start >= 0:
            runs.append((start, i - start))
            start = -1
    if start >= 0:
        runs.append((start, len(pattern) - start))
    return Symbol(value, len(pattern), tuple(runs))


def module_width(
    symbol: Symbol, available: float, max_dots: int | None = None, dpi: int = PRINTER_DPI
) -> float:
    """Widest whole-dot module (points) that fits `available` points, quiet zones included."""
    step = dot(dpi)
    for dots in range(max_dots or max_module_dots(dpi), 0, -1):
        if symbol.total_modules * dots * step <= available:
            return dots * step
    return available / symbol.total_modules


def snap(x: float, dpi: int = PRINTER_DPI) -> float:
    """Put x on the printer's dot grid (relative to the page origin)."""
    step = dot(dpi)
    return round(x / step) * step


@dataclass(frozen=True)
class Placed:
    """Where a symbol lands: bars as absolute (x, width) in points, between y and y + height."""

    x: float  # left edge of the left quiet zone
    y: float
    height: float
    module: float
    bars: tuple[tuple[float, float], ...]

    @property
    def width(self) -> float:
        return (self.bars[-1][0] + self.bars[-1][1] - self.bars[0][0]) + 2 * QUIET_MODULES * self.module


def place(
    value: str,
    centre_x: float,
    y: float,
    available: float,
    height: float,
    max_dots: int | None = None,
    dpi: int = PRINTER_DPI,
) -> Placed:
    """Centre the symbol (with its quiet zones) on centre_x within `available` points, on the
    dot grid of a `dpi` printer."""
    symbol = encode(value)
    module = module_width(symbol, available, max_dots, dpi)
    left = snap(centre_x - symbol.total_modules * module / 2, dpi)
    first = left + QUIET_MODULES * module
    bars = tuple((first + start * module, width * module) for start, width in symbol.runs)
    return Placed(left, y, height, module, bars)


def draw(canvas: object, placed: Placed) -> None:
    """Draw the bars as one filled path (far faster than one rect() call per bar).

    The path's operators are written here: reportlab's path object formats every number
    with its pure-Python `fp_str`, which was half the time of a sheet of labels (profiled
    with pyinstrument, issue 13). Three decimals of a point (1/24000 inch) are far below
    one printer dot; the bars are snapped to dots already."""
    y, h = placed.y, placed.height
    ops = " ".join(f"{x:.3f} {y:.3f} {w:.3f} {h:.3f} re" for x, w in placed.bars)
    # Fill, no stroke: what drawPath(path, stroke=0, fill=1) wrote.
    canvas.addLiteral(f"{ops} f")  # type: ignore[attr-defined]
