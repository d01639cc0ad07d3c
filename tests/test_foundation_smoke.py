from app.borrowers import BorrowerInput
from app.counter import Outcome
from app.inventory import DeviceInput
from tests.conftest import make_ready


def test_card_then_tag_lends_and_tag_alone_returns(ctx):
    device = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "SN1"))
    make_ready(ctx, device.asset_tag)
    person = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    counter = ctx.counter()
    assert counter.scan(person.card_number).outcome is Outcome.BORROWER
    assert counter.scan(device.asset_tag).outcome is Outcome.LENT
    assert ctx.loans.open_count() == 1
    counter.end_borrower()
    assert counter.scan(device.asset_tag).outcome is Outcome.RETURNED
    assert ctx.loans.open_count() == 0
    assert ctx.devices.get(device.asset_tag).status == "ready"
