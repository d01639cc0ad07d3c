"""The Uitleningen tab: open loans, filters, sorting by header, opening the person or device,
the TE LAAT counter, call outcomes and the reminders panel (letters to PDF, e-mail)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.borrowers import BorrowerInput
from app.settings_service import change
from tests.shots import shots_folder
from tests.test_reminders import free_port, smtp_server  # noqa: F401 (fixture)
from tests.ui.conftest import add_ready_devices, make_overdue
from ui.main_window import MainWindow
from ui.operations import wait_for_running


def lend_three(ctx):
    tags = add_ready_devices(ctx, 3)
    loans = {}
    people = (
        ("Mia", "Peeters", "mia@example.org", "0470 12 34 56"),
        ("Els", "Aerts", "", "0470 12 34 57"),  # each their own phone: one number twice is a duplicate
        ("Omar", "Yilmaz", "omar@example.org", "0470 12 34 58"),
    )
    for tag, (first, last, mail, phone) in zip(tags, people, strict=True):
        card = ctx.borrowers.add(BorrowerInput(first, last, "8500", phone=phone, email=mail)).card_number
        loans[last] = ctx.loans.checkout(tag, card)
    make_overdue(ctx, loans["Aerts"].loan.id, days=9)
    make_overdue(ctx, loans["Yilmaz"].loan.id, days=2)
    return tags, loans


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def shown_names(view):
    model = view._model
    return [model.record(r).name.split()[-1] for r in range(model.rowCount())]


def test_the_overview_filters_sorts_and_opens_records(qtbot, ctx):
    tags, loans = lend_three(ctx)
    window = make_window(qtbot, ctx)
    view = window.loans_view
    window.tabs.setCurrentWidget(view)
    assert shown_names(view) == ["Aerts", "Yilmaz", "Peeters"]  # due date first

    # The header sorts in SQL: by name, then the other way round.
    header = view._table.table.horizontalHeader()
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    assert shown_names(view) == ["Aerts", "Peeters", "Yilmaz"]
    header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)
    assert shown_names(view) == ["Yilmaz", "Peeters", "Aerts"]
    header.setSortIndicator(2, Qt.SortOrder.AscendingOrder)  # the card column does not sort
    assert header.sortIndicatorSection() == 1

    view._table.search_field.setText("yilmaz")
    view._table.run_search()
    assert shown_names(view) == ["Yilmaz"]
    view._table.select_row(0)
    assert "TE LAAT: 2 dag(en)" in view._detail_text.text()

    view._person_button.click()
    assert window.tabs.currentWidget() is window.borrowers_view
    assert window.borrowers_view.current_borrower().last_name == "Yilmaz"
    window.tabs.setCurrentWidget(view)
    view._device_button.click()
    assert window.tabs.currentWidget() is window.devices_view
    assert window.devices_view.current_device().asset_tag == tags[2]
    # The device's details show its history.
    assert "Geschiedenis:" in window.devices_view.detail_text.text()
    assert "Uitgeleend: Omar Yilmaz" in window.devices_view.detail_text.text()


def test_the_late_counter_opens_the_late_loans(qtbot, ctx):
    lend_three(ctx)
    window = make_window(qtbot, ctx)
    assert window.status.overdue_label.text() == "TE LAAT: 2"
    qtbot.mouseClick(window.status.overdue_label, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.loans_view
    assert shown_names(window.loans_view) == ["Aerts", "Yilmaz"]


def test_call_outcome_is_logged_and_shown(qtbot, ctx):
    lend_three(ctx)
    window = make_window(qtbot, ctx)
    view = window.loans_view
    window.tabs.setCurrentWidget(view)
    view._filter.setCurrentIndex(3)  # the call list
    assert shown_names(view) == ["Aerts", "Yilmaz"]
    view._table.select_row(0)
    view._call_buttons["no-answer"].click()
    assert wait_for_running()
    qtbot.waitUntil(lambda: "genoteerd" in view._message.text())
    [item] = [i for i in ctx.reminders.call_list() if i.name.endswith("Aerts")]
    assert item.last_outcome == "no-answer"
    # The list reloaded by itself (the data-changed bus): the column shows the outcome.
    qtbot.waitUntil(lambda: view._model.record(0).last_call == "no-answer")
    assert "Gebeld: geen antwoord" in view._detail_text.text()


def test_reminders_panel_letters_and_emails(qtbot, ctx, tmp_path, smtp_server):  # noqa: F811
    inbox, port = smtp_server
    for name, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", "none"),
                        ("smtp_from", "balie@example.org")):  # fmt: skip
        change(ctx.settings, name, value)
    lend_three(ctx)
    window = make_window(qtbot, ctx)
    view = window.loans_view
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "2 brief/brieven en 1 e-mail(s)" in view._due_label.text())

    out = tmp_path / "brieven.pdf"
    view._ask_letters_file = lambda: out
    view._letters_button.click()
    assert wait_for_running()
    qtbot.waitUntil(lambda: "2 brief/brieven klaar" in view._message.text())
    assert out.exists()

    view._confirm = lambda _text: True
    view._email_button.click()
    assert wait_for_running()
    qtbot.waitUntil(lambda: "1 e-mail(s) verstuurd" in view._message.text())
    assert len(inbox.messages) == 1 and "Omar Yilmaz" in inbox.messages[0]["To"]
    qtbot.waitUntil(lambda: "0 brief/brieven en 0 e-mail(s)" in view._due_label.text())
    assert not view._letters_button.isEnabled() and not view._email_button.isEnabled()

    folder = shots_folder()
    if folder is not None:
        window.resize(1366, 768)
        view._table.select_row(0)
        window.grab().save(str(folder / "loans_view.png"))


def test_the_mail_password_goes_to_the_keychain(qtbot, ctx, keychain):
    from app.credentials import SERVICE

    change(ctx.settings, "smtp_host", "smtp.example.org")
    change(ctx.settings, "smtp_user", "balie")
    window = make_window(qtbot, ctx)
    view = window.loans_view
    view._ask_password = lambda: "geheim-wachtwoord"
    view._password_button.click()
    assert wait_for_running()
    qtbot.waitUntil(lambda: "sleutelhanger" in view._message.text())
    assert keychain.get_password(SERVICE, "smtp@balie@smtp.example.org") == "geheim-wachtwoord"
    ctx.save_settings()
    assert "geheim-wachtwoord" not in (ctx.data_dir / "settings.json").read_text(encoding="utf-8")


def test_without_a_keychain_the_password_is_refused_plainly(qtbot, ctx, no_keychain):
    change(ctx.settings, "smtp_host", "smtp.example.org")
    window = make_window(qtbot, ctx)
    view = window.loans_view
    view._ask_password = lambda: "geheim"
    view._password_button.click()
    assert wait_for_running()
    qtbot.waitUntil(lambda: "sleutelhanger" in view._message.text() and "Niet gelukt" in view._message.text())
