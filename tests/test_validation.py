"""One set of field rules (db/rules.py) for every local write: refused in one line
naming the field and its limit, nothing written, never silently cut (issue 9, case 1 and 6)."""

from __future__ import annotations

import pytest

from db import rules
from tests.cli_helpers import export, one_line_error, run


@pytest.fixture
def data(capsys, tmp_path):
    folder = str(tmp_path / "data")
    code, _out, err = run(capsys, folder, "init", "--location-code", "KRT", "--location-name", "Kortrijk")
    assert code == 0, err
    return folder


def ok(capsys, data, *args):
    code, out, err = run(capsys, data, *args)
    assert code == 0, err
    return out.strip()


def refused(capsys, data, *args):
    before = export(capsys, data)
    code, out, err = run(capsys, data, *args)
    assert code == 1, (out, err)
    line = one_line_error(err)
    assert export(capsys, data) == before  # nothing written, not even part of it
    return line


def lent(capsys, data):
    tag = ok(capsys, data, "device", "add", "--kind", "laptop", "--brand", "B", "--model", "M")
    card = ok(
        capsys, data, "borrower", "add", "--first-name", "An", "--last-name", "Peeters", "--postcode", "8500"
    )
    from app.context import open_context
    from tests.conftest import make_ready

    ctx = open_context(data)
    try:
        make_ready(ctx, tag)
    finally:
        ctx.close()
    ok(capsys, data, "loan", "checkout", tag, card)
    return tag, card


def test_long_accessories_are_refused_naming_field_and_limit(capsys, data):
    line = refused(
        capsys,
        data,
        "device",
        "add",
        "--kind",
        "laptop",
        "--brand",
        "B",
        "--model",
        "M",
        "--accessories",
        "x" * 216,
    )
    assert "Toebehoren" in line and "200" in line


def test_long_return_condition_is_refused(capsys, data):
    tag, _card = lent(capsys, data)
    line = refused(capsys, data, "loan", "return", tag, "--condition", "k" * 475)
    assert "Staat bij terugbrengen" in line and "400" in line


def test_long_block_reason_is_refused(capsys, data):
    card = ok(
        capsys, data, "borrower", "add", "--first-name", "An", "--last-name", "Peeters", "--postcode", "8500"
    )
    line = refused(capsys, data, "borrower", "block", card, "--reason", "r" * 201)
    assert "Reden van blokkering" in line and "200" in line


def test_helpdesk_note_of_401_characters_is_refused_not_cut(capsys, data):
    line = refused(capsys, data, "helpdesk", "log", "--topic", "itsme", "--notes", "n" * 401)
    assert "Notitie" in line and "400" in line
    # Exactly at the limit it is kept whole.
    ok(capsys, data, "helpdesk", "log", "--topic", "itsme", "--notes", "n" * 400)
    assert "n" * 400 in export(capsys, data)


def test_long_training_title_is_refused_not_cut(capsys, data):
    line = refused(capsys, data, "training", "add", "--title", "t" * 161, "--start", "2026-12-10 09:00")
    assert "Titel" in line and "160" in line


def test_long_repair_action_is_refused_not_cut(capsys, data):
    tag = ok(capsys, data, "device", "add", "--kind", "laptop", "--brand", "B", "--model", "M")
    line = refused(capsys, data, "repair", tag, "--action", "a" * 201)
    assert "Herstelling" in line and "200" in line


def test_lone_surrogate_in_a_text_is_refused(capsys, data):
    # The command line refuses such an argument before it is parsed ...
    line = refused(capsys, data, "device", "add", "--kind", "laptop", "--brand", "B\ud800", "--model", "M")
    assert "geen geldige tekst" in line
    # ... and the field rule refuses it for every other caller (the window, imports).
    from app.context import open_context
    from app.errors import UserError
    from app.inventory import DeviceInput

    ctx = open_context(data)
    try:
        with pytest.raises(UserError) as refusal:
            ctx.devices.add(DeviceInput("laptop", "B\ud800", "M"))
    finally:
        ctx.close()
    assert "Merk" in refusal.value.message


def test_intake_count_of_a_hundred_million_is_a_plain_refusal(capsys, data):
    number = ok(capsys, data, "donation", "add", "--donor", "Bakkerij Dewitte")
    line = refused(
        capsys, data, "donation", "intake", number, "--brand", "B", "--model", "M", "--count", "100000000"
    )
    assert "500" in line
    assert "--count" in refused(
        capsys, data, "donation", "intake", number, "--brand", "B", "--model", "M", "--count", "-3"
    )


def test_walk_in_counts_are_bounded_by_the_rules(capsys, data):
    session = ok(
        capsys,
        data,
        "training",
        "add",
        "--title",
        "Basis laptop",
        "--start",
        "2026-12-10 09:00",
        "--capacity",
        "2",
    )
    limit = rules.rule("training_session", "walk_ins").maximum
    line = refused(capsys, data, "training", "walk-in", session, "--count", "100000000")
    assert "Vrije deelnemers" in line and str(limit) in line
    refused(capsys, data, "training", "walk-in", session, "--count", "-5")
    ok(capsys, data, "training", "walk-in", session, "--count", "3")


def test_bogus_codes_are_refused_for_every_write(tmp_path):
    from app.context import open_context
    from app.errors import UserError
    from db.models import Device

    ctx = open_context(tmp_path / "d")
    try:
        ctx.locations.initialise("KRT", "Kortrijk")
        with pytest.raises(UserError, match="Status"), ctx.sessions() as s, s.begin():
            import datetime as dt

            s.add(Device(asset_tag="KRT-9", intake_date=dt.date(2026, 1, 1), status="bogus"))
    finally:
        ctx.close()


# -- the rules themselves -------------------------------------------------------


def test_check_value_answers_structured_problems():
    def code(table, field, value):
        found = rules.check_value(rules.rule(table, field), value)
        return None if found is None else (found.field, found.code, found.limit)

    assert code("device", "accessories", "x" * 200) is None
    assert code("device", "accessories", "x" * 201) == ("accessories", rules.TOO_LONG, 200)
    assert code("device", "status", "bogus")[1] == rules.CHOICE
    assert code("helpdesk_visit", "topic", "tax-on-web") is None
    assert code("helpdesk_visit", "topic", "astrology")[1] == rules.CHOICE
    assert code("training_session", "walk_ins", -1)[1:] == (rules.TOO_SMALL, 0)
    assert code("training_session", "walk_ins", 100_000_000)[1] == rules.TOO_LARGE
    assert code("training_session", "walk_ins", True)[1] == rules.TYPE
    assert code("device", "intake_date", "2026-12-01") is None
    assert code("device", "intake_date", "20261201")[1] == rules.DATE
    assert code("device", "intake_date", "2026-W01-1")[1] == rules.DATE
    assert code("device", "intake_date", "2026-02-30")[1] == rules.DATE
    assert code("loan", "out_at", "2026-12-01T10:00:00") is None
    assert code("loan", "out_at", "2026-12-01T10:00")[1] == rules.DATETIME
    assert code("loan", "out_at", "2026-12-01 10:00:00")[1] == rules.DATETIME
    assert code("borrower", "notes", "ok \ud83d\ude00")[1] == rules.UNICODE  # two lone halves in Python
    assert code("borrower", "notes", "ok \U0001f600") is None
    assert code("borrower", "notes", "a\x00b")[1] == rules.UNICODE
    assert code("borrower", "first_name", None)[1] == rules.NULL
    deep: object = {"cpu": "x"}
    for _ in range(300):
        deep = {"x": deep}
    assert code("device", "specs", deep)[1:] == (rules.JSON_DEPTH, rules.JSON_MAX_DEPTH)
    assert code("device", "specs", {"blob": "x" * 70_000})[1] == rules.JSON_SIZE
    assert code("device", "specs", {"cpu": "Intel\ud83d"})[1] == rules.UNICODE
    assert code("device", "specs", {"cpu": {"cores": 4}}) is None


def test_check_fields_of_a_new_record_needs_its_required_fields():
    problems = rules.check_fields("repair", {"device_id": "d"}, new=True)
    assert {(p.field, p.code) for p in problems} == {("done_on", rules.REQUIRED), ("action", rules.REQUIRED)}
    assert rules.check_fields("nope", {})[0].code == rules.UNKNOWN_TABLE
    assert rules.check_fields("device", {"colour": "red"})[0].code == rules.UNKNOWN_FIELD
