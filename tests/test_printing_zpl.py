"""ZPL II: one ^XA…^XZ block per tag, label size in dots, the ^BC field fits the label."""

from __future__ import annotations

import re
import socket
import threading

import pytest

from app.errors import UserError
from app.printing import zpl
from app.printing.barcode import QUIET_MODULES
from app.printing.labels import LabelItem
from app.printing.service import PrintService
from tests.test_printing_labels import add_devices


def parse_labels(text: str) -> list[dict]:
    blocks = re.findall(r"\^XA(.*?)\^XZ", text, flags=re.S)
    assert text.count("^XA") == text.count("^XZ") == len(blocks)
    labels = []
    for block in blocks:
        pw = int(re.search(r"\^PW(\d+)", block).group(1))
        ll = int(re.search(r"\^LL(\d+)", block).group(1))
        module, _ratio, by_height = map(int, re.search(r"\^BY(\d+),([\d.]+),(\d+)", block).group(1, 2, 3))
        bc = re.search(r"\^FO(\d+),(\d+)\^BCN,(\d+),N,N,N,A\^FD([^^]+)\^FS", block)
        assert bc, block
        x, y, height = int(bc.group(1)), int(bc.group(2)), int(bc.group(3))
        texts = re.findall(r"\^FO\d+,(\d+)\^FB\d+,1,0,C\^A0N,(\d+),\d+\^FH_\^FD([^^]*)\^FS", block)
        labels.append(
            {
                "pw": pw,
                "ll": ll,
                "module": module,
                "x": x,
                "y": y,
                "height": height,
                "by_height": by_height,
                "data": bc.group(4),
                "texts": [(int(ty), int(size), t) for ty, size, t in texts],
            }
        )
    return labels


def test_zpl_fields_and_geometry(ctx):
    tags = add_devices(ctx, 3)
    text = PrintService(ctx.sessions, ctx.settings).zpl_for_tags(tags)
    labels = parse_labels(text)
    assert [lab["data"] for lab in labels] == tags
    for lab in labels:
        assert (lab["pw"], lab["ll"]) == (456, 256)  # 57 × 32 mm at 203 dpi (8 dots/mm)
        assert lab["height"] == lab["by_height"] and lab["module"] >= 2
        width = zpl.max_modules(lab["data"]) * lab["module"]
        quiet = QUIET_MODULES * lab["module"]
        assert lab["x"] >= quiet and lab["x"] + width + quiet <= lab["pw"]
        assert lab["y"] > 0 and lab["y"] + lab["height"] < lab["ll"]
        printed = [t for _y, _s, t in lab["texts"]]
        assert lab["data"] in printed and "Eigendom van Kortrijk balie" in printed
        for ty, size, _t in lab["texts"]:
            assert ty >= 0 and ty + size <= lab["ll"]
            assert ty + size <= lab["y"] or ty >= lab["y"] + lab["height"]  # no text on the bars


def test_zpl_escapes_control_characters_and_refuses_sheets():
    item = LabelItem("KRT-000001", "Brand^Model~X_Y", "Eigendom van A", "A")
    text = zpl.labels_zpl([item], "DK-11209")
    assert "Brand_5EModel_7EX_5FY" in text
    assert parse_labels(text)[0]["pw"] == round(62 * 300 / 25.4)  # a Brother layout: 300 dpi
    with pytest.raises(UserError, match="A4"):
        zpl.labels_zpl([item], "L7160")


class Collector:
    """A raw 'printer' on 127.0.0.1: accepts one connection and keeps every byte."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.data = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _addr = self.server.accept()
        with conn:
            while chunk := conn.recv(4096):
                self.data += chunk
        self.server.close()


def test_send_to_raw_tcp_printer(ctx):
    tags = add_devices(ctx, 2)
    printer = Collector()
    PrintService(ctx.sessions, ctx.settings).send_zpl(tags, f"127.0.0.1:{printer.port}")
    printer.thread.join(timeout=10)
    assert not printer.thread.is_alive()
    assert [lab["data"] for lab in parse_labels(printer.data.decode("utf-8"))] == tags


def test_unreachable_printer_is_one_clear_error():
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    with pytest.raises(UserError, match="niet bereikbaar"):
        zpl.send_raw("^XA^XZ", f"127.0.0.1:{port}")
    with pytest.raises(UserError, match="HOST:9100"):
        zpl.parse_host("printer:abc")
