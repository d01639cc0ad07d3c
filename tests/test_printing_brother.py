"""Direct Brother QL printing: the raster decodes back to the tags, over the network and to a device file.

The raster instructions are read back with brother_ql's own reader (brother_ql.reader, as
`brother_ql_analyse` does) into images at the printer's 300 dpi, and scanned with zbarimg.
"""

from __future__ import annotations

import io
import socket
import subprocess
from pathlib import Path

import pytest
from brother_ql.reader import BrotherQLReader
from PIL import Image

from app.printing import brother
from app.printing.labels import LabelItem
from app.printing.layouts import LAYOUTS
from tests.cli_helpers import one_line_error, run
from tests.test_printing_labels import add_devices
from tests.test_printing_zpl import Collector

BROTHER_LAYOUTS = sorted(n for n, layout in LAYOUTS.items() if layout.printer == "brother")
DYMO_LAYOUTS = sorted(n for n, layout in LAYOUTS.items() if layout.printer == "dymo")


def items(count: int) -> list[LabelItem]:
    return [
        LabelItem(
            f"KRT-{i:06d}", "Lenovo ThinkPad T480", "Eigendom van Digibank Kortrijk", "Digibank Kortrijk"
        )
        for i in range(101, 101 + count)
    ]


def zbar(png: Path) -> list[str]:
    done = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
    return done.stdout.split()


def decode_raster(data: bytes, folder: Path, rows_per_label: int) -> list[list[str]]:
    """Values per printed label. The reader keeps the rows of earlier pages in each later page's
    image (it resets only at 'initialise'), so label k is the last `rows_per_label` rows of page k."""
    folder.mkdir(parents=True, exist_ok=True)
    reader = BrotherQLReader(io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type]
    reader.filename_fmt = str(folder / "page{counter:04d}.png")
    reader.analyse()
    decoded = []
    for k, page in enumerate(sorted(folder.glob("page*.png")), start=1):
        with Image.open(page) as image:
            assert image.height == k * rows_per_label  # 300-dpi rows, nothing resampled
            label = image.crop((0, image.height - rows_per_label, image.width, image.height))
            label.save(folder / f"label{k:04d}.png")
        decoded.append(zbar(folder / f"label{k:04d}.png"))
    return decoded


@pytest.mark.parametrize("name", BROTHER_LAYOUTS)
def test_raster_for_three_tags_decodes_to_those_tags(name, tmp_path, capsys):
    labels = items(3)
    data = brother.raster(labels, name)
    _across, along = brother.printable_dots(LAYOUTS[name])
    assert decode_raster(data, tmp_path / "raster", along) == [[item.tag] for item in labels]
    assert "Page saved" in capsys.readouterr().out  # the reader did decode pages, not a guess


def test_printable_areas_are_brothers():
    assert brother.printable_dots(LAYOUTS["DK-11209"]) == (696, 271)  # brother_ql's 62x29
    assert brother.printable_dots(LAYOUTS["DK-22205"]) == (696, 343)  # 62 mm endless, 29 mm long


@pytest.mark.parametrize("name", BROTHER_LAYOUTS + DYMO_LAYOUTS)
def test_label_image_at_printer_resolution_decodes(name, tmp_path):
    layout = LAYOUTS[name]
    assert layout.dpi == 300
    for item in items(3):
        png = tmp_path / f"{item.tag}.png"
        brother.label_image(item, layout).save(png, dpi=(300, 300))
        assert zbar(png) == [item.tag]
        # Only black and white where the bars are: whole dots, no grey anti-aliased bar edges.
        with Image.open(png) as image:
            row = image.crop((0, image.height // 2, image.width, image.height // 2 + 1))
            assert {value for _count, value in row.getcolors()} <= {0, 255}


def test_cli_prints_to_a_network_brother(ctx, capsys, tmp_path):
    tags = add_devices(ctx, 3)
    data = str(ctx.data_dir)
    for address in ("127.0.0.1:{port}", "tcp://127.0.0.1:{port}"):
        printer = Collector()
        code, out, err = run(capsys, data, "labels", *tags, "--brother", address.format(port=printer.port))
        assert code == 0, err
        assert "3 etiket(ten) naar Brother-printer" in out
        printer.thread.join(timeout=10)
        _across, along = brother.printable_dots(LAYOUTS["DK-11209"])
        folder = tmp_path / address.split(":")[0].replace("/", "")
        assert decode_raster(printer.data, folder, along) == [[tag] for tag in tags]


def test_cli_prints_to_a_usb_device_file(ctx, capsys, tmp_path):
    tags = add_devices(ctx, 3)
    device = tmp_path / "lp0"
    device.write_bytes(b"")  # the device node exists; the program never creates one
    code, _out, err = run(
        capsys, str(ctx.data_dir), "labels", *tags, "--brother", str(device), "--layout", "DK-22205"
    )
    assert code == 0, err
    _across, along = brother.printable_dots(LAYOUTS["DK-22205"])
    assert decode_raster(device.read_bytes(), tmp_path / "usb", along) == [[tag] for tag in tags]


def test_cli_refusals_are_one_line_and_create_nothing(ctx, capsys, tmp_path):
    tags = add_devices(ctx, 1)
    data = str(ctx.data_dir)
    missing = tmp_path / "usb" / "lp9"
    code, _out, err = run(capsys, data, "labels", *tags, "--brother", str(missing))
    assert code == 1 and "kon niet beschreven worden" in one_line_error(err)
    assert not missing.exists() and not missing.parent.exists()
    code, _out, err = run(capsys, data, "labels", *tags, "--brother", "127.0.0.1:9", "--layout", "L7160")
    assert code == 1 and "geen Brother QL-rol" in one_line_error(err)
    code, _out, err = run(capsys, data, "labels", *tags, "--brother", "127.0.0.1:9", "--zpl")
    assert code == 1 and "--brother" in one_line_error(err)
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    code, _out, err = run(capsys, data, "labels", *tags, "--brother", f"127.0.0.1:{port}")
    assert code == 1 and "niet bereikbaar" in one_line_error(err)
    code, _out, err = run(
        capsys, data, "labels", *tags, "--brother", "127.0.0.1:9", "--brother-model", "QL-9"
    )
    assert code == 1 and "Onbekend Brother-model" in one_line_error(err)
