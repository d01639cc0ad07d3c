"""Log files (program and server) carry card numbers and ids, never names, addresses,
phone numbers, e-mail addresses or donor names."""

from __future__ import annotations

import logging
import logging.handlers

import pytest
from sqlalchemy.exc import IntegrityError

from app.borrowers import BorrowerInput
from db.models import Borrower
from tests.cli_helpers import run

PERSONAL = ("Uniekenaam", "Zeynep", "Uniekstraat", "0470 99 88 77", "zeynep@uniek.be", "Schenkersnaam",
            "schenker@uniek.be")  # fmt: skip


@pytest.fixture
def own_log_file():
    """setup_logging adds one file handler per process: give this test its own."""
    root = logging.getLogger()
    saved = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    for h in saved:
        root.removeHandler(h)
    yield
    for h in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        root.removeHandler(h)
        h.close()
    for h in saved:
        root.addHandler(h)


def _ok(capsys, data, *args):
    code, out, err = run(capsys, data, *args)
    assert code == 0, err
    return out.strip()


def _log_text(folder):
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("digibank.log*")))


def test_a_day_at_the_counter_leaves_no_personal_data_in_the_log(capsys, tmp_path, own_log_file):
    data = str(tmp_path / "data")
    _ok(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")
    card = _ok(capsys, data, "borrower", "add", "--first-name", "Zeynep", "--last-name", "Uniekenaam",
               "--postcode", "8500", "--street", "Uniekstraat 9", "--phone", "0470 99 88 77",
               "--email", "zeynep@uniek.be", "--consent")  # fmt: skip
    tag = _ok(capsys, data, "device", "add", "--kind", "laptop", "--brand", "Dell", "--model", "E7450",
              "--serial", "S1")  # fmt: skip
    _ok(capsys, data, "wipe", tag, "--method", "nwipe", "--result", "passed", "--technician", "Tom")
    _ok(capsys, data, "device", "status", tag, "ready")
    _ok(capsys, data, "loan", "checkout", tag, card)
    _ok(capsys, data, "loan", "return", tag)
    _ok(capsys, data, "helpdesk", "log", "--topic", "itsme", "--card", card)
    _ok(capsys, data, "donation", "add", "--donor", "Schenkersnaam", "--contact", "schenker@uniek.be",
        "--kind", "person")  # fmt: skip
    _ok(capsys, data, "borrower", "edit", card, "--phone", "0470 99 88 77")
    text = _log_text(tmp_path / "data")
    assert card in text  # the log does say what happened, by card number
    assert [v for v in PERSONAL if v in text] == []
    _ok(capsys, data, "borrower", "erase", card)
    text = _log_text(tmp_path / "data")
    assert [v for v in PERSONAL if v in text] == []


def test_database_errors_in_the_log_do_not_carry_the_values(ctx):
    ctx.borrowers.add(BorrowerInput("Zeynep", "Uniekenaam", "8500", phone="0470 99 88 77"))
    with pytest.raises(IntegrityError) as caught, ctx.sessions() as s, s.begin():
        s.add(
            Borrower(card_number="KRT-B-00001", first_name="Zeynep", last_name="Uniekenaam", postcode="8500")
        )
    assert "KRT-B-00001" not in str(caught.value) and "Uniekenaam" not in str(caught.value)
