"""The database passphrase dialog (no keychain): keyboard only, wrong passphrase → try again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.context import open_context
from tests.conftest import TEST_PASSPHRASE
from ui.app import open_with_passphrase
from ui.passphrase_dialog import PassphraseDialog


def test_a_new_passphrase_is_typed_twice_and_long_enough(qtbot, tmp_path):
    dialog = PassphraseDialog(True, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.passphrase_edit
    qtbot.keyClicks(dialog.passphrase_edit, "kort")
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and "minstens 8" in dialog.error.message()
    dialog.passphrase_edit.clear()
    qtbot.keyClicks(dialog.passphrase_edit, "lang-genoeg-1")
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.confirm_edit, "lang-genoeg-2")
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and "niet gelijk" in dialog.error.message()
    qtbot.keyClicks(dialog.confirm_edit, "lang-genoeg-1")
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.passphrase() == "lang-genoeg-1"


def test_escape_cancels(qtbot, tmp_path):
    dialog = PassphraseDialog(False, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected


class ScriptedDialog(PassphraseDialog):
    """Answers exec() with the next scripted passphrase (None = the person cancels)."""

    answers: list[str | None] = []
    seen: list[tuple[bool, str]] = []

    def exec(self) -> int:  # type: ignore[override]
        ScriptedDialog.seen.append((self.new, self.error.message()))
        answer = ScriptedDialog.answers.pop(0)
        if answer is None:
            return QDialog.DialogCode.Rejected
        self.passphrase_edit.setText(answer)
        return QDialog.DialogCode.Accepted


def test_wrong_passphrase_asks_again_with_a_plain_message(qtbot, tmp_path, monkeypatch, no_keychain):
    folder = tmp_path / "d"
    open_context(folder).close()  # encrypted with the test passphrase
    monkeypatch.delenv("DIGIBANK_PASSPHRASE")
    ScriptedDialog.answers = ["fout-fout-fout", TEST_PASSPHRASE]
    ScriptedDialog.seen = []
    ctx = open_with_passphrase(folder, ScriptedDialog)
    assert ctx is not None
    ctx.close()
    assert ScriptedDialog.seen == [(False, ""), (False, "Dat wachtwoord klopt niet. Probeer opnieuw.")]


def test_cancel_starts_nothing(qtbot, tmp_path, monkeypatch, no_keychain):
    monkeypatch.delenv("DIGIBANK_PASSPHRASE")
    ScriptedDialog.answers = [None]
    ScriptedDialog.seen = []
    assert open_with_passphrase(tmp_path / "new", ScriptedDialog) is None
    assert ScriptedDialog.seen == [(True, "")]  # a new folder: choose a passphrase
    assert not (tmp_path / "new" / "digibank.db").exists()
