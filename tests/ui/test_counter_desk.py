"""The counter as the whole desk: the contract of the person at the counter (Ctrl+Shift+C),
extending, returning with a checklist, receipts, deposits and a blocked card — by keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import add_borrower, add_ready_devices
from ui.main_window import MainWindow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.counter_view.scan_field)
    return window


def scan(qtbot, field, code: str) -> None:
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


class FakeContractDialog:
    """Stands in for the signing dialog (modal): records whose contract was opened."""

    opened: list[str] = []

    def __init__(self, printing, tag, parent=None, **_kwargs) -> None:
        FakeContractDialog.opened.append(tag)

    def exec(self) -> int:
        return 0


def test_ctrl_shift_c_at_the_counter_opens_the_active_borrowers_contract(qtbot, ctx, monkeypatch):
    mia = add_borrower(ctx)
    jan = add_borrower(ctx, "Jan", "Claes", "9000")
    mias, jans = add_ready_devices(ctx, 2)
    ctx.loans.checkout(mias, mia)
    ctx.loans.checkout(jans, jan)
    FakeContractDialog.opened = []
    monkeypatch.setattr("ui.printing.contract_dialog.ContractDialog", FakeContractDialog)
    window = make_window(qtbot, ctx)
    # Someone looked at Jan's laptop in Toestellen earlier.
    window.show_tab(1)
    table = window.devices_view.table
    table.run_search()
    table.select_row(table.model.row_of(ctx.devices.get(jans).id))
    assert window.devices_view.current_device().asset_tag == jans
    window.show_tab(0)
    field = window.counter_view.scan_field
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    scan(qtbot, field, mia)
    qtbot.keyClick(field, Qt.Key.Key_C, CTRL_SHIFT)
    assert FakeContractDialog.opened == [mias]  # Mia's, never Jan's


def test_ctrl_shift_c_at_the_counter_without_a_loan_says_so(qtbot, ctx, monkeypatch):
    mia = add_borrower(ctx)
    jan = add_borrower(ctx, "Jan", "Claes", "9000")
    (jans,) = add_ready_devices(ctx, 1)
    ctx.loans.checkout(jans, jan)
    FakeContractDialog.opened = []
    monkeypatch.setattr("ui.printing.contract_dialog.ContractDialog", FakeContractDialog)
    window = make_window(qtbot, ctx)
    window.show_tab(1)
    table = window.devices_view.table
    table.run_search()
    table.select_row(table.model.row_of(ctx.devices.get(jans).id))
    window.show_tab(0)
    field = window.counter_view.scan_field
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClick(field, Qt.Key.Key_C, CTRL_SHIFT)  # nobody at the counter yet
    assert FakeContractDialog.opened == []
    assert "Scan eerst" in window.counter_view.result_label.text()
    scan(qtbot, field, mia)
    qtbot.keyClick(field, Qt.Key.Key_C, CTRL_SHIFT)
    assert FakeContractDialog.opened == []
    assert "geen toestel in bruikleen" in window.counter_view.result_label.text()


def test_ctrl_shift_c_with_several_loans_asks_which(qtbot, ctx, monkeypatch):
    ctx.settings.max_open_loans_per_borrower = 2
    mia = add_borrower(ctx)
    first, second = add_ready_devices(ctx, 2)
    ctx.loans.checkout(first, mia)
    ctx.loans.checkout(second, mia)
    FakeContractDialog.opened = []
    monkeypatch.setattr("ui.printing.contract_dialog.ContractDialog", FakeContractDialog)
    window = make_window(qtbot, ctx)
    offered: list[list[str]] = []

    def choose(views):
        offered.append([v.device.asset_tag for v in views])
        return views[1]

    monkeypatch.setattr(window.counter_view, "choose_loan", choose)
    field = window.counter_view.scan_field
    scan(qtbot, field, mia)
    qtbot.keyClick(field, Qt.Key.Key_C, CTRL_SHIFT)
    assert sorted(offered[0]) == sorted([first, second])
    assert FakeContractDialog.opened == [offered[0][1]]


# -- the counter view on its own -------------------------------------------------------


def make_view(qtbot, ctx, tmp_path):
    from ui.counter_view import CounterView

    view = CounterView(
        ctx.counter(), printing=ctx.printing, receipts_dir=tmp_path / "bewijzen", open_pdf=False
    )
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.scan_field)
    return view


def fill_and_enter(qtbot, fill):
    """A stand-in for exec(): show the form, let `fill` type into it, then Enter (its OK)."""

    def run(dialog) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        return dialog.result() == 1

    return run


def test_double_scan_asks_and_enter_on_the_empty_field_returns(qtbot, counter_data, tmp_path):
    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx, tmp_path)
    scan(qtbot, view.scan_field, card)
    scan(qtbot, view.scan_field, tags[0])
    scan(qtbot, view.scan_field, tags[0])  # double scan
    assert view.result_kind.text() == "AL UITGELEEND"
    assert "zojuist" in view.result_label.text()
    assert ctx.loans.open_count() == 1
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Return)  # the deliberate second step
    assert view.result_kind.text() == "TERUGGEBRACHT"
    assert ctx.loans.open_count() == 0
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Return)  # a further Enter does nothing
    assert view.result_kind.text() == "TERUGGEBRACHT"


def test_a_blocked_card_turns_the_counter_red_at_once(qtbot, counter_data, tmp_path):
    ctx, card, _tags = counter_data
    ctx.borrowers.block(card, "laptop niet teruggebracht")
    view = make_view(qtbot, ctx, tmp_path)
    scan(qtbot, view.scan_field, card)
    assert view.result_kind.text() == "GEBLOKKEERD"
    assert view.result_box.property("outcome") == "blocked"
    assert "c62828" in view.result_box.styleSheet()
    assert view.borrower_box.property("blocked") is True
    assert view.borrower_name.text().startswith("GEBLOKKEERD")


def test_f6_extends_the_active_persons_loan(qtbot, counter_data, tmp_path):
    ctx, card, tags = counter_data
    before = ctx.loans.checkout(tags[0], card).loan.due_date
    view = make_view(qtbot, ctx, tmp_path)
    scan(qtbot, view.scan_field, card)
    qtbot.keyClick(view.scan_field, Qt.Key.Key_F6)
    assert view.result_kind.text() == "VERLENGD"
    assert ctx.loans.for_device(tags[0]).loan.due_date > before
    assert view.scan_field.hasFocus()


def test_f7_returns_with_the_checklist_and_keeps_part_of_the_deposit(qtbot, counter_data, tmp_path):
    ctx, card, tags = counter_data
    from app.inventory import DeviceService
    from db.models import Loan

    with ctx.sessions() as s, s.begin():
        DeviceService.get_in(s, tags[0]).accessories = "lader, muis"
    loan_id = ctx.loans.checkout(tags[0], card, deposit_cents=2500).loan.id
    view = make_view(qtbot, ctx, tmp_path)
    scan(qtbot, view.scan_field, card)

    def fill(dialog):
        assert [b.text() for b in dialog.accessories] == ["lader", "muis"]
        qtbot.keyClick(dialog.accessories[0], Qt.Key.Key_Space)  # the charger is missing
        dialog.refund.setText("15,00")
        dialog.kept_reason.setText("lader kwijt")

    view.run_dialog = fill_and_enter(qtbot, fill)
    qtbot.keyClick(view.scan_field, Qt.Key.Key_F7)
    assert view.result_kind.text() == "TERUGGEBRACHT"
    assert "€ 10,00 waarborg ingehouden: lader kwijt" in view.result_label.text()
    with ctx.sessions() as s:
        loan = s.get(Loan, loan_id)
        assert (loan.state, loan.deposit_refunded_cents) == ("returned", 1500)
        assert "ontbreekt: lader" in loan.condition_in

    # F9: the receipt of that return, as a PDF
    from ui.operations import wait_for_running

    qtbot.keyClick(view.scan_field, Qt.Key.Key_F9)
    assert wait_for_running()
    qtbot.waitUntil(lambda: view.last_receipt is not None)
    assert view.last_receipt.read_bytes().startswith(b"%PDF")
    assert "Ontvangstbewijs klaar" in view.result_label.text()


def test_f8_records_payconiq_for_the_deposit(qtbot, counter_data, tmp_path):
    ctx, card, tags = counter_data
    ctx.settings.deposit_by_kind_cents = {"laptop": 2500}
    view = make_view(qtbot, ctx, tmp_path)
    scan(qtbot, view.scan_field, card)
    scan(qtbot, view.scan_field, tags[0])
    assert "Ontvang € 25,00 waarborg" in view.result_label.text()

    def fill(dialog):
        dialog.method.setCurrentIndex(dialog.method.findData("payconiq"))

    view.run_dialog = fill_and_enter(qtbot, fill)
    qtbot.keyClick(view.scan_field, Qt.Key.Key_F8)
    loan = ctx.loans.for_device(tags[0]).loan
    assert (loan.deposit_cents, loan.deposit_method) == (2500, "payconiq")
    assert "Payconiq" in view.result_label.text()


def test_counter_writes_are_announced_on_the_data_bus(qtbot, counter_data, tmp_path):
    from ui.operations import data_bus

    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx, tmp_path)
    heard = []
    data_bus().changed.connect(heard.append)
    try:
        scan(qtbot, view.scan_field, card)
        scan(qtbot, view.scan_field, tags[0])
    finally:
        data_bus().changed.disconnect(heard.append)
    assert any(c.touches("loan") and c.touches("device") for c in heard)
