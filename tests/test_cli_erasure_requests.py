"""On the command line: `borrower erase` at an ordinary counter asks for the erasure,
`erasure list|approve`, and `deleted list|restore` (issue 11)."""

from __future__ import annotations

import json

import pytest

from app.context import open_context
from app.sync.service import TOKEN_SCOPE_KEY
from db.changes import write_state
from tests.cli_helpers import one_line_error, run
from tests.test_cli_staff import COORD, VOL, add_borrower, as_, audit


@pytest.fixture
def data(tmp_path, capsys, monkeypatch):
    for name in ("DIGIBANK_STAFF", "DIGIBANK_PIN", "DIGIBANK_NEW_PIN"):
        monkeypatch.delenv(name, raising=False)
    folder = str(tmp_path / "data")
    assert run(capsys, folder, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    as_(monkeypatch, None, DIGIBANK_PIN="4321")
    assert run(capsys, folder, "staff", "add", "Anna", "--role", "coordinator")[0] == 0
    as_(monkeypatch, COORD, DIGIBANK_NEW_PIN="1111")
    assert run(capsys, folder, "staff", "add", "Vera", "--role", "vrijwilliger")[0] == 0
    return folder


def _scope(folder: str, scope: str) -> None:
    """What the handshake stores (app/sync/service.py), without a server."""
    ctx = open_context(folder)
    try:
        with ctx.sessions() as s, s.begin():
            write_state(s, TOKEN_SCOPE_KEY, scope)
    finally:
        ctx.close()


def test_an_erasure_at_a_counter_scope_pc_waits_for_a_coordinator_pc(data, capsys, monkeypatch):
    as_(monkeypatch, COORD)
    card = add_borrower(capsys, data)
    _scope(data, "counter")
    code, out, err = run(capsys, data, "borrower", "erase", card, "--reason", "vraag aan de balie")
    assert code == 0, err
    assert "aangevraagd" in out
    code, out, _err = run(capsys, data, "borrower", "show", card, "--json")
    shown = json.loads(out)
    assert shown["first_name"] == "Jan" and shown["erased"] is False  # not erased yet
    assert shown["erasure_pending"]["requested_by"] == "Anna"
    code, out, _err = run(capsys, data, "borrower", "show", card)
    assert "wissing aangevraagd op" in out and "door Anna" in out
    code, _out, err = run(capsys, data, "borrower", "erase", card)
    assert code == 1 and "al een wissing aangevraagd" in one_line_error(err)
    code, out, _err = run(capsys, data, "erasure", "list", "--json")
    (pending,) = json.loads(out)
    assert pending["subject_code"] == card and pending["reason"] == "vraag aan de balie"
    code, _out, err = run(capsys, data, "erasure", "approve", pending["id"][:8])
    assert code == 1 and "coördinatorsleutel" in one_line_error(err)
    as_(monkeypatch, VOL)
    _scope(data, "coordinator")
    code, _out, err = run(capsys, data, "erasure", "approve", pending["id"][:8])
    assert code == 1 and "coördinator" in one_line_error(err)  # the role may not
    as_(monkeypatch, COORD)
    code, out, err = run(capsys, data, "erasure", "approve", pending["id"][:8])
    assert code == 0, err
    code, out, _err = run(capsys, data, "borrower", "show", card, "--json")
    shown = json.loads(out)
    assert shown["erased"] is True and shown["erasure_pending"] is None
    assert json.loads(run(capsys, data, "erasure", "list", "--json")[1]) == []
    actions = [(e["action"], e["outcome"]) for e in audit(capsys, data)]
    assert ("borrower erase", "ok") in actions and ("erasure approve", "ok") in actions
    assert ("erasure approve", "refused") in actions


def test_a_deleted_visit_is_restored_by_a_coordinator_only(data, capsys, monkeypatch):
    as_(monkeypatch, COORD)
    card = add_borrower(capsys, data)
    ctx = open_context(data)
    try:
        visit = ctx.helpdesk.log("itsme", card=card, minutes=10)
        ctx.helpdesk.undo(visit.id)
    finally:
        ctx.close()
    code, out, _err = run(capsys, data, "deleted", "list", "--json")
    (row,) = json.loads(out)
    assert (row["table"], row["id"]) == ("helpdesk_visit", visit.id)
    as_(monkeypatch, VOL)
    code, _out, err = run(capsys, data, "deleted", "restore", "helpdesk_visit", visit.id)
    assert code == 1 and "coördinator" in one_line_error(err)
    as_(monkeypatch, COORD)
    code, out, err = run(capsys, data, "deleted", "restore", "helpdesk_visit", visit.id)
    assert code == 0 and "Hersteld" in out, err
    assert json.loads(run(capsys, data, "deleted", "list", "--json")[1]) == []
    events = [e for e in audit(capsys, data) if e["action"] == "deleted restore"]
    assert [e["outcome"] for e in events] == ["refused", "ok"]
    assert visit.id in events[-1]["subject"]
    code, _out, err = run(capsys, data, "deleted", "restore", "borrower", visit.id)
    assert code == 2  # not a table whose deletions can be undone


def test_retention_at_a_counter_scope_pc_asks_instead_of_erasing(data, capsys, monkeypatch):
    from tests.test_retention import LONG_AGO, _registered_at

    as_(monkeypatch, COORD)
    card = add_borrower(capsys, data)
    ctx = open_context(data)
    try:
        _registered_at(ctx, card, LONG_AGO)
    finally:
        ctx.close()
    _scope(data, "counter")
    code, out, err = run(capsys, data, "privacy", "retention", "--apply")
    assert code == 0, err
    assert "aangevraagd" in out
    shown = json.loads(run(capsys, data, "borrower", "show", card, "--json")[1])
    assert shown["erased"] is False and shown["erasure_pending"] is not None
    # Asked again: the request already waits, nothing doubles.
    assert run(capsys, data, "privacy", "retention", "--apply")[0] == 0
    assert len(json.loads(run(capsys, data, "erasure", "list", "--json")[1])) == 1
