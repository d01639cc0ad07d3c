"""Staff sign-in, roles and the audit log on the command line (issue 11, acceptance)."""

from __future__ import annotations

import argparse
import json

import pytest

from app.cli import build_parser
from app.cli.staff_gate import COMMANDS
from tests.cli_helpers import export, one_line_error, run

COORD = {"DIGIBANK_STAFF": "Anna", "DIGIBANK_PIN": "4321"}
VOL = {"DIGIBANK_STAFF": "Vera", "DIGIBANK_PIN": "1111"}


@pytest.fixture
def data(tmp_path, capsys, monkeypatch):
    for name in ("DIGIBANK_STAFF", "DIGIBANK_PIN", "DIGIBANK_NEW_PIN"):
        monkeypatch.delenv(name, raising=False)
    folder = str(tmp_path / "data")
    assert run(capsys, folder, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    return folder


def as_(monkeypatch, env: dict[str, str] | None, **extra: str) -> None:
    for name in ("DIGIBANK_STAFF", "DIGIBANK_PIN", "DIGIBANK_NEW_PIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**(env or {}), **extra}.items():
        monkeypatch.setenv(name, value)


def add_borrower(capsys, data) -> str:
    argv = ("borrower", "add", "--first-name", "Jan", "--last-name", "Peeters", "--postcode", "8500")
    code, out, err = run(capsys, data, *argv, "--consent")
    assert code == 0, err
    return out.strip()


def audit(capsys, data) -> list[dict]:
    code, out, err = run(capsys, data, "audit", "--json")
    assert code == 0, err
    return json.loads(out)


def test_every_command_is_classified():
    """A new command must say who may run it; none is open by accident."""

    def leaves(parser: argparse.ArgumentParser, path: list[str]):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if parser._defaults.get("handler") and path:
            yield " ".join(path)
        for action in subs:
            for name, child in action.choices.items():
                yield from leaves(child, [*path, name])

    found = set(leaves(build_parser(), []))
    assert found - set(COMMANDS) == set()


def test_without_staff_the_counter_works_as_before(data, capsys):
    card = add_borrower(capsys, data)
    assert card.startswith("KRT-B-")
    assert audit(capsys, data) == []  # a lone counter keeps no sign-in log
    code, out, _ = run(capsys, data, "staff", "list")
    assert code == 0 and "Geen personeel ingesteld" in out


def test_first_staff_member_must_be_a_coordinator(data, capsys, monkeypatch):
    as_(monkeypatch, None, DIGIBANK_PIN="1111")
    code, _out, err = run(capsys, data, "staff", "add", "Vera", "--role", "vrijwilliger")
    assert code == 1 and "coördinator" in one_line_error(err)
    code, _out, err = run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    assert code == 0, err


def test_pin_must_be_4_to_8_digits_and_is_never_listed(data, capsys, monkeypatch):
    for bad in ("123", "123456789", "12a4", ""):
        as_(monkeypatch, None, DIGIBANK_PIN=bad)
        code, _out, err = run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
        assert code == 1 and "4 tot 8 cijfers" in one_line_error(err)
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    assert run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")[0] == 0
    code, out, _ = run(capsys, data, "staff", "list", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["name"] == "Anna" and row["role"] == "coordinator" and "pin_hash" not in row
    assert "4321" not in out and "scrypt" not in out
    assert "scrypt" not in export(capsys, data)  # the hash does not leave through export either


def test_acceptance_sequence(data, capsys, monkeypatch, tmp_path):
    card = add_borrower(capsys, data)  # before any staff: no sign-in
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    assert run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")[0] == 0
    as_(monkeypatch, COORD, DIGIBANK_NEW_PIN="1111")
    assert run(capsys, data, "staff", "add", "Vera", "--role", "vrijwilliger")[0] == 0
    as_(monkeypatch, COORD, DIGIBANK_NEW_PIN="2222")
    assert run(capsys, data, "staff", "add", "Tom", "--role", "technieker")[0] == 0

    # A change without anyone signed in is refused, and says who may.
    as_(monkeypatch, None)
    before = export(capsys, data)
    code, _out, err = run(capsys, data, "borrower", "edit", card, "--phone", "0470000000")
    assert code == 1 and "--staff" in one_line_error(err)
    # Read-only commands stay open.
    assert run(capsys, data, "borrower", "show", card)[0] == 0

    # The volunteer may work at the counter...
    as_(monkeypatch, VOL)
    code, _out, err = run(capsys, data, "borrower", "edit", card, "--phone", "0470000000")
    assert code == 0, err
    # ... but not erase, change settings, restore or list people by name.
    backup = tmp_path / "b.sqlite"
    as_(monkeypatch, COORD)
    assert run(capsys, data, "backup", "--out", str(backup))[0] == 0
    people = tmp_path / "people.xlsx"
    as_(monkeypatch, VOL)
    for argv in (
        ("borrower", "erase", card),
        ("settings", "set", "loan_period_days", "30"),
        ("restore", str(backup)),
        ("report", "people", "--from", "2026-01-01", "--to", "2026-12-31", "--xlsx", str(people)),
    ):
        code, _out, err = run(capsys, data, *argv)
        line = one_line_error(err)
        assert code == 1 and line.startswith("Alleen een coördinator mag dit"), line
        assert "vrijwilliger" in line, line
    assert not people.exists()
    # A technician may add devices, a volunteer may not.
    device = ("device", "add", "--kind", "laptop", "--brand", "L", "--model", "T", "--serial", "S1")
    code, _out, err = run(capsys, data, *device)
    assert code == 1 and "technieker" in one_line_error(err)
    as_(monkeypatch, {"DIGIBANK_STAFF": "Tom", "DIGIBANK_PIN": "2222"})
    assert run(capsys, data, *device)[0] == 0

    # The coordinator's succeed.
    as_(monkeypatch, COORD)
    assert run(capsys, data, "settings", "set", "loan_period_days", "30")[0] == 0
    period = ("--from", "2020-01-01", "--to", "2030-12-31")
    code, _out, err = run(capsys, data, "report", "people", *period, "--xlsx", str(people))
    assert code == 0, err
    assert run(capsys, data, "restore", str(backup))[0] == 0
    code, _out, err = run(capsys, data, "borrower", "erase", card)
    assert code == 0, err

    # Five wrong PINs lock Vera, also for the right PIN; a coordinator lifts the lock.
    as_(monkeypatch, {"DIGIBANK_STAFF": "Vera", "DIGIBANK_PIN": "9999"})
    for _attempt in range(5):
        code, _out, err = run(capsys, data, "helpdesk", "log", "--topic", "itsme")
        assert code == 1
    assert "geblokkeerd" in one_line_error(err)
    as_(monkeypatch, VOL)
    code, _out, err = run(capsys, data, "helpdesk", "log", "--topic", "itsme")
    assert code == 1 and "geblokkeerd" in one_line_error(err)
    code, _out, err = run(capsys, data, "staff", "unlock", "Vera")
    assert code == 1 and "geblokkeerd" in one_line_error(err)  # not herself: she is locked
    as_(monkeypatch, COORD)
    assert run(capsys, data, "staff", "unlock", "Vera")[0] == 0
    as_(monkeypatch, VOL)
    assert run(capsys, data, "helpdesk", "log", "--topic", "itsme")[0] == 0
    assert before != export(capsys, data)

    events = audit(capsys, data)
    seen = [(e["staff"], e["action"], e["outcome"], e["detail"]) for e in events]
    expected = [
        ("", "staff add", "ok", "role=coordinator"),
        ("Anna", "staff add", "ok", "role=vrijwilliger"),
        ("Anna", "staff add", "ok", "role=technieker"),
        ("", "borrower edit", "refused", "not signed in"),
        ("Vera", "borrower edit", "ok", "phone"),
        ("Anna", "backup", "ok", "out"),
        ("Vera", "borrower erase", "refused", "role"),
        ("Vera", "settings set", "refused", "role"),
        ("Vera", "restore", "refused", "role"),
        ("Vera", "report people", "refused", "role"),
        ("Vera", "device add", "refused", "role"),
        ("Tom", "device add", "ok", "brand,kind,model,serial,source"),
        ("Anna", "settings set", "ok", "value"),
        ("Anna", "report people", "ok", "end,start,xlsx"),
        ("Anna", "restore", "ok", ""),
        ("Anna", "borrower erase", "ok", ""),
        *[("Vera", "sign-in", "refused", "wrong pin")] * 5,
        ("Vera", "lockout", "refused", "5 wrong pins"),
        ("Vera", "sign-in", "refused", "locked"),
        ("Vera", "sign-in", "refused", "locked"),
        ("Anna", "staff unlock", "ok", ""),
        ("Vera", "helpdesk log", "ok", "minutes,topic"),
    ]
    assert [s[:3] for s in seen] == [e[:3] for e in expected]
    for got, want in zip(seen, expected, strict=True):
        assert set(want[3].split(",")) <= set(got[3].split(",")), (got, want)
    assert {e["subject"] for e in events if e["action"] == "borrower erase"} == {card}
    assert all(e["location"] == "KRT" for e in events)
    # The audit log carries codes, never the person's name or phone.
    text = json.dumps(events)
    assert "Peeters" not in text and "0470000000" not in text


def test_wrong_name_and_disabled_person_are_refused(data, capsys, monkeypatch):
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    as_(monkeypatch, COORD, DIGIBANK_NEW_PIN="1111")
    run(capsys, data, "staff", "add", "Vera", "--role", "vrijwilliger")
    as_(monkeypatch, {"DIGIBANK_STAFF": "Nobody", "DIGIBANK_PIN": "1111"})
    code, _out, err = run(capsys, data, "helpdesk", "log", "--topic", "itsme")
    assert code == 1 and "Nobody" in one_line_error(err)
    as_(monkeypatch, COORD)
    assert run(capsys, data, "staff", "disable", "Vera")[0] == 0
    code, _out, err = run(capsys, data, "staff", "disable", "Anna")
    assert code == 1 and "laatste coördinator" in one_line_error(err)
    as_(monkeypatch, VOL)
    code, _out, err = run(capsys, data, "helpdesk", "log", "--topic", "itsme")
    assert code == 1 and "uitgeschakeld" in one_line_error(err)


def test_a_person_may_change_their_own_pin(data, capsys, monkeypatch):
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    as_(monkeypatch, COORD, DIGIBANK_NEW_PIN="1111")
    run(capsys, data, "staff", "add", "Vera", "--role", "vrijwilliger")
    as_(monkeypatch, VOL, DIGIBANK_NEW_PIN="5555")
    code, _out, err = run(capsys, data, "staff", "pin", "Anna")
    assert code == 1 and "coördinator" in one_line_error(err)
    assert run(capsys, data, "staff", "pin", "Vera")[0] == 0
    as_(monkeypatch, {"DIGIBANK_STAFF": "Vera", "DIGIBANK_PIN": "5555"})
    assert run(capsys, data, "helpdesk", "log", "--topic", "itsme")[0] == 0


def test_changed_by_is_the_signed_in_staff_member(data, capsys, monkeypatch):
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    as_(monkeypatch, COORD)
    card = add_borrower(capsys, data)
    from sqlalchemy import select

    from app.context import open_context
    from db.models import Borrower

    ctx = open_context(data)
    try:
        [anna] = ctx.staff.list()
        with ctx.sessions() as s:
            borrower = s.scalar(select(Borrower).where(Borrower.card_number == card))
            assert borrower.changed_by == anna.id
        assert ctx.staff.names()[borrower.changed_by] == "Anna"
    finally:
        ctx.close()


def test_audit_csv_and_period(data, capsys, monkeypatch, tmp_path):
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    out = tmp_path / "audit.csv"
    code, _o, err = run(capsys, data, "audit", "--csv", str(out))
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("at,staff,action") and "staff add" in lines[1]
    code, o, _e = run(capsys, data, "audit", "--json", "--from", "2000-01-01", "--to", "2000-12-31")
    assert code == 0 and json.loads(o) == []


def test_checkout_event_names_device_and_card(data, capsys, monkeypatch):
    from app.context import open_context
    from tests.conftest import make_ready

    card = add_borrower(capsys, data)
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    run(capsys, data, "staff", "add", "Anna", "--role", "coordinator")
    as_(monkeypatch, COORD)
    device = ("device", "add", "--kind", "laptop", "--brand", "L", "--model", "T", "--serial", "S1")
    code, out, err = run(capsys, data, *device)
    assert code == 0, err
    tag = out.strip()
    ctx = open_context(data)
    try:
        make_ready(ctx, tag)
    finally:
        ctx.close()
    code, _out, err = run(capsys, data, "loan", "checkout", tag, card)
    assert code == 0, err
    [event] = [e for e in audit(capsys, data) if e["action"] == "loan checkout"]
    assert (event["staff"], event["subject"], event["outcome"]) == ("Anna", f"{tag} {card}", "ok")
