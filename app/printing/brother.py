"""Direct printing to a Brother QL label printer: its raster protocol, no driver.

The label is composed exactly as for the PDF (app/printing/labels.py), into the printer's
printable area, and painted dot for dot at 300 dpi: the bars are already whole printer dots
(the layout's dpi), so every bar edge lands on a pixel edge with no resampling. The image goes
through the `brother_ql` package (the maintained fork `brother-ql-next`, same import name),
which writes the QL raster instructions (invalidate, initialise, media, raster rows, print).

Two media: DK-11209 (62×29 mm die-cut; brother_ql label "62x29", printable 696×271 dots) and
DK-22205 (62 mm endless; label "62", printable width 696 dots, the length is ours). The
instructions go to the printer's raw port over the network (tcp://HOST:9100, or HOST[:PORT]) or
into a USB printer device file (/dev/usb/lp0 on Linux, file:///dev/usb/lp0).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.i18n import _
from app.printing import pdf, zpl
from app.printing.labels import LabelDrawing, LabelItem, compose_label
from app.printing.layouts import LabelLayout, get_layout

log = logging.getLogger(__name__)

DPI = 300
DEFAULT_MODEL = "QL-820NWB"
DEFAULT_LAYOUT = "DK-11209"
# Our layout name → brother_ql's label identifier.
MEDIA = {"DK-11209": "62x29", "DK-22205": "62"}


def brother_layout(name: str | None) -> LabelLayout:
    layout = get_layout(name or DEFAULT_LAYOUT)
    if layout.name.upper() not in MEDIA:
        raise UserError(
            _("Indeling {name} is geen Brother QL-rol. Kies uit: {choices}.").format(
                name=layout.name, choices=", ".join(MEDIA)
            )
        )
    return layout


def printable_dots(layout: LabelLayout) -> tuple[int, int]:
    """(across, along) the tape in dots: the die-cut label's printable area as Brother gives it,
    or for endless tape the printable width and the layout's length."""
    from brother_ql.labels import LabelsManager

    spec = LabelsManager()[MEDIA[layout.name.upper()]]
    across, along = spec.dots_printable
    if not along:
        along = round(layout.label_h * DPI / 25.4)
    return int(across), int(along)


def _printable_layout(layout: LabelLayout) -> LabelLayout:
    """The layout shrunk to the printable area, so margins, texts and bars fit what prints."""
    across, along = printable_dots(layout)
    w, h = across * 25.4 / DPI, along * 25.4 / DPI
    return dataclasses.replace(layout, page_w=w, page_h=h, label_w=w, label_h=h)


@cache
def _font_file(bold: bool) -> str | None:
    for regular, bold_file in pdf._FONT_CANDIDATES:
        path = bold_file if bold else regular
        if Path(path).is_file():
            return path
    return None


def _font(name: str, size_px: int) -> Any:
    from PIL import ImageFont

    path = _font_file(name == pdf.FONT_BOLD)
    if path is None:
        return ImageFont.load_default(size_px)
    return ImageFont.truetype(path, size_px)


def paint(drawing: LabelDrawing, width: int, height: int, dpi: int = DPI) -> Any:
    """The drawing (points, y up, origin at the label's corner) as a white 'L' image of
    width × height printer dots."""
    from PIL import Image, ImageDraw

    scale = dpi / 72.0
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    bars = drawing.bars
    top = height - round((bars.y + bars.height) * scale)
    bottom = height - round(bars.y * scale) - 1
    for x, w in bars.bars:
        # Whole dots already (the layout's grid): rounding only removes float noise.
        draw.rectangle((round(x * scale), top, round((x + w) * scale) - 1, bottom), fill=0)
    for run in drawing.texts:
        font = _font(run.font, max(1, round(run.size * scale)))
        anchor = "ms" if run.centred else "ls"  # middle or left, on the baseline
        draw.text((run.x * scale, height - run.y * scale), run.text, font=font, fill=0, anchor=anchor)
    return image


def label_image(item: LabelItem, layout: LabelLayout) -> Any:
    """One label as the printer's dots: a Brother roll's printable area at 300 dpi, or any other
    roll layout (DYMO, Zebra) whole at its printer's dpi."""
    if layout.name.upper() in MEDIA:
        across, along = printable_dots(layout)
        return paint(compose_label(item, _printable_layout(layout), 0.0, 0.0), across, along)
    if not layout.roll or layout.dpi is None:
        raise UserError(_("Indeling {name} is geen rol voor een labelprinter.").format(name=layout.name))
    width, height = round(layout.label_w * layout.dpi / 25.4), round(layout.label_h * layout.dpi / 25.4)
    return paint(compose_label(item, layout, 0.0, 0.0), width, height, layout.dpi)


def raster(items: Sequence[LabelItem], layout: str | None = None, model: str = DEFAULT_MODEL) -> bytes:
    """QL raster instructions for these labels (one label each, cut after each)."""
    from brother_ql.conversion import convert
    from brother_ql.models import ModelsManager
    from brother_ql.raster import BrotherQLRaster

    roll = brother_layout(layout)
    if model not in {m.identifier for m in ModelsManager().iter_elements()}:
        raise UserError(_("Onbekend Brother-model '{model}', bv. QL-820NWB of QL-710W.").format(model=model))
    images = [label_image(item, roll) for item in items]
    qlr = BrotherQLRaster(model)
    qlr.exception_on_warning = True
    convert(
        qlr,
        images,
        MEDIA[roll.name.upper()],
        rotate=0,
        threshold=50,
        dither=False,
        compress=True,
        red=False,
        dpi_600=False,
        hq=True,
        cut=True,
    )
    return bytes(qlr.data)


def _device_path(target: str) -> Path | None:
    text = target.strip()
    if text.startswith("file://"):
        return Path(text[len("file://") :])
    if text.startswith("/") or text.startswith("\\\\") or (len(text) > 1 and text[1] == ":"):
        return Path(text)
    return None


def send(data: bytes, target: str, timeout: float = 10.0) -> str:
    """Send raster instructions to a network printer or a USB printer device file; returns
    the target as shown to people."""
    device = _device_path(target)
    if device is not None:
        try:
            # Opened for writing only and never created: a mistyped /dev/usb/lp9 must not become
            # a file that silently swallows the labels.
            fd = os.open(device, os.O_WRONLY)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        except OSError as exc:
            raise UserError(
                _("De printer {device} kon niet beschreven worden ({reason}): is hij aangesloten?").format(
                    device=device, reason=exc.strerror or exc
                )
            ) from None
        log.info("sent %d bytes of Brother raster to %s", len(data), device)
        return str(device)
    address = target.strip()
    if address.startswith("tcp://"):
        address = address[len("tcp://") :]
    host, port = zpl.parse_host(address)
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise UserError(
            _(
                "De printer op {host}:{port} is niet bereikbaar ({reason}): staat hij aan en in het netwerk?"
            ).format(host=host, port=port, reason=exc.strerror or exc)
        ) from None
    log.info("sent %d bytes of Brother raster to %s:%d", len(data), host, port)
    return f"{host}:{port}"
