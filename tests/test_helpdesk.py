"""Helpdesk log."""

from __future__ import annotations

import datetime as dt

import pytest

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.helpdesk import HelpdeskService, topic_names
from db.models import HELPDESK_TOPICS


@pytest.fixture
def clock():
    return {"now": dt.datetime(2026, 3, 2, 9, 15)}


@pytest.fixture
def helpdesk(ctx, clock):
    return HelpdeskService(ctx.sessions, now=lambda: clock["now"])


def test_log_with_card_or_postcode_and_day_list(ctx, helpdesk, clock):
    person = ctx.borrowers.add(BorrowerInput("Rita", "Vermeulen", "8500"))
    helpdesk.log("itsme", card=person.card_number, minutes=15)
    clock["now"] = dt.datetime(2026, 3, 2, 10, 0)
    helpdesk.log("tax-on-web", postcode="8790", minutes=25, outcome="follow-up")
    clock["now"] = dt.datetime(2026, 3, 3, 10, 0)
    helpdesk.log("bank")
    day = helpdesk.day(dt.date(2026, 3, 2))
    assert day.count == 2 and day.minutes == 40
    assert day.per_topic == {"itsme": 1, "tax-on-web": 1}
    assert [r.visit.topic for r in day.rows] == ["tax-on-web", "itsme"]  # newest first
    assert day.rows[1].visit.postcode == "8500"  # the person's postcode, for reach reports
    assert "Rita Vermeulen" in day.rows[1].who
    assert day.rows[0].who == "anoniem 8790"
    assert helpdesk.day().count == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"topic": "taxes"}, "Onbekend onderwerp 'taxes'"),
        ({"topic": "itsme", "outcome": "done"}, "Onbekende afloop 'done'"),
        ({"topic": "itsme", "minutes": 0}, "minuten"),
    ],
)
def test_bad_codes(helpdesk, kwargs, message):
    with pytest.raises(UserError, match=message):
        helpdesk.log(**kwargs)


def test_undo_is_a_tombstone(helpdesk):
    visit = helpdesk.log("ebox")
    helpdesk.undo(visit.id)
    assert helpdesk.day().count == 0
    with pytest.raises(UserError):
        helpdesk.undo(visit.id)


def test_every_topic_has_a_dutch_name():
    assert list(topic_names()) == list(HELPDESK_TOPICS)
