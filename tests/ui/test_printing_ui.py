"""Printing from the window: label dialog (background job, cancel, printer), cards, signing a contract."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.inventory import DeviceInput
from app.printing.labels import LabelItem
from app.printing.service import PrintService
from db.models import Loan
from tests.conftest import make_ready
from tests.test_printing_labels import decode_pdf, pdf_text
from ui.printing.contract_dialog import ContractDialog
from ui.printing.dialogs import CardPrintDialog, LabelPrintDialog
from ui.widgets.signature_pad import SignaturePad


class FakePrinting:
    """Only what the label dialog asks of a PrintService."""

    def __init__(self, count: int) -> None:
        self.items = [
            LabelItem(f"KRT-{i:06d}", "Dell Latitude 5490", "Eigendom van X", "X") for i in range(count)
        ]

    def label_items(self, tags):
        return self.items


def add_devices(ctx, count: int) -> list[str]:
    return [
        ctx.devices.add(DeviceInput("laptop", "HP", "ProBook 450 G5", f"S{i}")).asset_tag
        for i in range(count)
    ]


def sign(qtbot, pad: SignaturePad) -> None:
    canvas = pad.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(30, 100))
    for x, y in ((80, 30), (140, 110), (220, 40), (300, 115)):
        qtbot.mouseMove(canvas, QPoint(x, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(320, 60))


def test_label_dialog_writes_pdf_off_the_gui_thread(qtbot, ctx, tmp_path):
    tags = add_devices(ctx, 24)
    dialog = LabelPrintDialog(PrintService(ctx.sessions, ctx.settings), tags, "L7159")
    qtbot.addWidget(dialog)
    assert dialog.layout_name() == "L7159" and dialog.skip_spin.maximum() == 23
    dialog.skip_spin.setValue(4)
    assert not dialog.preview.pixmap().isNull()
    out = tmp_path / "labels.pdf"
    with qtbot.waitSignal(dialog.printed, timeout=20000) as blocker:
        dialog.save_pdf(out)
        assert not dialog.pdf_button.isEnabled()  # no second job while one runs
    assert blocker.args == [str(out)]
    assert dialog.job is not None and dialog.job.thread_id != threading.get_ident()
    assert dialog.pdf_button.isEnabled()
    pages = decode_pdf(out, 300, tmp_path)
    assert [len(p) for p in pages] == [20, 4]
    assert sorted(v for p in pages for v in p) == sorted(tags)


def test_cancel_leaves_no_file(qtbot, tmp_path):
    dialog = LabelPrintDialog(FakePrinting(3000), ["x"], "L7651")
    qtbot.addWidget(dialog)
    out = tmp_path / "many.pdf"
    with qtbot.waitSignal(dialog.cancelled, timeout=20000):
        dialog.save_pdf(out)
        dialog.cancel_job()
    assert dialog.wait_for_job()
    assert list(tmp_path.iterdir()) == []
    assert "Geannuleerd" in dialog.message.text()


def test_roll_layout_disables_skip(qtbot):
    dialog = LabelPrintDialog(FakePrinting(3), ["x"], "L7160")
    qtbot.addWidget(dialog)
    dialog.skip_spin.setValue(5)
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("DK-11209"))
    assert dialog.skip_spin.value() == 0 and not dialog.skip_spin.isEnabled()
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("L7651"))
    assert dialog.skip_spin.maximum() == 64 and dialog.skip_spin.isEnabled()


def test_printing_to_a_qprinter_gives_scannable_labels(qtbot, ctx, tmp_path):
    tags = add_devices(ctx, 5)
    dialog = LabelPrintDialog(PrintService(ctx.sessions, ctx.settings), tags, "ZEBRA-57x32")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printer.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(dialog.printed, timeout=20000):
        dialog.print_to(printer)
    pages = decode_pdf(out, 203, tmp_path)
    assert pages == [[tag] for tag in tags]
    assert all(tag in pdf_text(out) for tag in tags)


def test_card_dialog_pdf(qtbot, ctx, tmp_path):
    card = ctx.borrowers.add(BorrowerInput("Mia", "Peeters", "8500")).card_number
    dialog = CardPrintDialog(PrintService(ctx.sessions, ctx.settings), [card])
    qtbot.addWidget(dialog)
    dialog.per_page.setChecked(True)
    out = tmp_path / "card.pdf"
    assert dialog.save_pdf(out)
    assert decode_pdf(out, 300, tmp_path) == [[card]]


def test_signature_pad_gives_png_and_clears(qtbot):
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 200)
    assert pad.is_empty() and pad.to_png() == b""
    with qtbot.waitSignal(pad.changed):
        sign(qtbot, pad)
    png = pad.to_png()
    assert png.startswith(b"\x89PNG")
    image = QImage.fromData(png)
    dark = sum(
        1
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
        if image.pixelColor(x, y).alpha() > 128
    )
    assert image.width() > 400 and dark > 20  # the stroke spans the pad (2× resolution)
    qtbot.mouseClick(pad.clear_button, Qt.MouseButton.LeftButton)
    assert pad.is_empty()


def lend(ctx) -> str:
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "ThinkPad T480", "PF-9"))
    make_ready(ctx, device.asset_tag)
    card = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    ctx.loans.checkout(device.asset_tag, card, due=dt.date.today() + dt.timedelta(days=30))
    return device.asset_tag


def loan_of(ctx) -> Loan:
    with ctx.sessions() as s:
        return s.scalars(select(Loan)).one()


def test_contract_dialog_stores_signature_and_writes_signed_pdf(qtbot, ctx, tmp_path):
    tag = lend(ctx)
    dialog = ContractDialog(PrintService(ctx.sessions, ctx.settings), tag, open_pdf=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Jan Peeters" in dialog.summary.text() and "versie" in dialog.summary.text()
    out = tmp_path / "contract.pdf"
    assert not dialog.save(out)  # nothing signed yet
    assert "handtekening" in dialog.message.text() and not out.exists()
    sign(qtbot, dialog.pad)
    with qtbot.waitSignal(dialog.signed):
        assert dialog.save(out)
    loan = loan_of(ctx)
    assert loan.signature_png and loan.contract_printed and loan.contract_version
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    assert len([line for line in listing.splitlines()[2:] if line.split()[2] == "image"]) == 2
    assert "Digitaal ondertekend" in pdf_text(out)


def test_contract_signed_on_paper(qtbot, ctx, tmp_path):
    tag = lend(ctx)
    dialog = ContractDialog(PrintService(ctx.sessions, ctx.settings), tag, open_pdf=False)
    qtbot.addWidget(dialog)
    dialog.paper.setChecked(True)
    assert not dialog.pad.isEnabled()
    assert dialog.save(tmp_path / "paper.pdf")
    loan = loan_of(ctx)
    assert loan.signed_on_paper and not loan.signature_png


def test_signature_pad_accepts_touch(qtbot):
    from PySide6.QtTest import QTest

    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 200)
    pad.show()
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad.canvas, device).press(0, QPoint(40, 90))
    QTest.touchEvent(pad.canvas, device).move(0, QPoint(150, 40))
    QTest.touchEvent(pad.canvas, device).move(0, QPoint(260, 100))
    with qtbot.waitSignal(pad.changed):
        QTest.touchEvent(pad.canvas, device).release(0, QPoint(300, 60))
    assert not pad.is_empty()
    assert pad.canvas.ink_rect().width() > 200
