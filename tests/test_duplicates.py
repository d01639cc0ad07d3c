"""One person registered twice, one device booked in twice: warned about, and two records of
one person merged so the reports count them once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.borrowers import BorrowerInput
from app.duplicates import DuplicateSerial, PossibleDuplicate, normal_phone
from app.errors import UserError
from app.helpdesk import HelpdeskService
from app.inventory import DeviceInput
from app.loans import LoanService
from app.reports.periods import Period
from app.trainings import TrainingService
from app.waiting_list import WaitingListService
from tests.cli_helpers import one_line_error, run
from tests.conftest import make_ready


def person(first="Élodie", last="De Smet", postcode="8500", **extra) -> BorrowerInput:
    return BorrowerInput(first_name=first, last_name=last, postcode=postcode, **extra)


def test_normal_phone_ignores_spaces_and_the_country_code():
    assert normal_phone("+32 470 12 34 56") == normal_phone("0470/12.34.56") == "0470123456"
    assert normal_phone("0032 470 123456") == "0470123456"


@pytest.mark.parametrize(
    "second",
    [
        person("elodie", "de smet"),  # case and accents
        person("Elodie", "De-Smet"),  # a hyphen instead of a space
        person("Lode", "Janssens", "9000", phone="+32 470 12 34 56"),  # the same phone, other spacing
        person("Lode", "Janssens", "9000", email="Elodie.DeSmet@Example.be"),  # the same e-mail, other case
    ],
)
def test_the_same_person_twice_is_refused_naming_the_card(ctx, second):
    first = ctx.borrowers.add(person(phone="0470 123 456", email="elodie.desmet@example.be"))
    with pytest.raises(PossibleDuplicate) as caught:
        ctx.borrowers.add(second)
    assert "dezelfde persoon" in caught.value.message and first.card_number in caught.value.message
    assert [m.card for m in caught.value.matches] == [first.card_number]
    assert ctx.borrowers.count() == 1  # nothing saved
    assert ctx.borrowers.add(second, duplicate_ok=True).card_number != first.card_number


def test_other_people_are_not_duplicates(ctx):
    ctx.borrowers.add(person(phone="0470 12 34 56"))
    ctx.borrowers.add(person(postcode="9000"))  # same name, other town
    ctx.borrowers.add(person("Lode", "De Smet", phone="0470 12 34 57"))
    assert ctx.borrowers.count() == 3


def test_a_second_device_with_an_existing_serial_is_refused_naming_the_tag(ctx):
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    with pytest.raises(DuplicateSerial) as caught:
        ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "pf1abcd2"))
    assert tag in caught.value.message
    assert ctx.devices.count() == 1
    ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2"), duplicate_ok=True)
    assert ctx.devices.count() == 2


def test_merge_moves_loans_visits_attendance_and_waiting_list_and_the_reach_counts_once(ctx):
    keep = ctx.borrowers.add(person(phone="0470 12 34 56")).card_number
    other = ctx.borrowers.add(
        person("Elodie", "Desmet", email="elodie@example.be"), duplicate_ok=True
    ).card_number
    tags = [ctx.devices.add(DeviceInput("laptop", "Lenovo", f"T48{i}", f"S{i}")).asset_tag for i in range(2)]
    for tag in tags:
        make_ready(ctx, tag)
    loans = LoanService(ctx.sessions, ctx.settings, now=ctx.now)
    loans.checkout(tags[0], keep)
    loans.checkout(tags[1], other)
    HelpdeskService(ctx.sessions, now=ctx.now).log("itsme", card=other)
    trainings = TrainingService(ctx.sessions, now=ctx.now)
    both = trainings.add("Veilig online", ctx.now().replace(microsecond=0))
    only_other = trainings.add("Tax-on-web", ctx.now().replace(microsecond=0))
    for session, cards in ((both, (keep, other)), (only_other, (other,))):
        for card in cards:
            trainings.attend(session.id, card)
    WaitingListService(ctx.sessions, today=lambda: ctx.now().date()).add(other, "screen")
    period = Period(ctx.now().date() - dt.timedelta(days=1), ctx.now().date())
    assert ctx.reports.reach(period).people == 2  # two records, counted twice: the defect

    result = ctx.borrowers.merge(keep, other)

    assert result.moved["loan"] == 1 and result.moved["helpdesk_visit"] == 1
    assert result.moved["attendance"] == 2 and result.moved["waiting_list_entry"] == 1
    kept = ctx.borrowers.get(keep)
    assert kept.email == "elodie@example.be"  # a detail it lacked
    open_loans = loans.list(open_only=True, borrower_id=kept.id)
    assert sorted(v.device.asset_tag for v in open_loans) == tags
    merged = ctx.borrowers.get(other)
    assert merged.blocked and keep in merged.blocked_reason and merged.email == ""
    report = ctx.reports.reach(period)
    assert report.people == 1
    with ctx.sessions() as s:
        from sqlalchemy import func, select

        from db.models import Attendance

        live = s.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(Attendance.borrower_id == kept.id, Attendance.deleted.is_(False))
        )
    assert live == 2  # the session both attended counts once
    with pytest.raises(UserError, match="al samengevoegd"):
        ctx.borrowers.merge(keep, other)
    # The old card is refused at the counter, saying which card to use.
    tag = ctx.devices.add(DeviceInput("laptop", "Dell", "5490", "S9")).asset_tag
    make_ready(ctx, tag)
    with pytest.raises(UserError, match=keep):
        loans.checkout(tag, other)


@pytest.fixture
def ready(capsys, tmp_path):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    return data


def test_cli_refuses_a_duplicate_unless_duplicate_ok_and_merges(capsys, ready):
    add = ["borrower", "add", "--first-name", "Jan", "--last-name", "Peeters", "--postcode", "8500"]
    assert run(capsys, ready, *add, "--phone", "0470 12 34 56")[:2] == (0, "KRT-B-00001\n")
    code, out, err = run(capsys, ready, *add[:3], "JAN", *add[4:])
    assert code == 1 and out == ""
    assert "KRT-B-00001" in one_line_error(err) and "dezelfde persoon" in err
    code, out, err = run(capsys, ready, *add, "--duplicate-ok")
    assert (code, out) == (0, "KRT-B-00002\n")
    code, out, err = run(capsys, ready, "borrower", "merge", "KRT-B-00001", "KRT-B-00002", "--json")
    assert code == 0, err
    assert json.loads(out)["kept"] == "KRT-B-00001"
    code, _out, err = run(capsys, ready, "borrower", "merge", "KRT-B-00001", "KRT-B-00002")
    assert code == 1 and "al samengevoegd" in one_line_error(err)


def test_cli_device_add_refuses_a_known_serial_unless_duplicate_ok(capsys, ready):
    add = ["device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480", "--serial", "PF1"]
    assert run(capsys, ready, *add)[:2] == (0, "KRT-000001\n")
    code, out, err = run(capsys, ready, *add)
    assert code == 1 and out == "" and "KRT-000001" in one_line_error(err)
    code, out, err = run(capsys, ready, *add, "--duplicate-ok")
    assert (code, out) == (0, "KRT-000002\n") and "KRT-000001" in err


def test_a_donation_intake_with_a_known_serial_is_refused_naming_the_tag(ctx):
    from app.donations import DonationService, IntakeItem

    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "PF1ABCD2")).asset_tag
    donations = DonationService(ctx.sessions, ctx.devices)
    number = donations.add("Bakkerij Dewitte bv").number
    items = [
        IntakeItem("laptop", "Lenovo", "T480", "NEW1"),
        IntakeItem("laptop", "Lenovo", "T480", "pf1abcd2"),
    ]
    with pytest.raises(DuplicateSerial) as caught:
        donations.intake(number, items)
    assert tag in caught.value.message and ctx.devices.count() == 1  # all or none
    assert len(donations.intake(number, items, duplicate_ok=True)) == 2
