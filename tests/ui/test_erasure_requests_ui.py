"""The window at an ordinary counter: erasing asks for it, the person shows "wissing
aangevraagd op … door …", and the coordinator's small list confirms it where the token
allows (issue 11)."""

from __future__ import annotations

from app.borrowers import BorrowerInput
from app.sync.service import TOKEN_SCOPE_KEY
from db.changes import write_state
from ui.borrowers_view import BorrowersView, ErasureRequestsDialog


def _scope(ctx, scope: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.sessions() as s, s.begin():
        write_state(s, TOKEN_SCOPE_KEY, scope)


def _view(qtbot, ctx):  # type: ignore[no-untyped-def]
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy, erasures=ctx.erasure_requests)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_an_erasure_at_a_counter_is_asked_and_shown_pending(qtbot, ctx):
    person = ctx.borrowers.add(BorrowerInput("Zeynep", "Uniekenaam", "8500"))
    _scope(ctx, "counter")
    view = _view(qtbot, ctx)
    view.table.select_id(person.id)
    asked = []
    view._confirm_erase = lambda b: asked.append(view.erase_question(b)) or True
    view.erase_button.click()
    assert "bevestigt" in asked[0]  # the question says it waits for a coordinator
    assert ctx.borrowers.get(person.card_number).erased is False
    assert "aangevraagd" in view.message.text()
    assert "wissing aangevraagd op" in view.detail_text.text()
    assert not view.erase_button.isEnabled()
    assert view.erasures_button.isVisible() and "1" in view.erasures_button.text()
    view.grab().save("/tmp/erasure_pending.png")

    dialog = ErasureRequestsDialog(ctx.erasure_requests, parent=view)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 1
    assert not dialog.approve_button.isEnabled()  # this PC's token may not erase
    assert "coördinatorsleutel" in dialog.note.text()
    dialog.grab().save("/tmp/erasure_dialog.png")

    _scope(ctx, "coordinator")
    dialog = ErasureRequestsDialog(ctx.erasure_requests, parent=view)
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(0)
    assert dialog.approve_button.isEnabled()
    dialog._confirm = lambda _p: True
    dialog.approve_button.click()
    assert ctx.borrowers.get(person.card_number).erased is True
    assert dialog.list.count() == 0


def test_a_lone_counter_erases_at_once_in_the_window(qtbot, ctx):
    person = ctx.borrowers.add(BorrowerInput("Zeynep", "Uniekenaam", "8500"))
    view = _view(qtbot, ctx)
    view.table.select_id(person.id)
    view._confirm_erase = lambda b: True
    view.erase_button.click()
    assert ctx.borrowers.get(person.card_number).erased is True
    assert not view.erasures_button.isVisible()
