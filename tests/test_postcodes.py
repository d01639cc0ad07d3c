"""Belgian postcodes: validation, province by range (every boundary), municipality table."""

from __future__ import annotations

import csv

import pytest

from app import postcodes
from app.errors import UserError

BOUNDARIES = [
    ("1000", "BRU"), ("1299", "BRU"),
    ("1300", "WBR"), ("1499", "WBR"),
    ("1500", "VBR"), ("1999", "VBR"),
    ("2000", "ANT"), ("2999", "ANT"),
    ("3000", "VBR"), ("3499", "VBR"),
    ("3500", "LIM"), ("3999", "LIM"),
    ("4000", "LUI"), ("4999", "LUI"),
    ("5000", "NAM"), ("5999", "NAM"),
    ("6000", "HEN"), ("6599", "HEN"),
    ("6600", "LUX"), ("6999", "LUX"),
    ("7000", "HEN"), ("7999", "HEN"),
    ("8000", "WVL"), ("8999", "WVL"),
    ("9000", "OVL"), ("9999", "OVL"),
]  # fmt: skip


@pytest.mark.parametrize(("postcode", "province"), BOUNDARIES)
def test_province_ranges_at_every_boundary(postcode, province):
    assert postcodes.province_for(postcode) == province


@pytest.mark.parametrize("text", ["8500", " 8500 ", "B-8500", "B8500", "BE-8500", "be 8500"])
def test_accepted_spellings(text):
    assert postcodes.normalise(text) == "8500"


@pytest.mark.parametrize(
    "text", ["", "   ", "999", "0999", "0000", "10000", "85OO", "abcd", "NL-1234", "8500a"]
)
def test_non_belgian_postcodes_are_refused(text):
    with pytest.raises(UserError, match="geen Belgische postcode"):
        postcodes.normalise(text)


@pytest.mark.parametrize(
    ("postcode", "municipality"),
    [
        ("8500", "Kortrijk"),
        ("8501", "Kortrijk"),
        ("9000", "Gent"),
        ("2000", "Antwerpen"),
        ("3000", "Leuven"),
        ("3500", "Hasselt"),
        ("1000", "Brussel"),
        ("1030", "Schaarbeek"),
        ("8400", "Oostende"),
        ("2400", "Mol"),
        ("2480", "Dessel"),
        ("1540", "Pajottegem"),
        ("9090", "Merelbeke-Melle"),
        ("4000", "Liège"),
        ("7850", "Enghien"),
    ],
)
def test_municipality_by_postcode(postcode, municipality):
    assert postcodes.municipality_for(postcode) == municipality


def test_unknown_but_valid_postcode_has_no_municipality():
    assert postcodes.municipality_for("8999") == ""


def test_bundled_table_is_complete_and_consistent():
    with postcodes.POSTCODE_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["postcode"] for r in rows]
    assert len(codes) == len(set(codes)), "a postcode appears twice"
    assert len(rows) > 1_100
    for row in rows:
        assert postcodes.normalise(row["postcode"]) == row["postcode"]
        assert row["municipality"].strip() == row["municipality"] != ""
    flemish = {
        r["municipality"] for r in rows if 1500 <= int(r["postcode"]) <= 3999 or int(r["postcode"]) >= 8000
    }
    # Flanders has 285 municipalities since the mergers of 1 January 2025.
    assert len(flemish) == 285


def test_province_names_cover_every_code():
    names = postcodes.province_names()
    for code in postcodes.PROVINCE_CODES:
        assert names[code] and names[code] != code
