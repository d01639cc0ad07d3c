"""Waiting list for devices."""

from __future__ import annotations

import datetime as dt

import pytest

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.waiting_list import WaitingListService


@pytest.fixture
def day():
    return {"today": dt.date(2026, 1, 10)}


@pytest.fixture
def waiting(ctx, day):
    return WaitingListService(ctx.sessions, today=lambda: day["today"])


def test_order_priority_then_date(ctx, waiting, day):
    a = ctx.borrowers.add(BorrowerInput("Ann", "Aerts", "8500")).card_number
    b = ctx.borrowers.add(BorrowerInput("Bart", "Bauwens", "8500")).card_number
    c = ctx.borrowers.add(BorrowerInput("Chris", "Claes", "8500")).card_number
    waiting.add(a, priority=2)
    day["today"] = dt.date(2026, 1, 11)
    waiting.add(b, priority=1)
    waiting.add(c, priority=2)
    waiting.add(c, kind="screen", priority=3)
    assert [r.borrower.card_number for r in waiting.list("laptop")] == [b, a, c]
    assert waiting.next("laptop").borrower.card_number == b
    assert waiting.next("screen").borrower.card_number == c
    assert [(r.entry.device_kind, r.position) for r in waiting.list()] == [
        ("laptop", 1),
        ("laptop", 2),
        ("laptop", 3),
        ("screen", 1),
    ]
    waiting.serve(waiting.next("laptop").entry.id)
    assert waiting.next("laptop").borrower.card_number == a
    with pytest.raises(UserError, match="staat al op de wachtlijst"):
        waiting.add(a)
    assert waiting.next("tablet") is None


def test_bad_input(ctx, waiting):
    a = ctx.borrowers.add(BorrowerInput("Ann", "Aerts", "8500")).card_number
    with pytest.raises(UserError, match="Prioriteit"):
        waiting.add(a, priority=7)
    with pytest.raises(UserError, match="Onbekende soort"):
        waiting.add(a, kind="boat")
