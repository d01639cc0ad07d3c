"""Loans: checkout and every refusal, return, extend, undo within a minute, open/overdue lists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.context import open_context
from app.errors import NotFound, UserError
from app.inventory import DeviceInput
from db.base import OutboxEntry
from db.models import Borrower, Device, Loan
from tests.conftest import make_ready

START = dt.datetime(2026, 3, 2, 10, 0, 0)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def lc(tmp_path, clock):
    """A counter whose 'now' the test controls."""
    context = open_context(tmp_path / "loans", actor="test", now=clock)
    context.locations.initialise("KRT", "Kortrijk balie")
    yield context
    context.close()


def ready_device(ctx, serial="SN1"):
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", serial))
    make_ready(ctx, device.asset_tag)
    return device.asset_tag


def person(ctx, first="Jan", last="Peeters"):
    return ctx.borrowers.add(BorrowerInput(first, last, "8500")).card_number


def counts(ctx):
    with ctx.sessions() as s:
        loans = s.scalar(select(func.count()).select_from(Loan))
        outbox = s.scalar(select(func.count()).select_from(OutboxEntry))
    return loans, outbox


def test_checkout_with_the_default_loan_period(lc):
    tag, card = ready_device(lc), person(lc)
    view = lc.loans.checkout(tag, card)
    assert view.loan.due_date == dt.date(2026, 3, 2) + dt.timedelta(days=lc.settings.loan_period_days)
    assert view.loan.out_at == START
    assert view.loan.state == "open"
    assert view.loan.out_location_id == lc.locations.current().id
    assert lc.devices.get(tag).status == "on-loan"
    assert lc.loans.open_count() == 1
    assert lc.loans.for_device(tag).borrower.card_number == card


def test_checkout_with_an_explicit_due_date_and_deposit(lc):
    tag, card = ready_device(lc), person(lc)
    view = lc.loans.checkout(tag, card, due=dt.date(2026, 3, 2), deposit_cents=2500)
    assert (view.loan.due_date, view.loan.deposit_cents) == (dt.date(2026, 3, 2), 2500)


def refused(ctx, tag, card, match, **kw):
    before = counts(ctx)
    status = ctx.devices.get(tag).status
    with pytest.raises(UserError, match=match) as info:
        ctx.loans.checkout(tag, card, **kw)
    assert counts(ctx) == before, "a refused checkout wrote something"
    assert ctx.devices.get(tag).status == status
    return info.value.message


def test_refused_when_the_device_is_not_ready(lc):
    tag = lc.devices.add(DeviceInput("laptop", "Dell", "E7470", "X")).asset_tag
    message = refused(lc, tag, person(lc), "niet klaar")
    assert "binnengekomen" in message


def test_refused_when_already_lent_names_the_holder_and_due_date(lc):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc, "Jan", "Peeters"), due=dt.date(2026, 4, 12))
    message = refused(lc, tag, person(lc, "Els", "Maes"), "nog uitgeleend")
    assert "Jan Peeters" in message
    assert "12/04/2026" in message
    assert lc.loans.open_count() == 1


def test_refused_when_the_borrower_is_blocked(lc):
    tag, card = ready_device(lc), person(lc)
    lc.borrowers.block(card, "toestel niet teruggebracht")
    message = refused(lc, tag, card, "geblokkeerd")
    assert "toestel niet teruggebracht" in message


def test_refused_when_the_borrower_is_erased(lc):
    tag, card = ready_device(lc), person(lc)
    with lc.sessions() as s, s.begin():
        s.scalar(select(Borrower).where(Borrower.card_number == card)).erased = True
    refused(lc, tag, card, "gewiste persoon")


def test_refused_when_the_borrower_has_an_overdue_loan(lc, clock):
    lc.settings.loan_period_days = 14
    lc.settings.max_open_loans_per_borrower = 5  # so only the overdue rule can refuse
    card = person(lc)
    lc.loans.checkout(ready_device(lc, "A"), card)
    second = ready_device(lc, "B")
    clock.advance(days=15)
    refused(lc, second, card, "te laat")
    lc.loans.extend("KRT-000001")
    lc.loans.checkout(second, card)
    assert lc.loans.open_count() == 2


def test_refused_at_the_maximum_of_open_loans(lc):
    lc.settings.max_open_loans_per_borrower = 2
    card = person(lc)
    lc.loans.checkout(ready_device(lc, "A"), card)
    lc.loans.checkout(ready_device(lc, "B"), card)
    message = refused(lc, ready_device(lc, "C"), card, "maximum 2")
    assert "al 2 toestel" in message


def test_refused_when_the_due_date_is_in_the_past(lc):
    refused(lc, ready_device(lc), person(lc), "verleden", due=dt.date(2026, 3, 1))


def test_unknown_tag_or_card(lc):
    tag, card = ready_device(lc), person(lc)
    with pytest.raises(NotFound, match="toestel"):
        lc.loans.checkout("KRT-000999", card)
    with pytest.raises(NotFound, match="ontlener"):
        lc.loans.checkout(tag, "KRT-B-00999")
    assert lc.loans.open_count() == 0


def test_return_sends_the_device_to_wiping_never_to_ready(lc, clock):
    tag, card = ready_device(lc), person(lc)
    lc.loans.checkout(tag, card)
    clock.advance(days=3)
    view = lc.loans.return_device(tag, condition=" kras ")
    assert view.loan.state == "returned"
    assert view.loan.in_at == START + dt.timedelta(days=3)
    assert view.loan.condition_in == "kras"
    assert view.loan.in_location_id == lc.locations.current().id
    assert lc.devices.get(tag).status == "wiping"
    assert lc.loans.open_count() == 0
    assert lc.loans.for_device(tag) is None


def test_return_straight_to_ready_is_refused(lc):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc))
    before = counts(lc)
    with pytest.raises(UserError, match="eerst gewist"):
        lc.loans.return_device(tag, to_status="ready")
    assert counts(lc) == before
    assert lc.devices.get(tag).status == "on-loan"


def test_lent_returned_and_lent_again_is_refused_until_wiped_after_the_return(lc, clock):
    """The gate: a wipe from before the last loan does not count, one after its return does."""
    tag = ready_device(lc)  # wiped at START, before the first loan
    lc.loans.checkout(tag, person(lc, "Jan", "Peeters"))
    clock.advance(days=14)
    lc.loans.return_device(tag)
    els = person(lc, "Els", "Maes")
    before = counts(lc)
    with pytest.raises(UserError, match="nog niet gewist na de vorige uitlening") as refused:
        lc.loans.checkout(tag, els)
    assert "Werkbank" in refused.value.message
    assert "02/03/2026 10:00" in refused.value.message  # the old wipe is named, not counted
    assert counts(lc) == before
    # Setting it ready by hand is refused for the same reason, also with an old wipe in the past.
    with pytest.raises(UserError, match="nog niet gewist na de vorige uitlening"):
        lc.devices.set_status(tag, "ready")
    clock.advance(hours=1)
    lc.bench.record_wipe(tag, method="nist-clear", result="passed", technician="Tom")
    lc.devices.set_status(tag, "ready")
    view = lc.loans.checkout(tag, els)
    assert view.borrower.card_number == els


def test_a_ready_status_without_a_wipe_after_the_return_is_not_lendable(lc, clock):
    """A status that says *ready* (synced from elsewhere, or from an older version) is not enough."""
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc, "Jan", "Peeters"))
    clock.advance(days=2)
    lc.loans.return_device(tag)
    with lc.sessions() as s, s.begin():
        device = s.scalar(select(Device).where(Device.asset_tag == tag))
        device.status = "ready"
    with pytest.raises(UserError, match="nog niet gewist na de vorige uitlening"):
        lc.loans.checkout(tag, person(lc, "Els", "Maes"))


def test_a_wipe_stamped_the_same_second_as_the_return_does_not_count(lc, clock):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc, "Jan", "Peeters"))
    lc.loans.return_device(tag)
    with pytest.raises(UserError, match="nog niet gewist na de vorige uitlening"):
        make_ready(lc, tag)  # same frozen second as the checkout and the return


def test_return_to_repair(lc):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc))
    lc.loans.return_device(tag, to_status="repair")
    assert lc.devices.get(tag).status == "repair"


def test_return_of_a_device_that_is_not_lent_is_refused(lc):
    tag = ready_device(lc)
    before = counts(lc)
    with pytest.raises(UserError, match="niet uitgeleend"):
        lc.loans.return_device(tag)
    with pytest.raises(UserError, match="Na terugbrengen"):
        lc.loans.return_device(tag, to_status="lost")
    assert counts(lc) == before


def test_extend_by_one_period_or_to_a_date(lc, clock):
    lc.settings.loan_period_days = 30
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc))
    view = lc.loans.extend(tag)
    assert view.loan.due_date == dt.date(2026, 3, 2) + dt.timedelta(days=60)
    assert view.loan.extensions == 1
    view = lc.loans.extend(tag, due=dt.date(2026, 12, 24))
    assert (view.loan.due_date, view.loan.extensions) == (dt.date(2026, 12, 24), 2)
    with pytest.raises(UserError, match="na 24/12/2026"):
        lc.loans.extend(tag, due=dt.date(2026, 12, 24))
    # An overdue loan is extended from today, not from the old due date.
    clock.advance(days=400)
    view = lc.loans.extend(tag)
    assert view.loan.due_date == clock.now.date() + dt.timedelta(days=30)


def test_extend_refused_when_not_lent(lc):
    with pytest.raises(UserError, match="niets te verlengen"):
        lc.loans.extend(ready_device(lc))


def test_undo_checkout_within_a_minute(lc, clock):
    tag = ready_device(lc)
    view = lc.loans.checkout(tag, person(lc))
    clock.advance(seconds=59)
    lc.loans.undo_checkout(view.loan.id)
    assert lc.devices.get(tag).status == "ready"
    assert lc.loans.open_count() == 0
    with lc.sessions() as s:
        # Cancelled (an edit a counter-scope token may sync), never a hard delete.
        assert s.get(Loan, view.loan.id).state == "cancelled"
    with pytest.raises(UserError, match="niets meer"):
        lc.loans.undo_checkout(view.loan.id)


def test_undo_checkout_refused_after_a_minute(lc, clock):
    tag = ready_device(lc)
    view = lc.loans.checkout(tag, person(lc))
    clock.advance(seconds=61)
    with pytest.raises(UserError, match="een minuut"):
        lc.loans.undo_checkout(view.loan.id)
    assert lc.devices.get(tag).status == "on-loan"
    assert lc.loans.open_count() == 1


def test_undo_return_within_a_minute(lc, clock):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc))
    clock.advance(hours=2)
    view = lc.loans.return_device(tag)
    clock.advance(seconds=30)
    assert lc.devices.get(tag).status == "wiping"
    lc.loans.undo_return(view.loan.id)
    assert lc.devices.get(tag).status == "on-loan"
    reopened = lc.loans.for_device(tag).loan
    assert (reopened.id, reopened.state, reopened.in_at) == (view.loan.id, "open", None)
    assert lc.loans.open_count() == 1


def test_undo_return_refused_after_a_minute(lc, clock):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc))
    view = lc.loans.return_device(tag)
    clock.advance(seconds=61)
    with pytest.raises(UserError, match="een minuut"):
        lc.loans.undo_return(view.loan.id)
    assert lc.devices.get(tag).status == "wiping"


def test_undo_return_refused_when_the_device_was_lent_again(lc, clock):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc, "Jan", "Peeters"))
    view = lc.loans.return_device(tag)
    clock.advance(seconds=20)
    make_ready(lc, tag)
    lc.loans.checkout(tag, person(lc, "Els", "Maes"))
    with pytest.raises(UserError, match="opnieuw uitgeleend"):
        lc.loans.undo_return(view.loan.id)
    assert lc.loans.open_count() == 1


def test_open_and_overdue_lists(lc, clock):
    lc.settings.max_open_loans_per_borrower = 5
    jan, els = person(lc, "Jan", "Peeters"), person(lc, "Els", "Maes")
    a, b, c = ready_device(lc, "A"), ready_device(lc, "B"), ready_device(lc, "C")
    lc.loans.checkout(a, jan, due=dt.date(2026, 3, 10))
    lc.loans.checkout(b, els, due=dt.date(2026, 5, 1))
    lc.loans.checkout(c, jan, due=dt.date(2026, 4, 1))
    lc.loans.return_device(c)
    clock.advance(days=10)  # 12/03: only A is late
    assert [v.device.asset_tag for v in lc.loans.list()] == [a, c, b]
    assert [v.device.asset_tag for v in lc.loans.list(open_only=True)] == [a, b]
    overdue = lc.loans.list(overdue_only=True)
    assert [v.device.asset_tag for v in overdue] == [a]
    assert overdue[0].overdue is True
    assert [v.overdue for v in lc.loans.list(open_only=True)] == [True, False]
    borrower_id = lc.borrowers.get(jan).id
    assert [v.device.asset_tag for v in lc.loans.list(open_only=True, borrower_id=borrower_id)] == [a]
    clock.advance(days=60)
    assert [v.device.asset_tag for v in lc.loans.list(overdue_only=True)] == [a, b]


def test_a_loan_due_today_is_not_overdue(lc, clock):
    tag = ready_device(lc)
    lc.loans.checkout(tag, person(lc), due=dt.date(2026, 3, 5))
    clock.now = dt.datetime(2026, 3, 5, 23, 59)
    assert lc.loans.list(overdue_only=True) == []
    clock.now = dt.datetime(2026, 3, 6, 0, 0)
    assert len(lc.loans.list(overdue_only=True)) == 1


def test_due_dates_that_are_typing_mistakes(tmp_path):
    import datetime as dt

    from app.formatting import parse_iso_date

    with pytest.raises(UserError, match="bestaat niet"):
        parse_iso_date("2026-02-30")
    with pytest.raises(UserError, match="bestaat niet"):
        parse_iso_date("31/04/2027")
    with pytest.raises(UserError, match="JJJJ-MM-DD"):
        parse_iso_date("next week")
    from app.loans import check_not_too_far

    today = dt.date(2026, 11, 27)
    check_not_too_far(dt.date(2028, 11, 26), today)
    with pytest.raises(UserError, match="twee jaar"):
        check_not_too_far(dt.date(2099, 1, 1), today)


# -- an expired proof of eligibility asks for a new check (issue 14) ----------------------


def expired_person(ctx, clock):
    from app.eligibility import Eligibility

    checked = clock.now.date() - dt.timedelta(days=400)
    return ctx.borrowers.add(
        BorrowerInput("Jan", "Peeters", "8500", eligibility=Eligibility("leefloon-ocmw", "OCMW", checked))
    ).card_number


def test_an_expired_proof_warns_by_default_and_the_loan_is_made(lc, clock):
    tag, card = ready_device(lc), expired_person(lc, clock)
    view = lc.loans.checkout(tag, card)
    assert view.loan.state == "open"
    (warning,) = view.warnings
    assert "verlopen" in warning and "controleer het opnieuw" in warning


def test_a_valid_proof_gives_no_warning(lc, clock):
    from app.eligibility import Eligibility

    card = lc.borrowers.add(BorrowerInput("An", "Maes", "8500", eligibility=Eligibility("igo"))).card_number
    assert lc.loans.checkout(ready_device(lc), card).warnings == ()


def test_with_the_refuse_setting_an_expired_proof_is_refused_and_nothing_changes(lc, clock):
    lc.settings.eligibility_expired = "refuse"
    tag, card = ready_device(lc), expired_person(lc, clock)
    before = counts(lc)
    with pytest.raises(UserError, match="is verlopen sinds .* controleer het opnieuw"):
        lc.loans.checkout(tag, card)
    assert counts(lc) == before
    # After a new check the loan goes ahead.
    lc.borrowers.edit(card, eligibility_checked_on=clock.now.date())
    assert lc.loans.checkout(tag, card).warnings == ()


def test_the_counter_shows_the_warning(lc, clock):
    from app.counter import Counter

    tag, card = ready_device(lc), expired_person(lc, clock)
    counter = Counter(lc.devices, lc.borrowers, lc.loans)
    assert "Bewijs verlopen" in counter.scan(card).message
    lent = counter.scan(tag)
    assert lent.ok and "controleer het opnieuw" in lent.message


# -- deposits -----------------------------------------------------------------------------


def _person(ctx, first="Jan"):
    return ctx.borrowers.add(BorrowerInput(first, "Peeters", "8500")).card_number


def test_the_deposit_asked_depends_on_the_kind(lc):
    lc.settings.default_deposit_cents = 1000
    lc.settings.deposit_by_kind_cents = {"laptop": 2500, "tablet": 1500}
    assert lc.loans.deposit_due("laptop") == 2500
    assert lc.loans.deposit_due("tablet") == 1500
    assert lc.loans.deposit_due("screen") == 1000  # not named: the general deposit


def test_checkout_records_the_deposit_paid_and_return_the_refund(lc):
    lc.settings.deposit_by_kind_cents = {"laptop": 2500}
    tag, card = ready_device(lc), _person(lc)
    view = lc.loans.checkout(tag, card)
    assert (view.loan.deposit_cents, view.loan.deposit_method) == (2500, "cash")
    back = lc.loans.return_device(tag)
    assert back.loan.deposit_refunded_cents == 2500
    assert back.loan.deposit_kept_reason == ""


def test_payconiq_waived_and_less_need_the_right_details(lc):
    lc.settings.deposit_by_kind_cents = {"laptop": 2500}
    tag, card = ready_device(lc), _person(lc)
    with pytest.raises(UserError, match="reden"):
        lc.loans.checkout(tag, card, deposit_method="waived")
    with pytest.raises(UserError, match="geef een reden"):
        lc.loans.checkout(tag, card, deposit_cents=1000)
    with pytest.raises(UserError, match="betaalwijze"):
        lc.loans.checkout(tag, card, deposit_method="bitcoin")
    assert lc.loans.open_count() == 0  # nothing written by a refusal
    view = lc.loans.checkout(tag, card, deposit_method="waived", deposit_reason="OCMW betaalt")
    assert (view.loan.deposit_cents, view.loan.deposit_method, view.loan.deposit_reason) == (
        0,
        "waived",
        "OCMW betaalt",
    )
    fixed = lc.loans.record_deposit(tag, None, "payconiq")
    assert (fixed.loan.deposit_cents, fixed.loan.deposit_method) == (2500, "payconiq")


def test_keeping_part_of_the_deposit_needs_a_reason_and_never_more_than_paid(lc):
    tag, card = ready_device(lc), _person(lc)
    lc.loans.checkout(tag, card, deposit_cents=2500)
    with pytest.raises(UserError, match="hoogstens"):
        lc.loans.return_device(tag, refund_cents=3000)
    with pytest.raises(UserError, match="reden"):
        lc.loans.return_device(tag, refund_cents=1000)
    assert lc.loans.open_count() == 1
    back = lc.loans.return_device(tag, refund_cents=1000, kept_reason="lader kwijt")
    assert (back.loan.deposit_refunded_cents, back.loan.deposit_kept_reason) == (1000, "lader kwijt")


def test_undoing_a_return_takes_back_the_refund(lc):
    tag, card = ready_device(lc), _person(lc)
    lc.loans.checkout(tag, card, deposit_cents=2500)
    view = lc.loans.return_device(tag, refund_cents=2000, kept_reason="kras")
    lc.loans.undo_return(view.loan.id)
    with lc.sessions() as s:
        loan = s.get(Loan, view.loan.id)
        assert (loan.state, loan.deposit_refunded_cents, loan.deposit_kept_reason) == ("open", 0, "")
