"""A change the server refuses is never counted as sent (case 1, the client's part).

It stays in the outbox, marked refused with the server's reason; it is not sent again
every round as it is; `digibank sync` says so and exits 1; and once the record is
edited, the corrected change (with the fields the refused one carried) syncs.
"""

from __future__ import annotations

import json

import pytest

from app.context import open_context
from app.inventory import DeviceInput
from server import store
from tests.cli_helpers import run

BAD = "KABEL-DIE-DE-SERVER-WEIGERT"


@pytest.fixture
def strict_server(sqlite_server, monkeypatch):  # type: ignore[no-untyped-def]
    """The server refuses one accessories value (as it refuses a text longer than its
    column): another part of the program makes the counter's own checks stricter."""
    real = store.validate_change

    def validate(change, now_ms, max_ahead_ms):  # type: ignore[no-untyped-def]
        if change.fields.get("accessories") == BAD:
            return "bad-value", "device.accessories longer than 200 characters"
        return real(change, now_ms, max_ahead_ms)

    monkeypatch.setattr(store, "validate_change", validate)
    return sqlite_server


def _sync(capsys, monkeypatch, data, url, token, *extra):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DIGIBANK_TOKEN", token)
    return run(capsys, data, "sync", "--server", url, *extra)


def test_a_refused_change_waits_for_a_correction_and_then_syncs(tmp_path, strict_server, capsys, monkeypatch):
    server = strict_server
    server.add_tenant("Kortrijk")
    token_a, token_b = server.issue_token("Kortrijk", "KRT"), server.issue_token("Kortrijk", "WVL")
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert run(capsys, a, "init", "--location-code", "KRT", "--location-name", "Kortrijk")[0] == 0
    assert run(capsys, b, "init", "--location-code", "WVL", "--location-name", "Wevelgem")[0] == 0
    counter = open_context(tmp_path / "a", actor="test")
    try:
        tag = counter.devices.add(DeviceInput("laptop", "Dell", "E7450", accessories=BAD)).asset_tag

        code, out, err = _sync(capsys, monkeypatch, a, server.url, token_a, "--json")
        result = json.loads(out)
        assert code == 1, err
        assert result["pushed"] == 1 and result["rejected"] == 1  # the location went; the device did not
        assert result["waiting"] == 0 and result["refused_waiting"] == 1 and result["held"] == 0
        assert result["mismatched_tables"] == [] and result["repulled_tables"] == []  # known why
        [refused] = result["refused_changes"]
        assert refused["table"] == "device" and refused["reason"] == "bad-value"
        assert "accessories" in refused["detail"]

        # Not sent again as it is, round after round; the summary says what to do.
        code, out, err = _sync(capsys, monkeypatch, a, server.url, token_a)
        assert code == 1
        assert "0 verstuurd" in out and "0 wachtend" in out
        [line] = err.strip().splitlines()
        assert "1 wijziging(en) geweigerd" in line and "pas die records aan" in line
        code, out, _ = run(capsys, a, "conflicts")
        assert code == 0 and "geweigerd" in out and tag in out and "accessories" in out
        code, out, _ = run(capsys, a, "conflicts", "--json")
        assert json.loads(out)["refused"][0]["code"] == "bad-value"

        # The other counter does not see the device (the server never took it).
        assert _sync(capsys, monkeypatch, b, server.url, token_b)[0] == 0
        assert json.loads(run(capsys, b, "device", "list", "--json")[1]) == []

        # An edit of another field alone still carries the refused value: refused again.
        counter.devices.edit(tag, notes="scherm gekrast")
        code, out, _ = _sync(capsys, monkeypatch, a, server.url, token_a, "--json")
        assert code == 1 and json.loads(out)["refused_waiting"] == 1 and json.loads(out)["pushed"] == 0

        # Correct the record: the whole device (the server never accepted its creation) syncs.
        counter.devices.edit(tag, accessories="lader")
        code, out, err = _sync(capsys, monkeypatch, a, server.url, token_a, "--json")
        assert code == 0, err
        result = json.loads(out)
        assert result["pushed"] == 1 and result["refused_waiting"] == 0 and result["waiting"] == 0
    finally:
        counter.close()
    assert _sync(capsys, monkeypatch, b, server.url, token_b)[0] == 0
    [device] = json.loads(run(capsys, b, "device", "list", "--json")[1])
    assert device["asset_tag"] == tag
    code, out, _ = run(capsys, b, "device", "show", tag, "--json")
    shown = json.loads(out)
    assert shown["accessories"] == "lader" and shown["notes"] == "scherm gekrast"
    assert _sync(capsys, monkeypatch, a, server.url, token_a)[0] == 0
    assert run(capsys, a, "export", "--json")[1] == run(capsys, b, "export", "--json")[1]
