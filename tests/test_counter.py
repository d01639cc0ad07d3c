"""The counter's scan logic without a window: card → borrower, tag → lend/return/show."""

from __future__ import annotations

import datetime as dt

import pytest

from app.borrowers import BorrowerInput
from app.context import open_context
from app.counter import Outcome
from app.inventory import DeviceInput
from tests.conftest import make_ready


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 10, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cc(tmp_path, clock):
    context = open_context(tmp_path / "counter", actor="test", now=clock)
    context.locations.initialise("KRT", "Kortrijk balie")
    yield context
    context.close()


def device(ctx, ready=True, serial="SN1"):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", serial)).asset_tag
    if ready:
        make_ready(ctx, tag)
    return tag


def card(ctx, first="Jan", last="Peeters"):
    return ctx.borrowers.add(BorrowerInput(first, last, "8500")).card_number


def test_card_then_tag_lends_and_tag_alone_returns(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    first = counter.scan(c)
    assert first.outcome is Outcome.BORROWER
    assert "Jan Peeters" in first.message and "0 toestel" in first.message
    lent = counter.scan(tag)
    assert lent.outcome is Outcome.LENT
    assert lent.ok
    assert "uitgeleend aan Jan Peeters" in lent.message
    assert [v.device.asset_tag for v in lent.open_loans] == [tag]
    assert cc.loans.open_count() == 1
    assert counter.end_borrower().outcome is Outcome.ENDED
    assert counter.active is None
    back = counter.scan(tag)
    assert back.outcome is Outcome.RETURNED
    assert "teruggebracht door Jan Peeters" in back.message
    assert "Terug — eerst wissen in de Werkbank" in back.message
    assert cc.loans.open_count() == 0
    assert cc.devices.get(tag).status == "wiping"


def test_returned_laptop_scanned_for_the_next_person_is_refused_until_wiped(cc, clock):
    tag, jan, els = device(cc), card(cc), card(cc, "Els", "Maes")
    counter = cc.counter()
    counter.scan(jan)
    assert counter.scan(tag).outcome is Outcome.LENT
    counter.end_borrower()
    clock.now += dt.timedelta(days=10)
    assert counter.scan(tag).outcome is Outcome.RETURNED
    counter.scan(els)
    refused = counter.scan(tag)
    assert refused.outcome is Outcome.REFUSED
    assert "nog niet gewist na de vorige uitlening" in refused.message
    assert "Werkbank" in refused.message
    assert cc.loans.open_count() == 0
    clock.now += dt.timedelta(minutes=30)
    cc.bench.record_wipe(tag, method="nist-purge", result="passed")
    cc.devices.set_status(tag, "ready")
    lent = counter.scan(tag)
    assert lent.outcome is Outcome.LENT and "Els Maes" in lent.message


def test_undo_of_a_return_at_the_counter_reopens_the_same_loan(cc, clock):
    tag, jan = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(jan)
    lent = counter.scan(tag)
    counter.end_borrower()
    clock.now += dt.timedelta(days=3)
    assert counter.scan(tag).outcome is Outcome.RETURNED
    clock.now += dt.timedelta(seconds=40)
    undone = counter.undo()
    assert undone.ok
    assert cc.devices.get(tag).status == "on-loan"
    assert cc.loans.for_device(tag).loan.id == lent.loan.loan.id


def test_scans_are_cleaned_like_a_scanner_or_a_typist_sends_them(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    assert counter.scan(f"  {c.lower()} ").outcome is Outcome.BORROWER
    assert counter.scan(tag.lower()).outcome is Outcome.LENT


def test_tag_without_borrower_and_not_lent_is_shown(cc):
    tag = device(cc, ready=False)
    outcome = cc.counter().scan(tag)
    assert outcome.outcome is Outcome.SHOWN
    assert "binnengekomen" in outcome.message
    assert outcome.device.asset_tag == tag


def test_refusal_keeps_the_borrower_active_and_says_why(cc):
    tag, c = device(cc, ready=False), card(cc)
    counter = cc.counter()
    counter.scan(c)
    outcome = counter.scan(tag)
    assert outcome.outcome is Outcome.REFUSED
    assert not outcome.ok
    assert "niet klaar" in outcome.message
    assert counter.active is not None and counter.active.card_number == c
    assert cc.loans.open_count() == 0


def test_unknown_codes(cc):
    counter = cc.counter()
    assert counter.scan("").outcome is Outcome.UNKNOWN
    assert counter.scan("hallo").outcome is Outcome.UNKNOWN
    unknown_tag = counter.scan("KRT-000999")
    assert unknown_tag.outcome is Outcome.REFUSED
    assert "KRT-000999" in unknown_tag.message
    assert counter.scan("KRT-B-00999").outcome is Outcome.REFUSED
    assert counter.active is None


def test_blocked_and_overdue_are_announced_on_the_card_scan(cc, clock):
    tag, c = device(cc), card(cc)
    cc.loans.checkout(tag, c, due=dt.date(2026, 3, 3))
    clock.now = dt.datetime(2026, 3, 10, 9, 0)
    cc.borrowers.block(c, "schade")
    outcome = cc.counter().scan(c)
    assert "1 te laat" in outcome.message
    assert "GEBLOKKEERD: schade" in outcome.message
    assert outcome.open_loans[0].overdue


def test_late_return_is_mentioned(cc, clock):
    tag, c = device(cc), card(cc)
    cc.loans.checkout(tag, c, due=dt.date(2026, 3, 3))
    clock.now = dt.datetime(2026, 3, 10, 9, 0)
    outcome = cc.counter().scan(tag)
    assert outcome.outcome is Outcome.RETURNED
    assert "te laat" in outcome.message and "03/03/2026" in outcome.message


def test_undo_last_checkout_and_last_return(cc, clock):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    assert counter.undo().outcome is Outcome.REFUSED  # nothing yet
    counter.scan(c)
    counter.scan(tag)
    assert counter.undo().ok
    assert cc.loans.open_count() == 0
    assert cc.devices.get(tag).status == "ready"
    counter.scan(tag)
    counter.end_borrower()
    counter.scan(tag)  # returned
    clock.now += dt.timedelta(seconds=20)
    assert counter.undo().ok
    assert cc.loans.open_count() == 1


def test_undo_after_a_minute_is_refused(cc, clock):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    counter.scan(tag)
    clock.now += dt.timedelta(seconds=90)
    outcome = counter.undo()
    assert outcome.outcome is Outcome.REFUSED
    assert cc.loans.open_count() == 1


def test_return_names_the_next_person_on_the_waiting_list(cc):
    tag, lender = device(cc), card(cc)
    waiting = card(cc, "Noor", "Jacobs")
    cc.waiting_list.add(waiting, kind="laptop")
    counter = cc.counter()
    counter.scan(lender)
    counter.scan(tag)
    counter.end_borrower()
    returned = counter.scan(tag)
    assert returned.outcome is Outcome.RETURNED
    assert "Wachtlijst: Noor Jacobs" in returned.message and waiting in returned.message


def test_return_without_anyone_waiting_adds_no_hint(cc):
    tag, lender = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(lender)
    counter.scan(tag)
    counter.end_borrower()
    assert "Wachtlijst" not in counter.scan(tag).message


def test_the_active_person_bringing_back_their_own_device_returns_it(cc, clock):
    from app.counter import RECENT_LEND_SECONDS

    tag, own = device(cc), card(cc)
    other_tag = device(cc, serial="SN2")
    someone_else = card(cc, "An", "Claes")
    counter = cc.counter()
    counter.scan(own)
    counter.scan(tag)
    counter.scan(someone_else)
    counter.scan(other_tag)
    clock.now += dt.timedelta(seconds=RECENT_LEND_SECONDS)  # not the double scan of a fresh loan
    counter.scan(own)
    back = counter.scan(tag)  # Jan is active and hands in his laptop
    assert back.outcome is Outcome.RETURNED
    assert back.borrower is not None and back.borrower.card_number == own
    assert back.open_loans == []
    refused = counter.scan(other_tag)  # An's laptop stays lent while Jan is active
    assert refused.outcome is Outcome.REFUSED and "An Claes" in refused.message


def test_a_second_scan_of_the_tag_just_lent_does_not_return_it(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    assert counter.scan(tag).outcome is Outcome.LENT
    again = counter.scan(tag)  # the scanner fired twice, or the volunteer scanned again to be sure
    assert cc.loans.open_count() == 1
    assert cc.devices.get(tag).status == "on-loan"
    assert "al uitgeleend aan Jan Peeters" in again.message and "zojuist" in again.message
    assert again.outcome is not Outcome.RETURNED
    assert counter.active is not None  # still with this person


def test_the_just_lent_tag_is_returned_only_on_a_deliberate_second_step(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    counter.scan(tag)
    asked = counter.scan(tag)
    assert asked.outcome is Outcome.ASK_RETURN
    assert counter.pending_return == tag
    back = counter.confirm_return()
    assert back.outcome is Outcome.RETURNED
    assert cc.loans.open_count() == 0
    assert counter.pending_return is None
    assert counter.confirm_return().outcome is Outcome.REFUSED  # nothing asked any more


def test_any_other_scan_or_escape_drops_the_return_question(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    counter.scan(tag)
    counter.scan(tag)
    counter.scan(c)  # the card again: the question is gone
    assert counter.pending_return is None
    assert counter.confirm_return().outcome is Outcome.REFUSED
    assert cc.loans.open_count() == 1
    counter.scan(tag)
    counter.end_borrower()
    assert counter.pending_return is None
    assert cc.loans.open_count() == 1


def test_escape_then_the_just_lent_tag_returns_it_in_one_scan(cc):
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    counter.scan(tag)
    counter.scan(tag)
    counter.end_borrower()
    back = counter.scan(tag)  # return mode: no person active
    assert back.outcome is Outcome.RETURNED
    assert cc.loans.open_count() == 0


def test_own_device_lent_longer_ago_is_returned_in_one_scan(cc, clock):
    from app.counter import RECENT_LEND_SECONDS

    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    counter.scan(tag)
    clock.now += dt.timedelta(seconds=RECENT_LEND_SECONDS + 1)
    assert counter.scan(tag).outcome is Outcome.RETURNED
    assert cc.loans.open_count() == 0


def test_the_counter_says_the_deposit_to_collect_and_to_refund(cc, clock):
    cc.settings.deposit_by_kind_cents = {"laptop": 2500}
    tag, c = device(cc), card(cc)
    counter = cc.counter()
    counter.scan(c)
    lent = counter.scan(tag)
    assert "Ontvang € 25,00 waarborg" in lent.message and "contant" in lent.message
    paid = counter.record_deposit(tag, None, "payconiq")
    assert "Payconiq" in paid.message
    counter.end_borrower()
    back = counter.scan(tag)
    assert "Geef € 25,00 waarborg terug" in back.message


def test_return_with_the_checklist_keeps_part_of_the_deposit(cc, clock):
    tag, c = device(cc), card(cc)
    cc.loans.checkout(tag, c, deposit_cents=2500)
    counter = cc.counter()
    counter.scan(c)
    refused = counter.return_with(tag, "scherm gebarsten", refund_cents=500)
    assert refused.outcome is Outcome.REFUSED and "reden" in refused.message
    back = counter.return_with(tag, "scherm gebarsten", "repair", 500, "scherm")
    assert back.outcome is Outcome.RETURNED
    assert "Geef € 5,00 waarborg terug" in back.message
    assert "€ 20,00 waarborg ingehouden: scherm" in back.message
    assert cc.devices.get(tag).status == "repair"


def test_extend_at_the_counter_only_for_the_active_person(cc, clock):
    tag, c, other = device(cc), card(cc), card(cc, "An", "Claes")
    view = cc.loans.checkout(tag, c)
    counter = cc.counter()
    assert counter.extend(tag).outcome is Outcome.REFUSED  # nobody active
    counter.scan(other)
    assert counter.extend(tag).outcome is Outcome.REFUSED  # not An's laptop
    counter.scan(c)
    longer = counter.extend(tag)
    assert longer.outcome is Outcome.EXTENDED
    assert cc.loans.for_device(tag).loan.due_date > view.loan.due_date


def test_a_blocked_card_is_a_blocked_outcome_at_once(cc):
    c = card(cc)
    cc.borrowers.block(c, "schade")
    outcome = cc.counter().scan(c)
    assert outcome.outcome is Outcome.BLOCKED and not outcome.ok
    assert "GEBLOKKEERD: schade — niet uitlenen" in outcome.message
