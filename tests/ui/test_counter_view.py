"""The counter with real keystrokes, as a keyboard-wedge scanner types them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from tests.ui.conftest import add_borrower, add_ready_devices, make_overdue
from ui.counter_view import CounterView


def make_view(qtbot, ctx: AppContext) -> CounterView:
    view = CounterView(ctx.counter())
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.scan_field)
    return view


def scan(qtbot, view: CounterView, code: str) -> None:
    qtbot.keyClicks(view.scan_field, code)
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Return)


def test_scan_field_has_focus_at_start(qtbot, ctx):
    view = make_view(qtbot, ctx)
    assert view.scan_field.hasFocus()
    assert view.result_kind.text() == "KLAAR"


def test_card_then_tag_lends_at_once(qtbot, counter_data):
    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx)

    scan(qtbot, view, card)
    assert view.borrower_name.text() == "Mia Peeters"
    assert card in view.borrower_details.text()
    assert "8500 Kortrijk" in view.borrower_details.text()
    assert view.result_kind.text() == "ONTLENER"

    scan(qtbot, view, tags[0].lower())  # people type lower case; scanners may too
    assert view.result_kind.text() == "UITGELEEND"
    assert tags[0] in view.result_label.text()
    assert "Mia Peeters" in view.result_label.text()
    assert view.loans_list.count() == 1
    assert tags[0] in view.loans_list.item(0).text()
    assert ctx.devices.get(tags[0]).status == "on-loan"
    assert ctx.loans.open_count() == 1
    assert view.scan_field.text() == ""
    assert view.scan_field.hasFocus()
    assert view.activity_list.count() == 2


def test_refusal_shows_the_reason(qtbot, counter_data):
    ctx, card, tags = counter_data
    other = add_borrower(ctx, "Jan", "Claes", "9000")
    view = make_view(qtbot, ctx)
    scan(qtbot, view, card)
    scan(qtbot, view, tags[0])
    view.scan_field.setFocus()
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Escape)

    scan(qtbot, view, other)
    scan(qtbot, view, tags[0])
    assert view.result_kind.text() == "GEWEIGERD"
    assert "nog uitgeleend aan Mia Peeters" in view.result_label.text()
    assert "eerst terugbrengen" in view.result_label.text()
    assert view.result_box.property("outcome") == "refused"
    assert view.borrower_name.text() == "Jan Claes"  # still the active borrower
    assert ctx.loans.open_count() == 1
    assert view.scan_field.hasFocus()


def test_device_not_ready_is_refused(qtbot, counter_data):
    ctx, card, _tags = counter_data
    from app.inventory import DeviceInput

    intake = ctx.devices.add(DeviceInput(kind="screen", brand="Dell", model="P2419H")).asset_tag
    view = make_view(qtbot, ctx)
    scan(qtbot, view, card)
    scan(qtbot, view, intake)
    assert view.result_kind.text() == "GEWEIGERD"
    assert "niet klaar om uit te lenen" in view.result_label.text()
    assert ctx.loans.open_count() == 0


def test_overdue_loan_marked_in_words(qtbot, counter_data):
    ctx, card, tags = counter_data
    make_overdue(ctx, ctx.loans.checkout(tags[0], card).loan.id)
    view = make_view(qtbot, ctx)
    scan(qtbot, view, card)
    assert view.loans_list.count() == 1
    assert view.loans_list.item(0).text().startswith("TE LAAT")
    assert "TE LAAT" in view.loans_title.text()
    assert "te laat" in view.result_label.text()
    scan(qtbot, view, tags[1])  # the service refuses a new loan while one is overdue
    assert view.result_kind.text() == "GEWEIGERD"
    assert "te laat" in view.result_label.text()


def test_escape_ends_borrower_and_tag_then_returns(qtbot, counter_data):
    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx)
    scan(qtbot, view, card)
    scan(qtbot, view, tags[1])
    assert ctx.loans.open_count() == 1

    qtbot.keyClick(view.scan_field, Qt.Key.Key_Escape)
    assert view.counter.active is None
    assert view.borrower_name.text() == "Geen actieve ontlener"
    assert view.result_kind.text() == "KLAAR"

    scan(qtbot, view, tags[1])  # no borrower: returned at once
    assert view.result_kind.text() == "TERUGGEBRACHT"
    assert "teruggebracht door Mia Peeters" in view.result_label.text()
    assert "Terug — eerst wissen in de Werkbank" in view.result_label.text()
    assert ctx.loans.open_count() == 0
    assert ctx.devices.get(tags[1]).status == "wiping"
    assert view.scan_field.hasFocus()


def test_tag_not_on_loan_without_borrower_is_shown(qtbot, counter_data):
    ctx, _card, tags = counter_data
    view = make_view(qtbot, ctx)
    scan(qtbot, view, tags[2])
    assert view.result_kind.text() == "INFO"
    assert "klaar om uit te lenen" in view.result_label.text()
    assert "Scan eerst een kaart" in view.result_label.text()
    assert ctx.loans.open_count() == 0


def test_unknown_code_is_not_recognised(qtbot, ctx):
    view = make_view(qtbot, ctx)
    scan(qtbot, view, "hallo")
    assert view.result_kind.text() == "NIET HERKEND"
    assert "geen kaart- of toestelnummer" in view.result_label.text()


def test_ctrl_z_undoes_last_checkout_and_return(qtbot, counter_data):
    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx)
    scan(qtbot, view, card)
    scan(qtbot, view, tags[0])
    assert ctx.loans.open_count() == 1

    qtbot.keyClick(view.scan_field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctx.loans.open_count() == 0
    assert ctx.devices.get(tags[0]).status == "ready"
    assert "ongedaan" in view.result_label.text()
    assert view.loans_list.count() == 0
    assert view.scan_field.hasFocus()

    scan(qtbot, view, tags[0])
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Escape)
    scan(qtbot, view, tags[0])
    assert ctx.loans.open_count() == 0
    qtbot.keyClick(view.scan_field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctx.loans.open_count() == 1  # the return was a mistake: lent again

    qtbot.keyClick(view.scan_field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.result_kind.text() == "GEWEIGERD"
    assert "niets om ongedaan te maken" in view.result_label.text()


def test_burst_of_scans_without_event_processing(qtbot, ctx):
    """A scanner typing 21 codes back to back: every Enter takes exactly its own code."""
    ctx.settings.max_open_loans_per_borrower = 25
    card = add_borrower(ctx)
    tags = add_ready_devices(ctx, 20)
    view = make_view(qtbot, ctx)
    lent = []
    view.loans_changed.connect(lambda: lent.append(view.counter.last_undoable))

    # One keyClicks call: all keystrokes delivered without a pause or an event-loop turn.
    qtbot.keyClicks(view.scan_field, "\r".join([card, *tags]) + "\r")

    assert view.processed == 21
    assert len(lent) == 20
    assert len({loan_id for _action, loan_id in lent}) == 20
    assert ctx.loans.open_count() == 20
    open_tags = sorted(v.device.asset_tag for v in ctx.loans.list(open_only=True))
    assert open_tags == sorted(tags)
    assert view.loans_list.count() == 20
    assert view.activity_list.count() == 21
    assert all("UITGELEEND" in view.activity_list.item(i).text() for i in range(20))
    assert view.scan_field.text() == ""
    assert view.scan_field.hasFocus()


def test_scan_arriving_while_busy_is_queued_not_lost(qtbot, counter_data):
    """A scan that arrives during processing (e.g. from a nested event loop) waits its turn."""
    ctx, card, tags = counter_data
    ctx.settings.max_open_loans_per_borrower = 5
    view = make_view(qtbot, ctx)
    order = []
    view.loans_changed.connect(lambda: order.append(view.counter.last_undoable))

    def nested_scan() -> None:
        if len(order) == 1:  # while the first checkout is still being shown
            view.scan(tags[1])
            assert len(order) == 1  # queued, not processed inside this one

    view.loans_changed.connect(nested_scan)
    scan(qtbot, view, card)
    scan(qtbot, view, tags[0])
    assert view.processed == 3
    assert ctx.loans.open_count() == 2
    assert ctx.devices.get(tags[1]).status == "on-loan"


def test_a_crashing_scan_does_not_swallow_the_next(qtbot, counter_data, monkeypatch):
    import sys

    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx)
    hooked = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: hooked.append(info[1]))
    real_scan = view.counter.scan

    def flaky(text: str):
        if text == "BOOM":
            raise RuntimeError("database gone")
        return real_scan(text)

    monkeypatch.setattr(view.counter, "scan", flaky)
    qtbot.keyClicks(view.scan_field, f"{card}\rBOOM\r{tags[0]}\r")
    assert len(hooked) == 1 and isinstance(hooked[0], RuntimeError)
    assert ctx.loans.open_count() == 1  # the scan after the broken one still lent
    assert view.result_kind.text() == "UITGELEEND"


def test_an_idle_borrower_is_ended_so_the_next_device_is_not_lent_to_them(qtbot, counter_data):
    ctx, card, tags = counter_data
    view = make_view(qtbot, ctx)
    view.idle_timer.setInterval(50)  # 3 minutes at the counter; a blink here
    scan(qtbot, view, card)
    assert view.counter.active is not None
    qtbot.waitUntil(lambda: view.counter.active is None, timeout=2000)
    assert "zonder scan" in view.result_label.text()
    scan(qtbot, view, tags[0])  # no one active any more: shown, not lent
    assert ctx.loans.open_count() == 0
