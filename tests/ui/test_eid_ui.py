"""The "eID lezen" button in the borrower dialog and at the counter (the card reader is faked here;
tests/test_eid.py reads a virtual card through a real pcscd, also from the dialog)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app import eid
from app.errors import UserError
from tests.ui.conftest import add_borrower
from tests.ui.test_borrowers_view import open_dialog
from tests.ui.test_counter_view import make_view
from ui.dialogs.borrower_dialog import BorrowerDialog
from ui.operations import wait_for_running

PERSON = eid.EidPerson(
    first_names="Marie-Louise Josephine",
    last_name="Van den Broeck",
    street="Kerkstraat 12 bus 3",
    postcode="2070",
    municipality="Beveren-Kruibeke-Zwijndrecht",
    card_municipality="Zwijndrecht",
    birth_year=1957,
)


def no_reader() -> eid.EidPerson:
    raise UserError("Geen kaartlezer gevonden: sluit een kaartlezer aan en probeer opnieuw.")


def click_and_wait(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert wait_for_running()
    qtbot.waitUntil(button.isEnabled)


def test_dialog_fills_the_form_says_what_and_why_and_staff_can_correct(qtbot, ctx):
    dialog, save = open_dialog(qtbot, ctx)
    panel = dialog.eid_panel
    panel.button._reader = lambda: PERSON
    assert "rijksregisternummer" in panel.why.text() and panel.why.isVisible()
    click_and_wait(qtbot, panel.button)
    assert dialog.first_name.text() == "Marie-Louise Josephine"
    assert dialog.last_name.text() == "Van den Broeck"
    assert dialog.street.text() == "Kerkstraat 12 bus 3"
    assert (dialog.postcode.text(), dialog.municipality.text()) == ("2070", "Beveren-Kruibeke-Zwijndrecht")
    assert "(op de kaart: Zwijndrecht)" in panel.result.text() and "1957" in panel.result.text()
    dialog.first_name.setText("Marie-Louise")  # staff correct before saving
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    borrower = ctx.borrowers.get(dialog.result_borrower.card_number)
    assert (borrower.first_name, borrower.last_name) == ("Marie-Louise", "Van den Broeck")
    assert borrower.municipality == "Beveren-Kruibeke-Zwijndrecht"


def test_dialog_without_reader_shows_one_plain_line(qtbot, ctx):
    dialog, _save = open_dialog(qtbot, ctx)
    dialog.eid_panel.button._reader = no_reader
    click_and_wait(qtbot, dialog.eid_panel.button)
    assert (
        dialog.eid_panel.result.text()
        == "Geen kaartlezer gevonden: sluit een kaartlezer aan en probeer opnieuw."
    )
    assert dialog.first_name.text() == ""


def test_counter_finds_the_registered_person_by_the_card(qtbot, ctx):
    add_borrower(ctx, "Marie-Louise", "Van den Broeck", "2070")  # typed with one first name
    other = add_borrower(ctx, "Jan", "Van den Broeck", "2070")
    view = make_view(qtbot, ctx)
    view.eid.button._reader = lambda: PERSON
    assert view.eid.button.focusPolicy() == Qt.FocusPolicy.NoFocus
    click_and_wait(qtbot, view.eid.button)
    qtbot.waitUntil(lambda: view.borrower_name.text() == "Marie-Louise Van den Broeck")
    assert other not in view.borrower_details.text()
    assert view.result_kind.text() == "ONTLENER"


def test_counter_registers_an_unknown_person_with_a_filled_form(qtbot, ctx, monkeypatch):
    seen = {}

    def accept_as_is(dialog: BorrowerDialog) -> int:
        seen["first"] = dialog.first_name.text()
        seen["municipality"] = dialog.municipality.text()
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
        return int(dialog.result())

    monkeypatch.setattr(BorrowerDialog, "exec", accept_as_is)
    view = make_view(qtbot, ctx)
    view.eid.button._reader = lambda: PERSON
    click_and_wait(qtbot, view.eid.button)
    assert seen == {"first": "Marie-Louise Josephine", "municipality": "Beveren-Kruibeke-Zwijndrecht"}
    qtbot.waitUntil(lambda: view.borrower_name.text() == "Marie-Louise Josephine Van den Broeck")
    assert ctx.borrowers.count() == 1


def test_counter_without_reader_says_so(qtbot, ctx):
    view = make_view(qtbot, ctx)
    view.eid.button._reader = no_reader
    click_and_wait(qtbot, view.eid.button)
    assert "Geen kaartlezer gevonden" in view.result_label.text()
