"""Trainings: capacity and waiting list, double scans, walk-ins, series participation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.errors import NotFound, UserError
from app.trainings import TrainingService, attendance_id, parse_start, short_number
from db.models import Attendance


@pytest.fixture
def trainings(ctx):
    return TrainingService(ctx.sessions, now=lambda: dt.datetime(2026, 2, 3, 13, 55))


@pytest.fixture
def people(ctx):
    names = [("Mina", "El Amrani"), ("Jan", "Peeters"), ("Rita", "Vermeulen"), ("Ahmed", "Benali")]
    return [ctx.borrowers.add(BorrowerInput(f, last, "8500")).card_number for f, last in names]


def test_full_session_puts_next_person_on_waiting_list(trainings, people):
    t = trainings.add("Online veilig", dt.datetime(2026, 2, 3, 14, 0), capacity=2)
    states = [trainings.register(short_number(t), card).state for card in people[:3]]
    assert states == ["registered", "registered", "waiting"]
    summary = trainings.summary(t.id)
    assert (summary.registered, summary.waiting) == (2, 1)
    # Registering again changes nothing.
    assert trainings.register(t.id, people[0]).state == "registered"
    # A cancellation lets the first waiting person move up.
    moved = trainings.cancel(t.id, people[1])
    assert moved is not None
    assert {r.borrower.card_number: r.registration.state for r in trainings.registrations(t.id)} == {
        people[0]: "registered",
        people[1]: "cancelled",
        people[2]: "registered",
    }


def test_same_card_twice_counts_once(ctx, trainings, people):
    t = trainings.add("Basis laptop", dt.datetime(2026, 2, 3, 14, 0))
    first = trainings.attend(short_number(t), people[0])
    second = trainings.attend(short_number(t), people[0].lower())
    assert not first.already and second.already
    assert first.attendance.id == second.attendance.id
    with ctx.sessions() as s:
        borrower_id = ctx.borrowers.get(people[0]).id
        assert first.attendance.id == attendance_id(t.id, borrower_id)
        assert s.scalar(select(func.count()).select_from(Attendance)) == 1
    # Un-ticking is a tombstone; ticking again revives the same record.
    trainings.unattend(t.id, people[0])
    assert trainings.summary(t.id).attended == 0
    again = trainings.attend(t.id, people[0])
    assert not again.already and again.attendance.id == first.attendance.id
    assert trainings.summary(t.id).attended == 1


def test_walk_ins_are_counted(trainings):
    t = trainings.add("Repair café", dt.datetime(2026, 2, 3, 14, 0), place="de bus")
    trainings.walk_in(t.id)
    trainings.walk_in(t.id, 3)
    assert trainings.summary(t.id).present == 4
    with pytest.raises(UserError):
        trainings.walk_in(t.id, -10)


def test_session_reference_and_bad_input(trainings):
    t = trainings.add("Basis laptop", dt.datetime(2026, 2, 3, 14, 0))
    assert trainings.get(t.id[:5].upper()).id == t.id
    with pytest.raises(UserError, match="te kort"):
        trainings.get("ab")
    with pytest.raises(NotFound):
        trainings.get("zzzzzzzz")
    with pytest.raises(UserError, match="deelnummer"):
        trainings.add("X", dt.datetime(2026, 2, 3, 14), series="Basis laptop", part=5, of=4)
    with pytest.raises(UserError, match="capaciteit"):
        trainings.add("X", dt.datetime(2026, 2, 3, 14), capacity=0)
    assert parse_start("2026-02-03 14:00") == dt.datetime(2026, 2, 3, 14, 0)
    with pytest.raises(UserError, match="beginuur"):
        parse_start("morgen")


def test_series_participation(trainings, people):
    ids = [
        trainings.add(
            f"Basis laptop {i}", dt.datetime(2026, 2, i * 2, 14), series="Basis laptop", part=i, of=4
        ).id
        for i in range(1, 5)
    ]
    for i in (0, 1, 3):
        trainings.attend(ids[i], people[0])
    part = trainings.participation(people[0], "Basis laptop")
    assert [t.series_part for t in part.attended] == [1, 2, 4]
    assert len(part.sessions) == 4
    assert trainings.series_names() == ["Basis laptop"]
