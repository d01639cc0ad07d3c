"""First start, step one: the language (in every language at once) and where the data lives."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app import i18n
from ui.first_language import FirstLanguageDialog


def test_choosing_english_speaks_english_at_once_and_names_the_data_folder(qtbot, tmp_path) -> None:
    dialog = FirstLanguageDialog(tmp_path / "data", "nl")
    qtbot.addWidget(dialog)
    texts = lambda: " ".join(label.text() for label in dialog.findChildren(QLabel))  # noqa: E731
    assert dialog.chosen() == "nl" and "Uw gegevens" in texts() and str(tmp_path / "data") in texts()
    dialog._buttons["en"].setChecked(True)
    try:
        assert dialog.chosen() == "en"
        assert "Your data stays on this computer" in texts()
        assert "Choose your language" in texts()  # the title is in every language
    finally:
        i18n.set_language("nl")


def test_an_unknown_proposal_falls_back_to_dutch(qtbot, tmp_path) -> None:
    dialog = FirstLanguageDialog(tmp_path, "xx")
    qtbot.addWidget(dialog)
    assert dialog.chosen() == "nl"
