"""Devices: intake, codes, validation, the status state machine, search."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.errors import NotFound, UserError
from app.inventory import DeviceInput
from db.base import OutboxEntry
from db.models import DataWipe, Device
from tests.conftest import make_ready

STATUSES = ("intake", "wiping", "repair", "ready", "on-loan", "given-away", "recycled", "lost")

# The life cycle from DESIGN.md, written out here independently of app/inventory.py.
ALLOWED = {
    "intake": {"wiping", "repair", "ready", "recycled", "lost"},
    "wiping": {"intake", "repair", "ready", "recycled", "lost"},
    "repair": {"wiping", "ready", "recycled", "lost"},
    "ready": {"wiping", "repair", "given-away", "recycled", "lost"},
    "on-loan": set(),
    "given-away": set(),
    "recycled": set(),
    "lost": {"intake", "recycled"},  # found again: back through intake
}


def add(ctx, serial="SN1", duplicate_ok=False, **kw):
    data = {"kind": "laptop", "brand": "Lenovo", "model": "ThinkPad T480", "serial": serial, **kw}
    return ctx.devices.add(DeviceInput(**data), duplicate_ok=duplicate_ok)


def record_wipe(ctx, tag, result="passed", deleted=False):
    device = ctx.devices.get(tag)
    with ctx.sessions() as s, s.begin():
        s.add(DataWipe(device_id=device.id, method="nwipe", result=result, deleted=deleted))


def outbox_count(ctx):
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxEntry))


def device_in(ctx, status):
    """A device (with a passed wipe) brought into `status` the way staff would."""
    device = add(ctx, serial=f"S-{status}")
    tag = device.asset_tag
    record_wipe(ctx, tag)
    path = {
        "intake": [],
        "wiping": ["wiping"],
        "repair": ["repair"],
        "ready": ["ready"],
        "given-away": ["ready", "given-away"],
        "recycled": ["recycled"],
        "lost": ["lost"],
    }
    if status == "on-loan":
        ctx.devices.set_status(tag, "ready")
        person = ctx.borrowers.add(BorrowerInput("Els", "Maes", "9000"))
        ctx.loans.checkout(tag, person.card_number)
    else:
        for step in path[status]:
            ctx.devices.set_status(tag, step)
    assert ctx.devices.get(tag).status == status
    return tag


def test_add_gives_location_coded_incrementing_tags(ctx):
    first, second, third = add(ctx, "A"), add(ctx, "B"), add(ctx, "C")
    assert [d.asset_tag for d in (first, second, third)] == ["KRT-000001", "KRT-000002", "KRT-000003"]
    assert first.status == "intake"
    assert first.location_id == ctx.locations.current().id
    assert first.intake_date == dt.date.today()
    assert len({d.id for d in (first, second, third)}) == 3


def test_tags_continue_after_the_highest_existing_number(ctx):
    add(ctx, "A")
    with ctx.sessions() as s, s.begin():
        s.add(Device(asset_tag="KRT-000041", intake_date=dt.date(2026, 1, 1), specs={}))
        # Another location's tags must not influence our numbering.
        s.add(Device(asset_tag="GNT-000900", intake_date=dt.date(2026, 1, 1), specs={}))
    assert add(ctx, "B").asset_tag == "KRT-000042"


def test_add_strips_text(ctx):
    device = add(ctx, serial="  SN9 ", brand=" Dell ", model=" Latitude ")
    assert (device.brand, device.model, device.serial) == ("Dell", "Latitude", "SN9")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "toaster", "Onbekende soort"),
        ("brand", "  ", "merk"),
        ("model", "", "model"),
        ("source", "stolen", "Herkomst"),
        ("acquisition_cost_cents", -100, "aankoopprijs"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(ctx, field, value, message):
    before = outbox_count(ctx)
    with pytest.raises(UserError, match=message):
        add(ctx, **{field: value})
    assert ctx.devices.count() == 0
    assert outbox_count(ctx) == before


def test_add_before_initialisation_is_refused(tmp_path):
    from app.context import open_context

    context = open_context(tmp_path / "fresh")
    try:
        with pytest.raises(UserError, match="nog niet ingesteld"):
            add(context)
    finally:
        context.close()


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", [s for s in STATUSES if s != "on-loan"])
def test_every_direct_status_change(ctx, current, target):
    tag = device_in(ctx, current)
    if current == target:  # no-op, never an error
        ctx.devices.set_status(tag, target)
        assert ctx.devices.get(tag).status == current
    elif target in ALLOWED[current]:
        ctx.devices.set_status(tag, target)
        assert ctx.devices.get(tag).status == target
    else:
        with pytest.raises(UserError):
            ctx.devices.set_status(tag, target)
        assert ctx.devices.get(tag).status == current


@pytest.mark.parametrize("current", STATUSES)
def test_on_loan_is_never_set_by_hand(ctx, current):
    tag = device_in(ctx, current)
    if current == "on-loan":
        return
    with pytest.raises(UserError, match="aan de Balie"):
        ctx.devices.set_status(tag, "on-loan")
    assert ctx.devices.get(tag).status == current


def test_a_lent_device_cannot_change_status_until_returned(ctx):
    tag = device_in(ctx, "on-loan")
    with pytest.raises(UserError, match="eerst terugbrengen"):
        ctx.devices.set_status(tag, "lost")
    ctx.loans.return_device(tag)
    assert ctx.devices.get(tag).status == "wiping"


@pytest.mark.parametrize("end", ["given-away", "recycled"])
def test_end_states_are_final(ctx, end):
    tag = device_in(ctx, end)
    for target in STATUSES:
        if target == end:
            continue
        with pytest.raises(UserError):
            ctx.devices.set_status(tag, target)
    assert ctx.devices.get(tag).status == end


def test_ready_requires_a_passed_wipe(ctx):
    tag = add(ctx).asset_tag
    with pytest.raises(UserError, match="gegevenswissing"):
        ctx.devices.set_status(tag, "ready")
    record_wipe(ctx, tag, result="failed")
    with pytest.raises(UserError, match="gegevenswissing"):
        ctx.devices.set_status(tag, "ready")
    record_wipe(ctx, tag, result="passed", deleted=True)
    with pytest.raises(UserError, match="gegevenswissing"):
        ctx.devices.set_status(tag, "ready")
    assert ctx.devices.get(tag).status == "intake"
    record_wipe(ctx, tag, result="passed")
    ctx.devices.set_status(tag, "ready")
    assert ctx.devices.get(tag).status == "ready"


def test_same_status_changes_nothing(ctx):
    tag = add(ctx).asset_tag
    before = outbox_count(ctx)
    ctx.devices.set_status(tag, "intake")
    assert outbox_count(ctx) == before


def test_unknown_status_is_refused(ctx):
    tag = add(ctx).asset_tag
    with pytest.raises(UserError, match="Onbekende status"):
        ctx.devices.set_status(tag, "broken")
    with pytest.raises(UserError, match="Onbekende status"):
        ctx.devices.list(status="broken")


def test_get_accepts_scanner_noise_and_refuses_unknown_tags(ctx):
    tag = add(ctx).asset_tag
    assert ctx.devices.get(" krt-000001 ").asset_tag == tag
    with pytest.raises(NotFound, match="KRT-999999"):
        ctx.devices.get("KRT-999999")


def test_edit_changes_fields_and_validates(ctx):
    tag = add(ctx).asset_tag
    ctx.devices.edit(tag, serial=" NEW ", notes="kras op deksel", acquisition_cost_cents=1250)
    device = ctx.devices.get(tag)
    assert (device.serial, device.notes, device.acquisition_cost_cents) == ("NEW", "kras op deksel", 1250)
    with pytest.raises(UserError, match="niet gewijzigd"):
        ctx.devices.edit(tag, status="ready")
    with pytest.raises(UserError, match="merk"):
        ctx.devices.edit(tag, brand="")
    with pytest.raises(UserError, match="aankoopprijs"):
        ctx.devices.edit(tag, acquisition_cost_cents=-1)
    device = ctx.devices.get(tag)
    assert (device.brand, device.acquisition_cost_cents) == ("Lenovo", 1250)


def test_list_and_count(ctx):
    a = add(ctx, "A").asset_tag
    b = add(ctx, "B").asset_tag
    make_ready(ctx, b)
    assert [d.asset_tag for d in ctx.devices.list()] == [a, b]
    assert [d.asset_tag for d in ctx.devices.list(status="ready")] == [b]
    assert ctx.devices.count() == 2


def test_search_by_tag_serial_brand_model_with_prefixes(ctx):
    t480 = add(ctx, serial="PF1ABC23", brand="Lenovo", model="ThinkPad T480").id
    dell = add(ctx, serial="CN0XYZ99", brand="Dell", model="Latitude 5490").id
    hp = add(ctx, serial="5CG8123", brand="HP", model="EliteBook 840 G5").id
    assert ctx.devices.search_ids("KRT-000002") == [dell]
    assert ctx.devices.search_ids("krt-000003") == [hp]
    assert ctx.devices.search_ids("PF1ABC23") == [t480]
    assert ctx.devices.search_ids("pf1a") == [t480]  # prefix of a serial
    assert ctx.devices.search_ids("lenov") == [t480]
    assert ctx.devices.search_ids("Lati") == [dell]
    assert ctx.devices.search_ids("elitebook 840") == [hp]
    assert ctx.devices.search_ids("elitebook dell") == []  # every word must match
    assert ctx.devices.search_ids("") == [hp, dell, t480]  # newest tag first
    assert ctx.devices.search_ids("", limit=2) == [hp, dell]
    assert ctx.devices.search_ids('"; DROP TABLE device; --') == []
    assert ctx.devices.count() == 3


def test_search_follows_edits_and_status_filter(ctx):
    device = add(ctx, serial="OLD123")
    ctx.devices.edit(device.asset_tag, serial="NEW456", model="Yoga")
    assert ctx.devices.search_ids("OLD123") == []
    assert ctx.devices.search_ids("NEW456") == [device.id]
    assert ctx.devices.search_ids("yoga", status="intake") == [device.id]
    assert ctx.devices.search_ids("yoga", status="ready") == []


def test_search_skips_deleted_devices(ctx):
    device = add(ctx, serial="GONE1")
    with ctx.sessions() as s, s.begin():
        s.get(Device, device.id).deleted = True
    assert ctx.devices.search_ids("GONE1") == []
    with pytest.raises(NotFound):
        ctx.devices.get(device.asset_tag)


def test_by_id_keeps_order_and_same_serial_finds_duplicates(ctx):
    a = add(ctx, serial="DUP1")
    b = add(ctx, serial="DUP1", duplicate_ok=True)
    c = add(ctx, serial="OTHER")
    assert [d.id for d in ctx.devices.by_id([c.id, a.id, "missing"])] == [c.id, a.id]
    assert ctx.devices.by_id([]) == []
    assert {d.id for d in ctx.devices.same_serial(" DUP1 ")} == {a.id, b.id}
    assert ctx.devices.same_serial(" ") == []


@pytest.mark.parametrize(
    "changes",
    [
        {"brand": "X" * 81},
        {"model": "Y" * 121},
        {"serial": "a\tb"},
        {"serial": "line\nbreak"},
        {"acquisition_cost_cents": 100_000_001},
    ],
)
def test_implausible_values_are_refused_and_nothing_changes(ctx, changes):
    tag = ctx.devices.add(DeviceInput("laptop", "Dell", "Latitude", "S1")).asset_tag
    before = ctx.devices.get(tag)
    with pytest.raises(UserError):
        ctx.devices.edit(tag, **changes)
    after = ctx.devices.get(tag)
    assert (after.brand, after.model, after.serial, after.acquisition_cost_cents) == (
        before.brand,
        before.model,
        before.serial,
        before.acquisition_cost_cents,
    )


@pytest.mark.parametrize("text", ["1e9", "inf", "nan", "-3", "12,3,4"])
def test_implausible_amounts(text):
    from app.formatting import parse_euro

    with pytest.raises(UserError):
        parse_euro(text)
