"""Case 4: a replacement PC takes over an existing location (issue 9).

Everything goes through the real `digibank` commands against a real server; the
token comes from DIGIBANK_TOKEN, as on a counter set up by a script.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.context import open_context
from db.models import Device
from tests.cli_helpers import export, one_line_error, run

SOON = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def _ok(capsys, data, *args):
    code, out, err = run(capsys, data, *args)
    assert code == 0, (args, err)
    return out


def _sync_json(capsys, data, url):
    return json.loads(_ok(capsys, data, "sync", "--server", url, "--json"))


def _ready(capsys, data, tag):
    _ok(capsys, data, "device", "status", tag, "wiping")
    _ok(capsys, data, "wipe", tag, "--method", "nwipe", "--result", "passed")
    _ok(capsys, data, "device", "status", tag, "ready")


@pytest.fixture
def krt(tmp_path, server, capsys, monkeypatch):
    """The old KRT counter: 3 devices (2 ready, 1 lent), 2 borrowers, 1 donation, all synced
    (server on SQLite and on PostgreSQL)."""
    server.add_tenant("Kortrijk")
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "KRT"))
    old = str(tmp_path / "old")
    _ok(capsys, old, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")
    for serial in ("A", "B", "C"):
        _ok(capsys, old, "device", "add", "--kind", "laptop", "--brand", "Lenovo", "--model", "T480",
            "--serial", serial)  # fmt: skip
    for first in ("Jan", "Els"):
        _ok(capsys, old, "borrower", "add", "--first-name", first, "--last-name", "Peeters",
            "--postcode", "8500")  # fmt: skip
    _ready(capsys, old, "KRT-000001")
    _ready(capsys, old, "KRT-000002")
    _ok(capsys, old, "loan", "checkout", "KRT-000001", "KRT-B-00001", "--due", SOON)
    _ok(capsys, old, "donation", "add", "--donor", "Bedrijf NV")
    result = _sync_json(capsys, old, server.url)
    assert result["rejected"] == 0 and result["waiting"] == 0
    return server, old


def test_a_replacement_pc_joins_krt_and_gets_every_record(tmp_path, krt, capsys):
    server, old = krt
    new = str(tmp_path / "new")
    first = _sync_json(capsys, new, server.url)  # before any init: only pulls
    assert first["refused"] == 0 and first["pushed"] == 0
    out = _ok(capsys, new, "init", "--join", "KRT")
    assert "KRT" in out
    assert export(capsys, new) == export(capsys, old)  # every KRT record, no second Location
    devices = json.loads(_ok(capsys, new, "device", "list", "--json"))
    assert len(devices) == 3
    loans = json.loads(_ok(capsys, new, "loan", "list", "--open", "--json"))
    assert [(loan["asset_tag"], loan["card_number"]) for loan in loans] == [("KRT-000001", "KRT-B-00001")]
    # The next day it lends and takes in, with codes continuing after the old ones.
    _ok(capsys, new, "loan", "checkout", "KRT-000002", "KRT-B-00002", "--due", SOON)
    assert "KRT-000004" in _ok(capsys, new, "device", "add", "--kind", "laptop", "--brand", "HP",
                               "--model", "840", "--serial", "D")  # fmt: skip
    assert "KRT-B-00003" in _ok(capsys, new, "borrower", "add", "--first-name", "An", "--last-name",
                                "Maes", "--postcode", "8500")  # fmt: skip
    assert "KRT-D-00002" in _ok(capsys, new, "donation", "add", "--donor", "Familie Claes")
    result = _sync_json(capsys, new, server.url)
    assert result["rejected"] == 0 and result["waiting"] == 0
    # The new PC writes as the one KRT location: the other replica sees one KRT, not two,
    # and every new record carries that location's id as its origin.
    _sync_json(capsys, old, server.url)
    assert export(capsys, old) == export(capsys, new)
    locations = json.loads(export(capsys, new))["location"]
    assert [loc["code"] for loc in locations] == ["KRT"]
    ctx = open_context(new)
    try:
        with ctx.sessions() as s:
            device = s.scalar(select(Device).where(Device.asset_tag == "KRT-000004"))
            assert device is not None and device.origin == locations[0]["id"]
    finally:
        ctx.close()


def test_a_new_location_with_a_known_code_is_stopped_before_any_data_moves(tmp_path, krt, capsys):
    server, _old = krt
    head_before = _sync_json(capsys, _old, server.url)["head"]
    wrong = str(tmp_path / "wrong")
    _ok(capsys, wrong, "init", "--location-code", "KRT", "--location-name", "Kortrijk nieuw")
    before = export(capsys, wrong)
    code, _out, err = run(capsys, wrong, "sync", "--server", server.url)
    assert code == 1
    line = one_line_error(err)
    assert "KRT bestaat al op de server" in line and "digibank init --join KRT" in line
    assert export(capsys, wrong) == before  # nothing pulled
    assert _sync_json(capsys, _old, server.url)["head"] == head_before  # nothing pushed


def test_a_wrongly_initialised_pc_without_own_data_is_repaired_by_join(tmp_path, krt, capsys):
    server, old = krt
    wrong = str(tmp_path / "wrong")
    _ok(capsys, wrong, "init", "--location-code", "KRT", "--location-name", "Kortrijk nieuw")
    assert run(capsys, wrong, "sync", "--server", server.url)[0] == 1
    out = _ok(capsys, wrong, "init", "--join", "KRT", "--server", server.url)
    assert "KRT (Kortrijk balie)" in out
    assert export(capsys, wrong) == export(capsys, old)  # its own KRT row is gone, the real one is here
    assert "KRT-000004" in _ok(capsys, wrong, "device", "add", "--kind", "laptop", "--brand", "HP",
                               "--model", "840")  # fmt: skip
    result = _sync_json(capsys, wrong, server.url)
    assert result["rejected"] == 0 and result["waiting"] == 0 and result["refused"] == 0
    _sync_json(capsys, old, server.url)
    assert export(capsys, old) == export(capsys, wrong)
    assert [loc["code"] for loc in json.loads(export(capsys, old))["location"]] == ["KRT"]


def test_a_wrongly_initialised_pc_with_own_data_is_not_taken_over(tmp_path, krt, capsys):
    server, _old = krt
    wrong = str(tmp_path / "wrong")
    _ok(capsys, wrong, "init", "--location-code", "KRT", "--location-name", "Kortrijk nieuw")
    _ok(capsys, wrong, "device", "add", "--kind", "laptop", "--brand", "HP", "--model", "840")
    assert run(capsys, wrong, "sync", "--server", server.url)[0] == 1
    before = export(capsys, wrong)
    code, _out, err = run(capsys, wrong, "init", "--join", "KRT", "--server", server.url)
    assert code == 1 and "al locatie KRT" in one_line_error(err)
    assert export(capsys, wrong) == before


def test_join_refusals_are_one_plain_line_and_change_nothing(tmp_path, krt, capsys, monkeypatch):
    server, old = krt
    # Never synced: log in and sync first.
    fresh = str(tmp_path / "fresh")
    code, _out, err = run(capsys, fresh, "init", "--join", "KRT")
    assert code == 1 and "synchroniseer met de sleutel van deze locatie" in one_line_error(err)
    # Synced with another location's token.
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "GNT"))
    other = str(tmp_path / "other")
    _sync_json(capsys, other, server.url)
    before = export(capsys, other)
    code, _out, err = run(capsys, other, "init", "--join", "KRT")
    assert code == 1 and "hoort bij locatie GNT, niet bij KRT" in one_line_error(err)
    assert export(capsys, other) == before
    # A PC that already is a location with its own data (here: the old KRT counter itself).
    before = export(capsys, old)
    code, _out, err = run(capsys, old, "init", "--join", "KRT")
    assert code == 1 and "al locatie KRT" in one_line_error(err)
    assert export(capsys, old) == before
    # Neither a new location nor --join; or both.
    for args in (("init",), ("init", "--join", "KRT", "--location-code", "KRT")):
        code, _out, err = run(capsys, fresh, *args)
        assert code == 1 and "--join" in one_line_error(err)
    # A new location under a code that was synced here: told to join instead.
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "KRT"))
    _sync_json(capsys, fresh, server.url)
    code, _out, err = run(capsys, fresh, "init", "--location-code", "KRT", "--location-name", "K")
    assert code == 1 and "init --join KRT" in one_line_error(err)
