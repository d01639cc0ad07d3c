"""In the window: a second registration of the same person is warned about before saving,
and two records of one person are merged from Ontleners (coordinator)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app.inventory import DeviceInput
from app.loans import LoanService
from app.reports.periods import Period
from tests.conftest import make_ready
from tests.ui.conftest import add_borrower
from ui.borrowers_view import BorrowersView
from ui.dialogs.borrower_dialog import BorrowerDialog
from ui.dialogs.device_dialog import DeviceDialog
from ui.dialogs.merge_dialog import MergeDialog
from ui.operations import wait_for_running


def fill(qtbot, dialog: BorrowerDialog, first: str, last: str, postcode: str) -> None:
    qtbot.keyClicks(dialog.first_name, first)
    qtbot.keyClicks(dialog.last_name, last)
    qtbot.keyClicks(dialog.postcode, postcode)


def test_the_dialog_asks_is_this_the_same_person_before_saving(qtbot, ctx):
    card = add_borrower(ctx, "Mina", "El Amrani", "8500")
    asked: list[str] = []
    dialog = BorrowerDialog(ctx.borrowers, None)
    qtbot.addWidget(dialog)
    dialog.confirm_duplicate = lambda exc: asked.append(exc.message) or False  # "Annuleren"
    fill(qtbot, dialog, "mina", "El-Amrani", "8500")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and card in asked[0] and "dezelfde persoon" in asked[0]
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert card in dialog.error.text()  # still named under the form
    assert ctx.borrowers.count() == 1
    dialog.confirm_duplicate = lambda exc: True  # "Toch nieuwe persoon inschrijven"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ctx.borrowers.count() == 2


def test_the_device_dialog_names_the_device_with_that_serial(qtbot, ctx):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    asked: list[str] = []
    dialog = DeviceDialog(ctx.devices, None)
    qtbot.addWidget(dialog)
    dialog.confirm_duplicate = lambda exc: asked.append(exc.message) or False
    dialog.brand.setText("Lenovo")
    dialog.model_edit.setText("T480")
    dialog.serial.setText("PF1ABCD2")
    dialog.accept()
    assert asked and tag in asked[0] and ctx.devices.count() == 1
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_merge_from_ontleners_puts_loans_and_visits_on_one_record(qtbot, ctx):
    keep = add_borrower(ctx, "Mina", "El Amrani", "8500")
    from app.borrowers import BorrowerInput

    other = ctx.borrowers.add(BorrowerInput("Mina", "Elamrani", "8500"), duplicate_ok=True).card_number
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "S1")).asset_tag
    make_ready(ctx, tag)
    LoanService(ctx.sessions, ctx.settings, now=ctx.now).checkout(tag, other)
    from app.helpdesk import HelpdeskService

    HelpdeskService(ctx.sessions, now=ctx.now).log("ebox", card=keep)
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    view.table.select_id(ctx.borrowers.get(keep).id)
    assert view.merge_button.isEnabled()
    dialogs: list[MergeDialog] = []

    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, MergeDialog)
        dialogs.append(dialog)
        dialog.show()
        assert dialog.other_card() == other  # the possible duplicate is proposed
        with qtbot.waitSignal(dialog.finished, timeout=10_000):
            dialog.merge_button.click()
        return dialog.result() == QDialog.DialogCode.Accepted

    view._exec = run
    view.merge_borrower()
    assert dialogs and dialogs[0].merge_result is not None
    assert "samengevoegd" in view.message.text()
    kept = ctx.borrowers.get(keep)
    assert [v.device.asset_tag for v in ctx.loans.list(open_only=True, borrower_id=kept.id)] == [tag]
    today = ctx.now().date()
    assert ctx.reports.reach(Period(today - dt.timedelta(days=1), today)).people == 1
    wait_for_running()


def test_merge_and_export_are_greyed_for_a_volunteer(qtbot, ctx):
    from app.staff import StaffView

    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy)
    qtbot.addWidget(view)
    card = add_borrower(ctx)
    view.refresh()
    view.table.select_id(ctx.borrowers.get(card).id)
    view.erase_allowed = False  # what ui/staff_wiring.py sets for a volunteer
    view._show_borrower(view.current_borrower())
    assert not view.merge_button.isEnabled() and not view.export_button.isEnabled()
    assert StaffView  # the role table lives in app/staff.py


def test_export_data_writes_json_and_pdf_in_the_chosen_folder(qtbot, ctx, tmp_path):
    card = add_borrower(ctx)
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy)
    qtbot.addWidget(view)
    view.table.select_id(ctx.borrowers.get(card).id)
    out = tmp_path / "export"
    out.mkdir()
    view._ask_folder = lambda card: str(out)
    view.export_borrower()
    assert wait_for_running()
    assert (out / f"{card}-gegevens.json").is_file() and (out / f"{card}-gegevens.pdf").is_file()
    assert card in view.message.text()


def test_the_donation_wizard_asks_before_booking_in_a_known_serial(qtbot, ctx, tmp_path):
    from app.printing.service import PrintService
    from ui.donations_view import DonationsView

    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    view = DonationsView(ctx.donations, printer=PrintService(ctx.sessions, ctx.settings),
                         labels_dir=tmp_path, open_labels=False)  # fmt: skip
    qtbot.addWidget(view)
    asked: list[str] = []
    view.confirm_duplicate = lambda exc: asked.append(exc.message) or False
    view.donor.setText("Bakkerij Dewitte bv")
    assert view.start_donation()
    view.brand.setText("Lenovo")
    view.model.setText("T480")
    view.add_serial("PF1ABCD2")
    assert not view.finish()
    assert asked and tag in asked[0] and ctx.devices.count() == 1
    assert tag in view.message.text() and view.table.rowCount() == 1  # the list stays to correct
