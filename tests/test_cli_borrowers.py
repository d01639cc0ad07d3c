"""`digibank borrower …`: registration from a script, refusals that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import export, one_line_error, run


@pytest.fixture
def ready(capsys, tmp_path):
    data = str(tmp_path / "data")
    code, _out, _err = run(
        capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie"
    )
    assert code == 0
    return data


def add(capsys, data, first="Jan", last="Peeters", postcode="8500", *extra):
    return run(
        capsys,
        data,
        "borrower",
        "add",
        "--first-name",
        first,
        "--last-name",
        last,
        "--postcode",
        postcode,
        *extra,
    )


def test_add_prints_only_the_card_number(capsys, ready):
    assert add(capsys, ready)[:2] == (0, "KRT-B-00001\n")
    assert add(capsys, ready, "Els", "Maes", "9000")[:2] == (0, "KRT-B-00002\n")


def test_add_json_fills_municipality_and_province(capsys, ready):
    code, out, _ = add(capsys, ready, "Jan", "Peeters", "3500", "--email", "jan@x.be", "--phone",
                       "011 12 34 56", "--target-group", "senior", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["card_number"] == "KRT-B-00001"
    assert (data["municipality"], data["province"], data["postcode"]) == ("Hasselt", "LIM", "3500")
    assert (data["email"], data["phone"], data["target_group"]) == ("jan@x.be", "011 12 34 56", "senior")


@pytest.mark.parametrize(
    ("first", "last", "postcode", "extra", "message"),
    [
        ("", "Peeters", "8500", [], "voornaam"),
        ("Jan", "  ", "8500", [], "familienaam"),
        ("Jan", "Peeters", "75001", [], "Belgische postcode"),
        ("Jan", "Peeters", "0999", [], "Belgische postcode"),
        ("Jan", "Peeters", "8500", ["--email", "jan@"], "E-mailadres"),
        ("Jan", "Peeters", "8500", ["--phone", "bel mij"], "Telefoonnummer"),
        ("Jan", "Peeters", "8500", ["--target-group", "vip"], "doelgroep"),
    ],
)
def test_bad_input_exits_1_with_one_line_and_changes_nothing(
    capsys, ready, first, last, postcode, extra, message
):
    before = export(capsys, ready)
    code, out, err = add(capsys, ready, first, last, postcode, *extra)
    assert (code, out) == (1, "")
    assert message in one_line_error(err)
    assert export(capsys, ready) == before


def test_usage_errors_exit_2(capsys, ready):
    code, _out, err = run(capsys, ready, "borrower", "add", "--first-name", "Jan", "--postcode", "8500")
    assert code == 2 and "Traceback" not in err
    code, _out, err = run(capsys, ready, "borrower", "block", "KRT-B-00001")  # --reason missing
    assert code == 2 and "Traceback" not in err
    code, _out, _err = run(capsys, ready, "borrower")
    assert code == 2


def test_find_human_and_json(capsys, ready):
    add(capsys, ready)
    add(capsys, ready, "Els", "Maes", "9000")
    code, out, _ = run(capsys, ready, "borrower", "find", "pee")
    assert code == 0 and "KRT-B-00001" in out and "Jan Peeters" in out and "Maes" not in out
    code, out, _ = run(capsys, ready, "borrower", "find", "gent", "--json")
    assert [b["card_number"] for b in json.loads(out)] == ["KRT-B-00002"]
    code, out, _ = run(capsys, ready, "borrower", "find", "niemand")
    assert code == 0 and "Niemand gevonden" in out


def test_show(capsys, ready):
    add(capsys, ready, "Jan", "Peeters", "8500", "--phone", "056 12 34 56")
    code, out, _ = run(capsys, ready, "borrower", "show", "krt-b-00001")
    assert code == 0
    assert "Jan Peeters" in out and "West-Vlaanderen" in out and "056 12 34 56" in out
    code, out, _ = run(capsys, ready, "borrower", "show", "KRT-B-00001", "--json")
    assert json.loads(out)["open_loans"] == []
    code, out, err = run(capsys, ready, "borrower", "show", "KRT-B-00404")
    assert code == 1 and "KRT-B-00404" in one_line_error(err)


def test_edit(capsys, ready):
    add(capsys, ready)
    code, out, _ = run(
        capsys, ready, "borrower", "edit", "KRT-B-00001", "--postcode", "2000", "--email", "j@p.be"
    )
    assert code == 0 and "aangepast" in out
    data = json.loads(run(capsys, ready, "borrower", "show", "KRT-B-00001", "--json")[1])
    assert (data["postcode"], data["municipality"], data["province"], data["email"]) == (
        "2000",
        "Antwerpen",
        "ANT",
        "j@p.be",
    )
    before = export(capsys, ready)
    for args in (["--postcode", "99999"], ["--first-name", ""], ["--email", "x"], []):
        code, out, err = run(capsys, ready, "borrower", "edit", "KRT-B-00001", *args)
        assert code == 1, args
        one_line_error(err)
    assert export(capsys, ready) == before


def test_block_and_unblock(capsys, ready):
    add(capsys, ready)
    code, out, _ = run(capsys, ready, "borrower", "block", "KRT-B-00001", "--reason", "schade")
    assert code == 0 and "geblokkeerd" in out
    data = json.loads(run(capsys, ready, "borrower", "show", "KRT-B-00001", "--json")[1])
    assert (data["blocked"], data["blocked_reason"]) == (True, "schade")
    code, out, err = run(capsys, ready, "borrower", "block", "KRT-B-00001", "--reason", " ")
    assert code == 1 and "reden" in one_line_error(err)
    code, out, _ = run(capsys, ready, "borrower", "unblock", "KRT-B-00001", "--json")
    assert json.loads(out)["blocked"] is False


def test_lang_en_is_accepted(capsys, ready):
    assert add(capsys, ready, "Jan", "Peeters", "8500", "--json")[0] == 0
    code, _out, err = run(capsys, ready, "--lang", "en", "borrower", "add", "--first-name", "Jan",
                          "--last-name", "P", "--postcode", "12")  # fmt: skip
    assert code == 1
    one_line_error(err)


def test_erase_and_export_data(capsys, ready, tmp_path):
    add(capsys, ready, "Jan", "Peeters", "8500", "--email", "jan@x.be")
    code, out, _ = run(
        capsys, ready, "borrower", "export-data", "KRT-B-00001", "--out", str(tmp_path / "sar")
    )
    assert code == 0
    json_path, pdf_path = out.splitlines()  # the JSON file, then the readable PDF
    assert Path(pdf_path).read_bytes().startswith(b"%PDF")
    exported = json.loads(Path(json_path).read_text(encoding="utf-8"))
    assert exported["borrower"]["email"] == "jan@x.be"
    code, out, _ = run(capsys, ready, "borrower", "erase", "KRT-B-00001", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["erased"], data["email"], data["postcode"]) == (True, "", "8500")
    assert "Peeters" not in out
    before = export(capsys, ready)
    code, out, err = run(capsys, ready, "borrower", "erase", "KRT-B-00001")
    assert code == 1
    one_line_error(err)
    code, out, err = run(capsys, ready, "borrower", "edit", "KRT-B-00001", "--phone", "056 12 34 56")
    assert code == 1 and "gewist" in one_line_error(err)
    assert export(capsys, ready) == before


def test_add_with_eligibility_and_age_band(capsys, ready):
    code, out, _err = add(
        capsys, ready, "Jan", "Peeters", "2070", "--eligibility", "verhoogde-tegemoetkoming",
        "--referrer", "CAW", "--checked-on", "2026-01-05", "--age-band", "55-64", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert (data["nis_code"], data["province"], data["municipality"]) == (
        "46030",
        "OVL",
        "Beveren-Kruibeke-Zwijndrecht",
    )
    assert (data["eligibility_code"], data["referrer"]) == ("verhoogde-tegemoetkoming", "CAW")
    assert (data["eligibility_checked_on"], data["eligibility_valid_until"]) == ("2026-01-05", "2027-01-05")
    assert (data["age_band"], data["birth_year"]) == ("55-64", None)
    code, _out, err = run(capsys, ready, "borrower", "edit", "KRT-B-00001", "--referrer", "Kapper")
    assert code == 1 and "niet in de lijst van doorverwijzers" in one_line_error(err)
    code, out, _err = run(
        capsys, ready, "borrower", "edit", "KRT-B-00001", "--valid-until", "2026-06-30", "--json"
    )
    assert code == 0 and json.loads(out)["eligibility_valid_until"] == "2026-06-30"


def test_a_wrong_municipality_is_one_line(capsys, ready):
    code, _out, err = add(capsys, ready, "Jan", "Peeters", "2070", "--municipality", "Gent")
    assert code == 1
    assert "hoort bij Beveren-Kruibeke-Zwijndrecht, niet bij Gent" in one_line_error(err)
