"""Registering with the Belgian eID: the TLV files, and the whole PC/SC path for real.

The end-to-end tests run a real pcscd with the vsmartcard `vpcd` reader driver and a virtual BEID
card (tests/virtual_beid.py). They are not skipped when pcscd, vpcd or pyscard are missing: they
fail, because .ci/run installs them (apt: pcscd vsmartcard-vpcd libpcsclite-dev swig; pip: pyscard).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import eid
from app.errors import UserError
from tests.cli_helpers import export, one_line_error, run
from tests.virtual_beid import Person, VirtualBeid, missing_tools, private_pcscd, tlv

NATIONAL_NUMBER = "57031412345"
CARD_NUMBER = "592123456789"


# -- the files ------------------------------------------------------------------------------------


def test_identity_file_keeps_names_and_birth_year_only():
    person = Person()
    read = eid.person_from_files(person.identity_file(), person.address_file())
    assert read.first_names == "Marie-Louise Josephine"
    assert read.first_name == "Marie-Louise"
    assert read.last_name == "Van den Broeck"
    assert read.birth_year == 1957
    assert read.street == "Kerkstraat 12 bus 3"
    dumped = json.dumps(read.as_dict())
    for secret in (NATIONAL_NUMBER, CARD_NUMBER, "14 MAAR", "MAAR"):
        assert secret not in dumped


def test_parser_never_turns_unwanted_tags_into_values():
    data = Person().identity_file()
    assert eid.parse_tlv(data, (0x07,)) == {0x07: b"Van den Broeck"}
    assert 0x06 in eid.parse_tlv(data, (0x06,))  # the number is there: the parser just is not asked


def test_long_values_and_zero_padding():
    long_street = "Lange Nieuwstraat " + "x" * 200
    data = tlv(0x01, long_street.encode()) + tlv(0x02, b"2000") + b"\x00" * 30
    assert eid.parse_tlv(data, (0x01, 0x02)) == {0x01: long_street.encode(), 0x02: b"2000"}


@pytest.mark.parametrize(
    ("text", "year"), [("14 MAAR 1957", 1957), ("02.MÄR.2001", 2001), ("3 JANV 1999", 1999), ("", None)]
)
def test_birth_year_in_every_card_language(text, year):
    assert eid.birth_year(text) == year


@pytest.mark.parametrize(
    ("postcode", "on_card", "current"),
    [
        ("2070", "Zwijndrecht", "Beveren-Kruibeke-Zwijndrecht"),  # merged on 1 January 2025
        ("9820", "Melle", "Merelbeke-Melle"),
        ("1000", "Bruxelles", "Brussel"),  # a French name on a Brussels card
    ],
)
def test_former_or_french_municipality_becomes_the_current_one(postcode, on_card, current):
    person = Person(postcode=postcode, municipality=on_card)
    read = eid.person_from_files(person.identity_file(), person.address_file())
    assert (read.municipality, read.card_municipality) == (current, on_card)


def test_a_card_without_a_name_is_refused():
    with pytest.raises(UserError, match="geen Belgische eID"):
        eid.person_from_files(tlv(0x01, b"123"), Person().address_file())


# -- the whole path: pcscd + vpcd + a virtual card -------------------------------------------------


@pytest.fixture(scope="module")
def pcscd(tmp_path_factory):
    """A private pcscd with one vpcd reader (see tests/virtual_beid.py for how it runs here)."""
    missing = missing_tools()
    assert not missing, f"missing for the eID tests (.ci/run installs them): {missing}"
    with private_pcscd(tmp_path_factory.mktemp("pcscd")) as port:
        yield port


@pytest.fixture
def card(pcscd):
    virtual = VirtualBeid(pcscd, Person())
    virtual.start()
    yield virtual
    virtual.stop()


@pytest.fixture
def ready(capsys, tmp_path):
    data = str(tmp_path / "data")
    code, _out, _err = run(
        capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie"
    )
    assert code == 0
    return data


def _wait_for_card(port: int) -> None:
    """vpcd reports the card at pcscd's next poll of the reader."""
    import time

    deadline = time.monotonic() + 20
    while True:
        try:
            eid.read_card()
            return
        except UserError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_with_no_reader_one_plain_line(ready, tmp_path):
    """No PC/SC service answering (as on a PC without a reader): the client library is pointed at a
    socket nobody serves, in a process of its own (the library reads the variable once)."""
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "nobody.comm")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", ready, "eid", "read", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert (
        one_line_error(done.stderr)
        == "Geen kaartlezer gevonden: sluit een kaartlezer aan en probeer opnieuw."
    )


def test_reader_without_card_one_plain_line(capsys, ready, pcscd):
    code, out, err = run(capsys, ready, "eid", "read")
    assert code == 1 and out == ""
    assert one_line_error(err) == "Geen eID in de kaartlezer: steek de kaart in de lezer en probeer opnieuw."


def test_eid_read_json_through_real_pcscd(capsys, ready, card):
    _wait_for_card(card.port)
    card.commands.clear()
    code, out, err = run(capsys, ready, "eid", "read", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data == {
        "first_names": "Marie-Louise Josephine",
        "last_name": "Van den Broeck",
        "street": "Kerkstraat 12 bus 3",
        "postcode": "2070",
        "municipality": "Beveren-Kruibeke-Zwijndrecht",
        "card_municipality": "Zwijndrecht",
        "birth_year": 1957,
    }
    for secret in (NATIONAL_NUMBER, CARD_NUMBER):
        assert secret not in out and secret not in err
    # Only the identity and address files were selected: never the photo (4035) or anything else.
    selected = {c[5:].hex().upper() for c in card.commands if c[1] == 0xA4}
    assert selected == {"3F00DF014031", "3F00DF014033"}


def test_eid_read_for_people_shows_what_and_why(capsys, ready, card):
    _wait_for_card(card.port)
    code, out, err = run(capsys, ready, "eid", "read")
    assert code == 0, err
    assert "Familienaam:  Van den Broeck" in out
    assert "Gemeente:     Beveren-Kruibeke-Zwijndrecht (op de kaart: Zwijndrecht)" in out
    assert "rijksregisternummer" in err  # the notice: what is read and what is not kept


def test_borrower_add_from_eid_registers_the_person(capsys, ready, card, tmp_path):
    _wait_for_card(card.port)
    code, out, err = run(capsys, ready, "borrower", "add", "--from-eid", "--consent", "--phone", "0470123456")
    assert (code, out) == (0, "KRT-B-00001\n"), err
    code, out, _err = run(capsys, ready, "borrower", "show", "KRT-B-00001", "--json")
    shown = json.loads(out)
    assert (shown["first_name"], shown["last_name"]) == ("Marie-Louise Josephine", "Van den Broeck")
    assert (shown["postcode"], shown["municipality"]) == ("2070", "Beveren-Kruibeke-Zwijndrecht")
    assert shown["street"] == "Kerkstraat 12 bus 3"
    assert shown["consent_date"]
    # Nothing of the chip's identifiers anywhere in the data, the log or the database file.
    everything = export(capsys, ready)
    log_text = "".join(p.read_text(errors="replace") for p in Path(ready).glob("*.log"))
    for secret in (NATIONAL_NUMBER, CARD_NUMBER):
        assert secret not in everything and secret not in log_text
    # Staff correct with `borrower edit`, as after typing.
    code, _out, err = run(capsys, ready, "borrower", "edit", "KRT-B-00001", "--first-name", "Marie-Louise")
    assert code == 0, err


def test_borrower_add_flag_overrides_the_card(capsys, ready, card):
    _wait_for_card(card.port)
    code, out, err = run(capsys, ready, "borrower", "add", "--from-eid", "--first-name", "Malou", "--json")
    assert code == 0, err
    assert json.loads(out)["first_name"] == "Malou"


def test_borrower_add_without_names_or_eid_is_a_usage_error(capsys, ready):
    code, _out, err = run(capsys, ready, "borrower", "add", "--postcode", "8500")
    assert code == 2
    assert one_line_error(err) == "Geef --first-name, --last-name, of lees de eID met --from-eid."


# The offscreen platform's own warning (as in tests/ui/conftest.py); every other Qt warning fails.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_borrower_dialog_reads_the_virtual_card(qtbot, ctx, card):
    """The window's "eID lezen" through the same real pcscd: the form is filled, nothing saved yet."""
    from PySide6.QtCore import Qt

    from ui.dialogs.borrower_dialog import BorrowerDialog
    from ui.operations import wait_for_running

    _wait_for_card(card.port)
    dialog = BorrowerDialog(ctx.borrowers, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.eid_panel.button, Qt.MouseButton.LeftButton)
    assert wait_for_running(20_000)
    qtbot.waitUntil(lambda: dialog.last_name.text() == "Van den Broeck", timeout=20_000)
    assert dialog.municipality.text() == "Beveren-Kruibeke-Zwijndrecht"
    assert NATIONAL_NUMBER not in dialog.eid_panel.result.text()
    assert ctx.borrowers.count() == 0  # shown first; saving is the staff's click
