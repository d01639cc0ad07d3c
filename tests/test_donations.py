"""Donations and intake."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.donations import DonationService, IntakeItem
from app.errors import NotFound, UserError
from db.base import OutboxEntry


@pytest.fixture
def donations(ctx):
    return DonationService(ctx.sessions, ctx.devices, today=lambda: dt.date(2026, 1, 5))


def test_add_donation_numbers_carry_the_location(donations):
    first = donations.add("Bakkerij Dewitte bv", contact="an@dewitte.be")
    second = donations.add("Jan Peeters", kind="person")
    assert (first.number, second.number) == ("KRT-D-00001", "KRT-D-00002")
    assert first.received_on == dt.date(2026, 1, 5)
    assert donations.get("krt-d-00002").donor_kind == "person"


def test_bad_donor_input(donations):
    with pytest.raises(UserError, match="naam van de schenker"):
        donations.add("  ")
    with pytest.raises(UserError, match="Soort schenker 'firma'"):
        donations.add("X", kind="firma")
    with pytest.raises(NotFound):
        donations.get("KRT-D-09999")


def test_intake_adds_devices_in_one_go(ctx, donations):
    donation = donations.add("Stad Kortrijk")
    devices = donations.intake(
        donation.number,
        [
            IntakeItem("laptop", "Lenovo", "ThinkPad T480", "PF1ABCD2"),
            IntakeItem("laptop", "HP", "EliteBook 840 G4", "5CG7281XYZ"),
            IntakeItem("screen", "Dell", "P2219H", "CN0ABC"),
        ],
    )
    assert [d.asset_tag for d in devices] == ["KRT-000001", "KRT-000002", "KRT-000003"]
    assert all(d.donation_id == donation.id and d.status == "intake" for d in devices)
    assert donations.get(donation.number).item_count == 3
    assert [d.serial for d in donations.devices(donation.number)] == ["PF1ABCD2", "5CG7281XYZ", "CN0ABC"]
    with ctx.sessions() as s:
        assert s.scalars(select(OutboxEntry).where(OutboxEntry.table_name == "donation")).first()


def test_intake_is_all_or_nothing(ctx, donations):
    donation = donations.add("Stad Kortrijk")
    with pytest.raises(UserError, match="Onbekende soort"):
        donations.intake(
            donation.number,
            [IntakeItem("laptop", "Lenovo", "T480", "A1"), IntakeItem("toaster", "Philips", "X", "A2")],
        )
    with pytest.raises(UserError, match="twee keer"):
        donations.intake(
            donation.number,
            [IntakeItem("laptop", "Lenovo", "T480", "A1"), IntakeItem("laptop", "Lenovo", "T480", "a1")],
        )
    assert ctx.devices.count() == 0
    assert donations.get(donation.number).item_count == 0


def test_certificate_data_takes_last_passed_wipe(ctx, donations):
    from app.bench import BenchService

    bench = BenchService(ctx.sessions, ctx.devices)
    donation = donations.add("Stad Kortrijk")
    a, b = donations.intake(
        donation.number,
        [IntakeItem("laptop", "Lenovo", "T480", "A1"), IntakeItem("laptop", "HP", "840", "B2")],
    )
    bench.record_wipe(a.asset_tag, method="nwipe", result="passed")
    bench.record_wipe(a.asset_tag, method="nwipe", result="failed")
    data = donations.certificate_data(donation.number)
    assert [(ln.device.asset_tag, ln.wipe.result if ln.wipe else None) for ln in data.lines] == [
        (a.asset_tag, "passed"),
        (b.asset_tag, None),
    ]
    empty = donations.add("Niemand")
    with pytest.raises(UserError, match="nog geen toestellen"):
        donations.certificate_data(empty.number)
