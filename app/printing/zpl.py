"""ZPL II for Zebra (and compatible) thermal printers: one ^XA…^XZ block per label.

Sizes are printer dots at the layout's printer resolution (203 dpi = 8 dots/mm, 300 dpi =
11.8 dots/mm): ZPL has no units, so the same numbers on a 300-dpi Zebra would print a label
two thirds the size; every size is worked out in millimetres first. The printer draws Code 128 itself
(^BC in automatic mode); we pick the module width (^BY) so that even the longest
possible encoding of the tag (every character in subset B) fits with its quiet
zones, and centre it.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.i18n import _
from app.printing.barcode import QUIET_MODULES, max_module_dots
from app.printing.labels import LabelItem
from app.printing.layouts import LabelLayout, get_layout
from app.printing.pdf import atomic_output

log = logging.getLogger(__name__)

DEFAULT_PORT = 9100


@dataclass(frozen=True)
class ZplGeometry:
    width: int  # ^PW
    length: int  # ^LL
    module: int  # ^BY narrow bar, dots
    bar_x: int
    bar_y: int
    bar_height: int
    pad: int  # 1 mm, the top text's position


def max_modules(value: str) -> int:
    """Upper bound of a Code 128 symbol's width in modules: start, data in subset B, check, stop."""
    return 11 * (len(value) + 2) + 13


def _escape(text: str) -> str:
    """Field data with ^FH_: the control characters ^ and ~ (and _ itself) as hex escapes."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in " ".join(text.split()))


def _dots(layout: LabelLayout, mm: float) -> int:
    return round(mm * (layout.dpi or 203) / 25.4)


def geometry(layout: LabelLayout, tag: str) -> ZplGeometry:
    width = _dots(layout, layout.label_w)
    length = _dots(layout, layout.label_h)
    pad = _dots(layout, 1.0)
    modules = max_modules(tag) + 2 * QUIET_MODULES
    choices = range(max_module_dots(layout.dpi or 203), 0, -1)
    module = next((m for m in choices if modules * m <= width - 2 * pad), 0)
    if module == 0:
        raise UserError(
            _("Nummer {tag} is te lang voor een etiket van {w} mm breed.").format(tag=tag, w=layout.label_w)
        )
    bar_x = (width - (modules - 2 * QUIET_MODULES) * module) // 2
    top_text = round(length * 0.09)
    bar_y = pad + top_text + _dots(layout, 0.75)
    bottom_texts = round(length * 0.12) + round(length * 0.09) + _dots(layout, 1.25)
    bar_height = length - bar_y - bottom_texts - pad
    return ZplGeometry(width, length, module, bar_x, bar_y, bar_height, pad)


def label_zpl(item: LabelItem, layout: LabelLayout) -> str:
    g = geometry(layout, item.tag)
    small = round(g.length * 0.09)
    big = round(g.length * 0.12)
    gap = _dots(layout, 0.5)
    tag_y = g.bar_y + g.bar_height + gap
    title_y = tag_y + big + gap
    return "\n".join(
        [
            "^XA",
            "^CI28",
            f"^PW{g.width}",
            f"^LL{g.length}",
            "^LH0,0",
            f"^FO0,{g.pad}^FB{g.width},1,0,C^A0N,{small},{small}^FH_^FD{_escape(item.owner_line)}^FS",
            f"^BY{g.module},3,{g.bar_height}",
            f"^FO{g.bar_x},{g.bar_y}^BCN,{g.bar_height},N,N,N,A^FD{item.tag}^FS",
            f"^FO0,{tag_y}^FB{g.width},1,0,C^A0N,{big},{big}^FH_^FD{_escape(item.tag)}^FS",
            f"^FO0,{title_y}^FB{g.width},1,0,C^A0N,{small},{small}^FH_^FD{_escape(item.title)}^FS",
            "^PQ1",
            "^XZ",
        ]
    )


def labels_zpl(items: Sequence[LabelItem], layout: str) -> str:
    roll = get_layout(layout)
    if not roll.roll:
        raise UserError(
            _("ZPL is voor rolprinters; {name} is een A4-vel. Kies bv. --layout {zebra}.").format(
                name=roll.name, zebra="ZEBRA-57x32"
            )
        )
    return "\n".join(label_zpl(item, roll) for item in items) + "\n"


def write_zpl(text: str, out: Path) -> None:
    with atomic_output(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def parse_host(address: str) -> tuple[str, int]:
    host, sep, port = (address or "").strip().rpartition(":")
    if not sep:
        host, port = address.strip(), str(DEFAULT_PORT)
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(
            _("Printeradres '{address}' klopt niet: gebruik HOST:9100, bv. 192.168.1.50:9100.").format(
                address=address
            )
        )
    return host, int(port)


def send_raw(text: str, address: str, timeout: float = 10.0) -> None:
    """Send ZPL to a network printer's raw port (JetDirect, usually 9100)."""
    host, port = parse_host(address)
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(text.encode("utf-8"))
            conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise UserError(
            _(
                "De printer op {host}:{port} is niet bereikbaar ({reason}): staat hij aan en in het netwerk?"
            ).format(host=host, port=port, reason=exc.strerror or exc)
        ) from None
    log.info("sent %d bytes of ZPL to %s:%d", len(text), host, port)
