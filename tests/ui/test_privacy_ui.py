"""The window's erasure asks first and says that older backups keep the data until they
rotate out; the Ontleners view shows how many people are due for anonymisation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from app.borrowers import BorrowerInput
from db import clock
from db.models import Borrower
from ui.borrowers_view import BorrowersView


def _view(qtbot, ctx, **kw):
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy, **kw)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_erase_confirmation_names_the_backup_period(qtbot, ctx):
    card = ctx.borrowers.add(BorrowerInput("Zeynep", "Uniekenaam", "8500", phone="0470 99 88 77")).card_number
    view = _view(qtbot, ctx, backup_keep_days=14)
    view.table.select_id(ctx.borrowers.get(card).id)
    asked = []
    view._confirm_erase = lambda b: asked.append(view.erase_question(b)) or False
    view.erase_button.click()
    assert "14 dagen" in asked[0] and "Back-ups" in asked[0]
    assert ctx.borrowers.get(card).erased is False  # cancelled: nothing happened
    view._confirm_erase = lambda b: True
    view.erase_button.click()
    assert ctx.borrowers.get(card).erased is True
    assert "gewist" in view.message.text()


def test_retention_count_is_shown(qtbot, ctx):
    card = ctx.borrowers.add(BorrowerInput("Oud", "Test", "8500")).card_number
    ctx.borrowers.add(BorrowerInput("Nieuw", "Test", "8500"))
    long_ago = dt.datetime.now() - dt.timedelta(days=800)
    with ctx.sessions() as s, s.begin():
        stamp = clock.Stamp(int(long_ago.timestamp() * 1000), 0, "x").encode()
        s.execute(update(Borrower).where(Borrower.card_number == card).values(created_at=stamp))
    view = _view(qtbot, ctx)
    assert view.retention_label.isVisible()
    assert "1 persoon" in view.retention_label.text() and "24 maanden" in view.retention_label.text()
