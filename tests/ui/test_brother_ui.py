"""The label dialog's "Naar Brother QL…": enabled for Brother rolls only, raster to a loopback printer."""

from __future__ import annotations

from app.printing import brother
from app.printing.layouts import LAYOUTS
from tests.test_printing_brother import decode_raster
from tests.test_printing_zpl import Collector
from tests.ui.test_printing_ui import FakePrinting
from ui.operations import wait_for_running
from ui.printing.dialogs import LabelPrintDialog


def test_brother_button_prints_the_selected_labels(qtbot, tmp_path):
    printing = FakePrinting(3)
    dialog = LabelPrintDialog(printing, ["x"], "L7160")  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert not dialog.brother_button.isEnabled()  # an A4 sheet is not a Brother roll
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("DK-11209"))
    assert dialog.brother_button.isEnabled()

    printer = Collector()
    with qtbot.waitSignal(dialog.printed, timeout=20_000) as sent:
        dialog.brother_button.send(f"127.0.0.1:{printer.port}")
    assert sent.args == [f"127.0.0.1:{printer.port}"]
    printer.thread.join(timeout=10)
    _across, along = brother.printable_dots(LAYOUTS["DK-11209"])
    assert decode_raster(printer.data, tmp_path / "r", along) == [[i.tag] for i in printing.items]
    assert "Klaar" in dialog.message.text()


def test_brother_button_unreachable_printer_is_one_line(qtbot):
    dialog = LabelPrintDialog(FakePrinting(1), ["x"], "DK-22205")  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=20_000) as failed:
        dialog.brother_button.send("127.0.0.1:9")
    assert "niet bereikbaar" in failed.args[0] and "\n" not in failed.args[0]
    assert wait_for_running()
    assert dialog.brother_button.isEnabled()
