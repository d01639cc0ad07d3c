"""First start in the window: 'Deze pc vervangt een bestaande locatie', keyboard only,
against a real server (log in, first sync off the GUI thread, take over the location)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QDialog

from app.borrowers import BorrowerInput
from app.context import open_context
from app.inventory import DeviceInput
from tests.conftest import make_ready
from tests.sync.conftest import free_port, make_replica
from ui.first_start import FirstStartDialog, join_setup_for

# The offscreen platform cannot pass size hints to a window manager it does not have.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _type(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into whatever has the keyboard focus, as a person would."""
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClicks(widget, text)


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def _clear_and_type(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    _key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, Qt.Key.Key_Delete)
    _type(qtbot, text)


def test_first_start_joins_an_existing_location_by_keyboard(qtbot, tmp_path, sqlite_server, keychain):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    old = make_replica(tmp_path, "old", server, token, code="KRT")
    for model in ("T480", "T490"):
        old.ctx.devices.add(DeviceInput(kind="laptop", brand="Lenovo", model=model))
    make_ready(old.ctx, "KRT-000002")
    old.ctx.borrowers.add(BorrowerInput(first_name="Jan", last_name="Peeters", postcode="8500"))
    old.sync()
    old_id = old.ctx.locations.current().id

    ctx = open_context(tmp_path / "new")
    pool = QThreadPool()
    try:
        dialog = FirstStartDialog(ctx.locations, join_setup_for(ctx, pool))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)

        # Alt+V chooses "Deze pc vervangt een bestaande locatie"; the address field gets focus.
        _key(qtbot, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(dialog.join_choice.isChecked)  # a mnemonic clicks with a short animation
        assert QApplication.focusWidget() is dialog.join_page.url_edit

        # Server unreachable: a plain Dutch line, nothing set up.
        _type(qtbot, f"http://127.0.0.1:{free_port()}")
        _key(qtbot, Qt.Key.Key_Tab)
        _type(qtbot, token)
        _key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "niet bereikbaar" in dialog.join_page.message.text(), timeout=10000)
        assert dialog.isVisible() and not ctx.locations.is_initialised()

        # Wrong token.
        dialog.join_page.url_edit.setFocus()
        _clear_and_type(qtbot, server.url)
        _key(qtbot, Qt.Key.Key_Tab)
        _clear_and_type(qtbot, "not-the-token")
        _key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "kent deze sleutel niet" in dialog.join_page.message.text(), timeout=10000)
        assert keychain.secrets == {}

        # The right token: login, first sync with progress, then the location is taken over.
        dialog.join_page.token_edit.setFocus()
        _clear_and_type(qtbot, token)
        with qtbot.waitSignal(dialog.accepted, timeout=20000):
            _key(qtbot, Qt.Key.Key_Return)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.join_page.progress.value() == dialog.join_page.progress.maximum()
        assert ctx.settings.server_url == server.url
        location = ctx.locations.current()
        assert (location.code, location.id) == ("KRT", old_id)
        assert ctx.devices.add(DeviceInput(kind="laptop", brand="HP", model="840")).asset_tag == "KRT-000003"
        borrower = ctx.borrowers.add(BorrowerInput(first_name="An", last_name="Maes", postcode="8500"))
        assert borrower.card_number == "KRT-B-00002"
    finally:
        pool.waitForDone()
        ctx.close()
        old.ctx.close()


def test_first_start_says_when_the_server_has_no_such_location_yet(qtbot, tmp_path, sqlite_server, keychain):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    ctx = open_context(tmp_path / "new")
    pool = QThreadPool()
    try:
        dialog = FirstStartDialog(ctx.locations, join_setup_for(ctx, pool))
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.join_choice.setChecked(True)
        dialog.join_page.url_edit.setText(server.url)
        dialog.join_page.token_edit.setText(token)
        dialog.join_page.submit()
        qtbot.waitUntil(lambda: "kent nog geen locatie KRT" in dialog.error.message(), timeout=20000)
        assert dialog.isVisible() and not ctx.locations.is_initialised()
        # "Nieuwe locatie" still works: this is the first PC of KRT.
        dialog.new_choice.setChecked(True)
        dialog.name.setText("Kortrijk balie")
        dialog.code.setText("KRT")
        dialog.accept()
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert ctx.locations.current().code == "KRT"
    finally:
        pool.waitForDone()
        ctx.close()
