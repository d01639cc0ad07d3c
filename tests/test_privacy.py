import json

import pytest

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.inventory import DeviceInput
from app.privacy import PrivacyService
from tests.conftest import make_ready


@pytest.fixture
def person(ctx):
    return ctx.borrowers.add(
        BorrowerInput(
            "Fatima",
            "El Amrani",
            "8500",
            phone="056 12 34 56",
            email="fatima@voorbeeld.be",
            target_group="werkzoekend",
        )
    )


def test_erasure_anonymises_but_keeps_report_fields(ctx, person):
    PrivacyService(ctx.sessions).erase(person.card_number)
    erased = ctx.borrowers.get(person.card_number)
    assert erased.erased is True
    assert "Fatima" not in (erased.first_name + erased.last_name)
    assert erased.phone == erased.email == ""
    assert (erased.postcode, erased.province, erased.target_group) == ("8500", "WVL", "werkzoekend")
    with pytest.raises(UserError):
        ctx.borrowers.edit(person.card_number, phone="056 00 00 00")


def test_erasure_refused_while_a_device_is_lent(ctx, person):
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "S9"))
    make_ready(ctx, device.asset_tag)
    ctx.loans.checkout(device.asset_tag, person.card_number)
    with pytest.raises(UserError, match="terugbrengen"):
        PrivacyService(ctx.sessions).erase(person.card_number)
    assert ctx.borrowers.get(person.card_number).erased is False


def test_export_holds_the_persons_records(ctx, person, tmp_path):
    device = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "S9"))
    make_ready(ctx, device.asset_tag)
    ctx.loans.checkout(device.asset_tag, person.card_number)
    path = PrivacyService(ctx.sessions).export_data(person.card_number, tmp_path / "out")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["borrower"]["email"] == "fatima@voorbeeld.be"
    assert [loan["device_tag"] for loan in data["loans"]] == [device.asset_tag]


def test_an_erased_person_cannot_be_blocked_or_given_a_reason(ctx, person):
    """A block reason is a text about the person ("schuld van 50 euro"): written on an erased
    record it would be personal data again, synced to every counter. Refused like an edit."""
    PrivacyService(ctx.sessions).erase(person.card_number)
    with pytest.raises(UserError, match="gewist"):
        ctx.borrowers.block(person.card_number, "laptop niet teruggebracht")
    with pytest.raises(UserError, match="gewist"):
        ctx.borrowers.unblock(person.card_number)
    erased = ctx.borrowers.get(person.card_number)
    assert erased.blocked is False and erased.blocked_reason == ""
