"""Tables sort in SQL; names sort as people expect; phones and postcodes are found (issue 12).

The keys live in `borrower_sort`, written by SQLite triggers (migration 0016, db/sort_keys.py),
so they are right whoever writes the borrower: the services, a sync, a bulk insert.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from app.borrowers import BorrowerInput
from db.base import new_id
from db.models import Borrower, BorrowerSortKey, Device
from db.sort_keys import fold, phone_key

NAMES = [
    ("Zeeman", "Jan", "8500"),
    ("Özdemir", "Ayşe", "9000"),
    ("Peeters", "Els", "8500"),
    ("Çelik", "Mehmet", "1000"),
    ("de Smet", "Karel", "8790"),
    ("Olivier", "Sofie", "8500"),
    ("Claes", "Ilse", "2000"),
    ("Dubois", "Émile", "3000"),
]
EXPECTED = ["Çelik", "Claes", "de Smet", "Dubois", "Olivier", "Özdemir", "Peeters", "Zeeman"]


def _add_all(ctx):
    for last, first, postcode in NAMES:
        ctx.borrowers.add(BorrowerInput(first, last, postcode))


def _last_names(ctx, ids):
    return [b.last_name for b in ctx.borrowers.by_id(ids)]


def test_names_sort_as_people_expect_o_umlaut_with_o_c_cedilla_with_c(ctx):
    _add_all(ctx)
    assert _last_names(ctx, ctx.borrowers.search_ids("")) == EXPECTED
    assert _last_names(ctx, ctx.borrowers.search_ids("", order="-name")) == EXPECTED[::-1]


def test_first_names_and_other_columns_sort_in_sql(ctx):
    _add_all(ctx)
    firsts = [b.first_name for b in ctx.borrowers.by_id(ctx.borrowers.search_ids("", order="first_name"))]
    assert firsts == ["Ayşe", "Els", "Émile", "Ilse", "Jan", "Karel", "Mehmet", "Sofie"]
    postcodes = [b.postcode for b in ctx.borrowers.by_id(ctx.borrowers.search_ids("", order="postcode"))]
    assert postcodes == sorted(postcodes)
    # A page of a sorted search is the start of the whole sorted list, not a sorted page.
    assert (
        ctx.borrowers.search_ids("", limit=3, order="name") == ctx.borrowers.search_ids("", order="name")[:3]
    )
    with pytest.raises(ValueError):
        ctx.borrowers.search_ids("", order="pin_hash")


def test_the_key_follows_a_renamed_person(ctx):
    _add_all(ctx)
    ozdemir = ctx.borrowers.by_id(ctx.borrowers.search_ids("Özdemir"))[0]
    with ctx.sessions() as s, s.begin():
        s.get(Borrower, ozdemir.id).last_name = "Aydın"
    assert _last_names(ctx, ctx.borrowers.search_ids(""))[0] == "Aydın"


def test_keys_are_written_for_rows_inserted_around_the_orm(ctx):
    """A pulled record or a bulk insert (initial sync) never passes the services."""
    location = ctx.locations.current()
    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        s.execute(
            insert(Borrower),
            [
                {"id": new_id(), "card_number": "BUS-B-00001", "first_name": "Ömer", "last_name": "Şahin",
                 "postcode": "9000", "phone": "+32 470 99 88 77", "location_id": location.id,
                 "created_at": "x", "updated_at": "x", "origin": location.id, "clocks": {}},
            ],
        )  # fmt: skip
    with ctx.sessions() as s:
        key = s.scalars(select(BorrowerSortKey)).one()
    assert (key.name_key, key.first_key, key.phone_key) == ("sahin omer", "omer sahin", "470998877")


def test_the_sql_folding_is_the_python_folding(ctx):
    tricky = [
        ("Ærøskøbing", "Łukasz"),
        ("Straße", "Ñúñez"),
        ("D'Hondt-Van Dyck", "Zoë"),
        ("Dvořák", "Șerban"),
    ]
    for i, (last, first) in enumerate(tricky):
        ctx.borrowers.add(BorrowerInput(first, last, "8500", phone=f"0470 00 00 0{i}"))
    with ctx.sessions() as s:
        keys = {k.name_key for k in s.scalars(select(BorrowerSortKey))}
    assert keys == {f"{fold(last)} {fold(first)}" for last, first in tricky}
    assert "aeroskobing lukasz" in keys and "strasse nunez" in keys and "dvorak serban" in keys


def test_phone_numbers_are_found_typed_without_spaces_or_with_the_country_code(ctx):
    ctx.borrowers.add(BorrowerInput("An", "Maes", "8500", phone="0470 12 34 56"))
    ctx.borrowers.add(BorrowerInput("Bert", "Wouters", "8500", phone="056/22.33.44"))
    for typed in ("0470123456", "+32470123456", "0032 470 12 34 56", "047012"):
        assert _last_names(ctx, ctx.borrowers.search_ids(typed)) == ["Maes"], typed
    assert _last_names(ctx, ctx.borrowers.search_ids("056223344")) == ["Wouters"]
    assert _last_names(ctx, ctx.borrowers.search_ids("0470 12 34 56")) == ["Maes"]  # as stored
    assert phone_key("+32 470 12 34 56") == phone_key("0470/12.34.56") == "470123456"


def test_postcodes_are_found_by_search(ctx):
    _add_all(ctx)
    assert sorted(_last_names(ctx, ctx.borrowers.search_ids("8500"))) == ["Olivier", "Peeters", "Zeeman"]
    assert _last_names(ctx, ctx.borrowers.search_ids("8790")) == ["de Smet"]


def test_devices_sort_by_any_column_in_sql(ctx):
    from app.inventory import DeviceInput

    for brand, model in (("Lenovo", "T480"), ("Dell", "Latitude"), ("HP", "EliteBook"), ("Acer", "Aspire")):
        ctx.devices.add(DeviceInput(kind="laptop", brand=brand, model=model))
    brands = [d.brand for d in ctx.devices.by_id(ctx.devices.search_ids("", order="brand"))]
    assert brands == ["Acer", "Dell", "HP", "Lenovo"]
    brands = [d.brand for d in ctx.devices.by_id(ctx.devices.search_ids("", order="-brand"))]
    assert brands == ["Lenovo", "HP", "Dell", "Acer"]
    tags = [d.asset_tag for d in ctx.devices.by_id(ctx.devices.search_ids(""))]
    assert tags == sorted(tags, reverse=True)  # the default stays: newest tag first
    with ctx.sessions() as s:
        assert s.scalar(select(Device.id).limit(1))
