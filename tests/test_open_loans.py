"""One open-loan query (app/loans_overview.py `open_loans`) serves the loans overview, the
reminders and the call list: the three lists agree on which loans are open, late or due."""

from __future__ import annotations

import datetime as dt

from tests.test_reminders import START, clock, lend, rc  # noqa: F401 (the fixtures)


def test_the_call_list_and_the_reminders_read_the_overviews_open_loans(rc, clock):  # noqa: F811
    ctx = rc
    today = START.date()
    soon = lend(ctx, "An", "Maes", serial="SN1", due=today + dt.timedelta(days=10))[0]
    late = lend(ctx, "Bert", "Claes", serial="SN2", due=today + dt.timedelta(days=3))[0]
    later = lend(ctx, "Cas", "Aerts", serial="SN3", due=today + dt.timedelta(days=5))[0]
    returned = lend(ctx, "Dirk", "Wouters", serial="SN4", due=today + dt.timedelta(days=2))[0]
    ctx.loans.return_device(returned)
    clock.advance(days=8)  # late: Claes 5 days, Aerts 3 days; Maes due in 2 days
    overview = ctx.loan_overview

    def tags(ids):
        return [row.tag for row in overview.rows(ids)]

    assert tags(overview.search_ids(filter="late")) == [late, later]
    assert tags(overview.search_ids(filter="calls")) == [late, later]
    assert [item.tag for item in ctx.reminders.call_list()] == [late, later]
    assert tags(overview.search_ids()) == [late, later, soon]  # every open loan, by due date
    due = {item.tag for item in ctx.reminders.due()}
    assert due <= {late, later, soon} and returned not in due
    assert {late, later} <= due  # both at a late step today
