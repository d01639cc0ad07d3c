"""Coordinator and technician work in the window: settings, backup now and restore, F1 help,
attendance list and attestation, give-away. Screenshots go to DIGIBANK_SHOTS (tests/shots.py)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import backup
from app.borrowers import BorrowerInput
from app.config import SETTINGS_FILE, Settings
from app.inventory import DeviceInput
from app.settings_service import describe
from tests.conftest import make_ready
from tests.shots import shots_folder
from tests.ui.conftest import add_borrower
from ui.help_dialog import help_text
from ui.main_window import MainWindow
from ui.operations import wait_for_running
from ui.settings_dialog import SettingsDialog
from ui.trainings_view import TrainingsView


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def shot(widget, name: str) -> None:
    folder = shots_folder()
    if folder is not None:
        QApplication.processEvents()
        widget.grab().save(str(folder / f"{name}.png"))


def settings_on_disk(ctx) -> dict:
    path = ctx.data_dir / SETTINGS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def test_settings_dialog_shows_every_setting_and_saves_nothing_on_an_error(qtbot, ctx):
    saved: list[int] = []
    dialog = SettingsDialog(ctx.settings, lambda: (saved.append(1), ctx.save_settings()))
    qtbot.addWidget(dialog)
    dialog.show()
    assert set(dialog.fields) == {name for name, _v, _d in describe(ctx.settings)}
    before = settings_on_disk(ctx)
    dialog.fields["owner_line"].setText("Eigendom van Digibank Kortrijk")  # fine on its own
    dialog.fields["loan_period_days"].setText("9999")  # refused
    shot(dialog, "settings-error")
    dialog.accept()
    assert dialog.isVisible() and not saved
    assert dialog.errors["loan_period_days"].isVisible()
    assert "1 tot 730" in dialog.errors["loan_period_days"].text()
    assert not dialog.errors["owner_line"].isVisible()
    assert ctx.settings.owner_line == "" and ctx.settings.loan_period_days == 90
    assert settings_on_disk(ctx) == before
    dialog.fields["loan_period_days"].setText("60")
    dialog.accept()
    assert saved and not dialog.isVisible()
    assert ctx.settings.loan_period_days == 60
    on_disk = Settings.load(ctx.data_dir)
    assert (on_disk.loan_period_days, on_disk.owner_line) == (60, "Eigendom van Digibank Kortrijk")


def test_settings_and_backup_are_greyed_for_a_volunteer(qtbot, ctx):
    anna = ctx.staff.add("Anna", "coordinator", "4321")
    ctx.staff.add("Vera", "vrijwilliger", "1111", by=anna)
    window = make_window(qtbot, ctx)
    ctx.sign_in(ctx.staff.authenticate("Vera", "1111"))
    window.staff._signed_in(ctx.signed_in)
    files = window.file_actions
    for action in (files.settings_action, files.backup_action, files.restore_action):
        assert not action.isEnabled()
        assert action.toolTip() == "Alleen een coördinator mag dit."
    files.open_settings()  # a shortcut or a stale menu cannot open it either
    assert getattr(window, "settings_dialog", None) is None


def test_backup_now_then_restore_through_the_file_menu(qtbot, ctx):
    window = make_window(qtbot, ctx)
    files = window.file_actions
    told: list[str] = []
    files.inform = lambda title, text: told.append(text)
    files.warn = lambda title, text: told.append("WARN " + text)
    keep = add_borrower(ctx, "Mina", "El Amrani", "8500")
    files.backup_now()
    assert wait_for_running()
    made = sorted(backup.backup_folder(ctx.data_dir).glob("digibank-*"))
    assert len(made) == 1 and "nagekeken" in told[-1] and str(made[0]) in told[-1]
    backup.check_backup_file(made[0], ctx.db_key)

    later = add_borrower(ctx, "Jan", "Peeters", "9000")
    # A file that is no backup is refused by the integrity check, nothing replaced.
    bogus = ctx.data_dir / "niet-een-backup.db"
    bogus.write_bytes(b"no database at all")
    files.choose_backup = lambda: str(bogus)
    files.confirm = lambda title, text: True
    files.restore()
    assert wait_for_running()
    assert told[-1].startswith("WARN") and ctx.borrowers.get(later)
    # The real one: asked first, then put back, and the program closes.
    asked: list[str] = []
    files.choose_backup = lambda: str(made[0])
    files.confirm = lambda title, text: asked.append(text) or True
    files.restore()
    assert wait_for_running()
    assert asked and made[0].name in asked[0]
    assert "teruggezet" in told[-1]
    qtbot.waitUntil(lambda: not window.isVisible())
    assert ctx.borrowers.get(keep)
    found = [b.card_number for b in ctx.borrowers.find("Peeters")]
    assert later not in found


def test_f1_shows_the_help_of_the_tab_in_front_in_dutch_and_english(qtbot, ctx):
    window = make_window(qtbot, ctx)
    qtbot.waitUntil(window.isActiveWindow)  # F1 is a window shortcut
    window.show_tab(2)  # Ontleners
    qtbot.keyClick(window.borrowers_view.table.search_field, Qt.Key.Key_F1)
    dialog = window.help_dialog
    assert dialog.page == "ontleners"
    text = dialog.browser.toPlainText()
    assert "Ontleners" in text and "Samenvoegen" in text
    shot(dialog, "help-ontleners-nl")
    dialog.close()
    window.show_tab(0)
    qtbot.keyClick(window.counter_view, Qt.Key.Key_F1)
    assert window.help_dialog.page == "balie" and "Esc" in window.help_dialog.browser.toPlainText()
    assert "Borrowers" in help_text("ontleners", "en") and "Merge" in help_text("ontleners", "en")
    for page in ("balie", "toestellen", "ontleners", "helpdesk", "opleidingen", "werkbank", "schenkingen",
                 "wachtlijst", "rapporten", "synchronisatie", "algemeen"):  # fmt: skip
        assert help_text(page, "nl").startswith("# ") and help_text(page, "en").startswith("# ")
        assert help_text(page, "nl") != help_text(page, "en")


def test_attendance_list_and_attestation_from_opleidingen(qtbot, ctx, tmp_path):
    trainings = ctx.trainings
    cards = [add_borrower(ctx, "Mina", "El Amrani", "8500"), add_borrower(ctx, "Jan", "Peeters", "8500")]
    start = dt.datetime(2026, 11, 3, 14, 0)
    first = trainings.add("Veilig online 1", start, series="Veilig online", part=1, of=2)
    trainings.add("Veilig online 2", start + dt.timedelta(days=7), series="Veilig online", part=2, of=2)
    for card in cards:
        trainings.register(first.id, card)
    trainings.attend(first.id, cards[0])
    view = TrainingsView(trainings, location=ctx.locations.current, documents_dir=tmp_path / "docs",
                         open_files=False)  # fmt: skip
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.select_session(first.id)
    qtbot.waitUntil(lambda: view.people_table.rowCount() == 2)
    view.print_attendance_list()
    assert wait_for_running()
    assert view.last_document is not None and view.last_document.is_file()
    text = subprocess.run(["pdftotext", str(view.last_document), "-"], capture_output=True, text=True).stdout
    assert "El Amrani" in text and "Peeters" in text
    row = next(r for r in range(2) if view.people_table.item(r, 2).text() == cards[0])
    view.people_table.selectRow(row)
    view.print_attestation()
    assert wait_for_running()
    assert view.last_document.name.startswith(f"attest-{cards[0]}")
    text = subprocess.run(["pdftotext", str(view.last_document), "-"], capture_output=True, text=True).stdout
    assert "Mina El Amrani" in text and "Veilig online" in text
    shot(view, "trainings-papers")


def test_give_away_from_the_werkbank(qtbot, ctx, tmp_path):
    from ui.bench_view import BenchView

    card = ctx.borrowers.add(BorrowerInput("Rita", "Vermeulen", "8790")).card_number
    tag = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude 5490", "DL1")).asset_tag
    make_ready(ctx, tag)
    docs = tmp_path / "docs"
    view = BenchView(ctx.devices, ctx.bench, ctx.waiting_list, borrowers=ctx.borrowers,
                     location=ctx.locations.current, documents_dir=docs, open_files=False)  # fmt: skip
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    assert view.show_tag(tag)
    view.ask_card = lambda tag: card
    view.give_away()
    assert wait_for_running()
    assert ctx.devices.get(tag).status == "given-away"
    assert "weggeschonken" in view.message.text() and card in view.message.text()
    form = tmp_path / "docs" / f"overdracht-{tag}.pdf"
    text = subprocess.run(["pdftotext", str(form), "-"], capture_output=True, text=True).stdout
    assert "Rita Vermeulen" in text and tag in text
    shot(view, "bench-give-away")
