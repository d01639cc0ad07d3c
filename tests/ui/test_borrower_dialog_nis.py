"""Borrower dialog: municipality by NIS code (a choice for a shared postcode), eligibility and age."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import func, select

from app import postcodes
from db.base import OutboxEntry
from tests.shots import shots_folder
from tests.ui.test_borrowers_view import open_dialog


@pytest.fixture
def shared_postcode(tmp_path, monkeypatch):
    """9999 belongs to two municipalities (the real table has no such postcode)."""
    real = postcodes.POSTCODE_FILE.read_text(encoding="utf-8")
    table = tmp_path / "postcodes.csv"
    table.write_text(
        real + "9999,44021,Gent,Gand\n9999,44088,Merelbeke-Melle,Merelbeke-Melle\n", encoding="utf-8"
    )
    monkeypatch.setattr(postcodes, "POSTCODE_FILE", table)
    postcodes._by_postcode.cache_clear()
    yield
    postcodes._by_postcode.cache_clear()


def _shot(dialog, name: str) -> None:
    folder = shots_folder()
    if folder is not None:
        dialog.adjustSize()
        dialog.grab().save(str(folder / f"{name}.png"))


def _type_person(qtbot, dialog, postcode: str) -> None:
    qtbot.keyClicks(dialog.first_name, "Mia")
    qtbot.keyClicks(dialog.last_name, "Peeters")
    qtbot.keyClicks(dialog.postcode, postcode)
    dialog.postcode.editingFinished.emit()


def test_a_postcode_with_two_municipalities_asks_which_one(qtbot, ctx, shared_postcode):
    dialog, save = open_dialog(qtbot, ctx)
    _type_person(qtbot, dialog, "9999")
    assert dialog.municipality_choice.isVisible() and not dialog.municipality.isVisible()
    assert [dialog.municipality_choice.itemText(i) for i in range(1, 3)] == [
        "Gent (NIS 44021)",
        "Merelbeke-Melle (NIS 44088)",
    ]
    _shot(dialog, "borrower_dialog_shared_postcode")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "meer dan één gemeente" in dialog.error.text()
    assert ctx.borrowers.count() == 0
    dialog.municipality_choice.setCurrentIndex(2)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    b = ctx.borrowers.get(dialog.result_borrower.card_number)
    assert (b.nis_code, b.municipality, b.province) == ("44088", "Merelbeke-Melle", "OVL")


def test_zwijndrecht_shows_its_nis_code_and_province(qtbot, ctx):
    dialog, save = open_dialog(qtbot, ctx)
    _type_person(qtbot, dialog, "2070")
    assert dialog.municipality.text() == "Beveren-Kruibeke-Zwijndrecht"
    assert dialog.place_hint.text() == "NIS 46030 · Oost-Vlaanderen"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ctx.borrowers.get(dialog.result_borrower.card_number).province == "OVL"


def test_eligibility_and_age_are_chosen_not_typed(qtbot, ctx):
    today = ctx.borrowers.today()
    dialog, save = open_dialog(qtbot, ctx)
    _type_person(qtbot, dialog, "8500")
    assert not dialog.checked_on.isEnabled()  # no proof chosen: no dates
    dialog.proof.setCurrentIndex(dialog.proof.findData("schuldbemiddeling"))
    dialog.referrer.setCurrentIndex(dialog.referrer.findData("CAW"))
    assert dialog.checked_on.isEnabled() and dialog.checked_on.date().toPython() == today
    assert dialog.valid_until.date().toPython() == ctx.borrowers.default_valid_until(today)
    dialog.birth_year.setText("1984")
    _shot(dialog, "borrower_dialog_eligibility")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    b = ctx.borrowers.get(dialog.result_borrower.card_number)
    assert (b.eligibility_code, b.referrer, b.eligibility_checked_on) == ("schuldbemiddeling", "CAW", today)
    assert (b.birth_year, b.age_band) == (1984, "35-44" if today.year - 1984 <= 44 else b.age_band)

    # Opening and saving again changes nothing; a new check date gives a new validity.
    with ctx.sessions() as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
    again, save_again = open_dialog(qtbot, ctx, b)
    assert (again.proof.currentData(), again.referrer.currentData(), again.birth_year.text()) == (
        "schuldbemiddeling",
        "CAW",
        "1984",
    )
    qtbot.mouseClick(save_again, Qt.MouseButton.LeftButton)
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before
    third, save_third = open_dialog(qtbot, ctx, ctx.borrowers.get(b.card_number))
    third.checked_on.setDate(third.checked_on.date().addDays(-30))
    qtbot.mouseClick(save_third, Qt.MouseButton.LeftButton)
    after = ctx.borrowers.get(b.card_number)
    assert after.eligibility_checked_on == today - dt.timedelta(days=30)
    assert after.eligibility_valid_until == ctx.borrowers.default_valid_until(today - dt.timedelta(days=30))
