"""Belgian postcodes: validation, municipality by NIS code, province from the NIS code."""

from __future__ import annotations

import csv

import pytest

from app import postcodes
from app.errors import UserError

MERGED_2025 = {
    # NIS code: (name, province, the municipalities it merged on 1 January 2025)
    "11002": ("Antwerpen", "ANT", {"Antwerpen", "Borsbeek"}),
    "23106": ("Pajottegem", "VBR", {"Galmaarden", "Gooik", "Herne"}),
    "37021": ("Wingene", "WVL", {"Ruiselede", "Wingene"}),
    "37022": ("Tielt", "WVL", {"Meulebeke", "Tielt"}),
    "44086": ("Nazareth-De Pinte", "OVL", {"Nazareth", "De Pinte"}),
    "44087": ("Lochristi", "OVL", {"Lochristi", "Wachtebeke"}),
    "44088": ("Merelbeke-Melle", "OVL", {"Merelbeke", "Melle"}),
    "46029": ("Lokeren", "OVL", {"Lokeren", "Moerbeke"}),
    "46030": ("Beveren-Kruibeke-Zwijndrecht", "OVL", {"Beveren", "Kruibeke", "Zwijndrecht"}),
    "71071": ("Tessenderlo-Ham", "LIM", {"Tessenderlo", "Ham"}),
    "71072": ("Hasselt", "LIM", {"Hasselt", "Kortessem"}),
    "73110": ("Bilzen-Hoeselt", "LIM", {"Bilzen", "Hoeselt"}),
    "73111": ("Tongeren-Borgloon", "LIM", {"Tongeren", "Borgloon"}),
}


@pytest.mark.parametrize(
    ("postcode", "nis", "name", "province"),
    [
        ("2070", "46030", "Beveren-Kruibeke-Zwijndrecht", "OVL"),  # Zwijndrecht left Antwerp province
        ("2150", "11002", "Antwerpen", "ANT"),  # Borsbeek
        ("3724", "71072", "Hasselt", "LIM"),  # Vliermaal, was Kortessem
        ("3720", "71072", "Hasselt", "LIM"),  # Kortessem
        ("9090", "44088", "Merelbeke-Melle", "OVL"),  # Melle
        ("9820", "44088", "Merelbeke-Melle", "OVL"),  # Merelbeke
        ("1000", "21004", "Brussel", "BRU"),
        ("1300", "25112", "Wavre", "WBR"),
        ("3000", "24062", "Leuven", "VBR"),
        ("4000", "62063", "Liège", "LUI"),
        ("6600", "82039", "Bastogne", "LUX"),
        ("5000", "92094", "Namur", "NAM"),
        ("7000", "53053", "Mons", "HEN"),
        ("8500", "34022", "Kortrijk", "WVL"),
        ("4700", "63023", "Eupen", "LUI"),
    ],
)
def test_postcode_gives_municipality_nis_and_province_from_the_nis(postcode, nis, name, province):
    (found,) = postcodes.for_postcode(postcode)
    assert (found.nis, found.name, found.province) == (nis, name, province)
    assert postcodes.province_for(postcode) == province


def test_province_comes_from_the_nis_code_never_from_the_postal_range():
    # 2xxx is Antwerp in the postal plan; Zwijndrecht is East Flanders since 2025.
    assert postcodes.province_for("2070") == "OVL"
    assert postcodes.province_for_nis("11002") == "ANT"
    assert postcodes.province_for_nis("21001") == "BRU"
    assert postcodes.province_for_nis("23106") == "VBR"
    assert postcodes.province_for_nis("24062") == "VBR"
    assert postcodes.province_for_nis("25112") == "WBR"
    assert postcodes.province_for_nis("nope") == ""


def test_unknown_but_valid_postcode_has_no_province():
    assert postcodes.province_for("8999") == ""
    assert postcodes.for_postcode("8999") == []


@pytest.mark.parametrize(("nis", "expected"), list(MERGED_2025.items()))
def test_the_13_flemish_mergers_of_2025(nis, expected):
    name, province, merged = expected
    m = postcodes.by_nis(nis)
    assert m is not None and (m.name, m.province) == (name, province)
    for old in merged:
        assert postcodes.resolve_name(old) == m, old


def test_pre_2025_names_and_codes_stand_for_the_merged_municipality():
    assert postcodes.by_nis("11056").nis == "46030"  # Zwijndrecht's old code
    assert postcodes.by_nis("73040").nis == "71072"  # Kortessem
    assert postcodes.resolve("2070", "Zwijndrecht").nis == "46030"
    assert postcodes.resolve("2150", "Borsbeek").nis == "11002"
    assert postcodes.resolve("9090", "Melle").nis == "44088"
    assert postcodes.resolve("2150", "11007").nis == "11002"  # a NIS code works too


def test_dutch_and_french_names_both_work():
    assert postcodes.resolve("1180", "Uccle").nis == "21016"
    assert postcodes.resolve("1180", "Ukkel").nis == "21016"
    assert postcodes.resolve("1640", "Rhode-Saint-Genèse").nis == "23101"
    assert postcodes.resolve("3790", "Fourons").nis == "73109"
    assert postcodes.resolve("4000", "Luik").name == "Liège"
    assert postcodes.resolve("7160", "chapelle lez herlaimont").nis == "52010"


def test_a_name_that_contradicts_the_postcode_is_refused():
    with pytest.raises(UserError, match="2070 hoort bij Beveren-Kruibeke-Zwijndrecht, niet bij Gent"):
        postcodes.resolve("2070", "Gent")


@pytest.fixture
def shared_postcode(tmp_path, monkeypatch):
    """A table in which 9999 belongs to two municipalities (the real table has none such)."""
    table = tmp_path / "postcodes.csv"
    table.write_text(
        "postcode,nis,name_nl,name_fr\n9999,44021,Gent,Gand\n9999,44088,Merelbeke-Melle,Merelbeke-Melle\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(postcodes, "POSTCODE_FILE", table)
    postcodes._by_postcode.cache_clear()
    yield
    postcodes._by_postcode.cache_clear()


def test_a_postcode_with_several_municipalities_asks_which_one(shared_postcode):
    with pytest.raises(
        UserError, match=r"meer dan één gemeente.*Gent \(NIS 44021\), Merelbeke-Melle \(NIS 44088\)"
    ):
        postcodes.resolve("9999")
    assert postcodes.resolve("9999", "Melle").nis == "44088"
    assert postcodes.resolve("9999", "44021").nis == "44021"
    assert postcodes.municipality_for("9999") == ""
    with pytest.raises(UserError, match="hoort niet bij Hasselt"):
        postcodes.resolve("9999", "Hasselt")


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


def test_bundled_tables_are_complete_and_consistent():
    with postcodes.POSTCODE_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 1_100
    every = postcodes.municipalities()
    # State of 1 January 2025: 565 municipalities, 285 of them in Flanders (28 became 13).
    assert len(every) == 565
    assert sum(1 for nis in every if postcodes.region_for_nis(nis) == "VLA") == 285
    assert sum(1 for nis in every if postcodes.region_for_nis(nis) == "BRU") == 19
    for row in rows:
        assert postcodes.normalise(row["postcode"]) == row["postcode"]
        m = every[row["nis"]]
        assert (row["name_nl"], row["name_fr"]) == (m.name_nl, m.name_fr)
        assert m.province in postcodes.PROVINCE_CODES
    assert {r["nis"] for r in rows} == set(every), "every municipality has a postcode"
    pairs = [(r["postcode"], r["nis"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    for old, (new, _nl, _fr) in postcodes._mergers().items():
        assert old not in every and new in every


def test_the_builder_script_rebuilds_the_same_tables_from_a_refnis_file(tmp_path):
    """scripts/refnis_table.py over a Statbel-style REFNIS file gives the bundled tables back."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "refnis_table", postcodes.DATA.parent.parent / "scripts" / "refnis_table.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    refnis = tmp_path / "TU_COM_REFNIS.txt"
    lines = ["LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_NL|TX_REFNIS_FR|DT_VLDT_START|DT_VLDT_END"]
    lines.append("2|10000|02000|Provincie Antwerpen|Province d'Anvers|01/01/1970|31/12/9999")
    for m in postcodes.municipalities().values():
        lines.append(f"4|{m.nis}|x|{m.name_nl}|{m.name_fr}|01/01/2025|31/12/9999")
    for old, (_new, nl, fr) in postcodes._mergers().items():
        lines.append(f"4|{old}|x|{nl}|{fr}|01/01/1977|31/12/2024")
    refnis.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert script.main(["--refnis", str(refnis), "--out", str(out)]) == 0
    assert (out / "postcodes_be.csv").read_text(encoding="utf-8") == postcodes.POSTCODE_FILE.read_text(
        encoding="utf-8"
    )
    assert (out / "municipalities_be.csv").read_text(
        encoding="utf-8"
    ) == postcodes.MUNICIPALITY_FILE.read_text(encoding="utf-8")


def test_province_names_cover_every_code():
    names = postcodes.province_names()
    for code in postcodes.PROVINCE_CODES:
        assert names[code] and names[code] != code
