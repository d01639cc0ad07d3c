"""Protocol 4 (issue 13): per-field clocks travel as one stamp per change plus the fields whose
clock differs; the merge sees exactly the clocks that were written, the server stores every
field's clock as before, and a counter of another protocol is refused with one plain line."""

from __future__ import annotations

import json
import random
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.cli import main
from app.export import export_json
from app.sync import transport as transport_module
from app.sync.protocol import (
    VERSION_HEADER,
    Change,
    LoggedChange,
    PullAnswer,
    PushAnswer,
    PushRequest,
    common_stamp,
    compact_clocks,
    expand_clocks,
    version_header,
)
from app.sync.transport import HttpTransport, UpdateRequired
from db.models import Location
from db.rules import defaults_for
from server.models import ChangeLogEntry, MergedRecord
from server.store import wire_clocks
from tests.sync.conftest import make_replica
from tests.sync.helpers import server_snapshot

NAMES = [f"f{i}" for i in range(12)]
_HEADERS = {VERSION_HEADER: version_header(), "Content-Type": "application/json"}


def _stamp(ms: int, counter: int = 0, node: str = "n1") -> str:
    return f"{ms:013d}-{counter:06d}-{node}"


def _mixed_clocks(rng: random.Random) -> dict[str, str]:
    """Clocks of up to 12 fields drawn from a few stamps (several nodes and counters)."""
    pool = [_stamp(1795000000000 + rng.randrange(3), rng.randrange(3), rng.choice("ab")) for _ in range(4)]
    names = rng.sample(NAMES, rng.randrange(1, len(NAMES) + 1))
    return {n: rng.choice(pool) for n in names}


def test_mixed_field_clocks_round_trip_through_the_wire_exactly():
    rng = random.Random(13)
    for i in range(300):
        clocks = _mixed_clocks(rng)
        fields = {n: rng.choice([None, 1, "x", True, {"k": [1]}]) for n in clocks}
        # The outbox's stamp is any one of the clocks (or none of them): the exceptions cover it.
        stamp = rng.choice([*clocks.values(), _stamp(1796000000000)])
        change = Change(
            change_id=f"c{i}",
            table="device",
            row_id=f"r{i}",
            stamp=stamp,
            origin="n1",
            fields=fields,
            clocks=clocks,
        )
        wire = json.loads(PushRequest(batch_id="b", changes=[change]).model_dump_json())["changes"][0]
        assert wire["stamp"] == stamp
        assert wire["clocks"] == {k: v for k, v in clocks.items() if v != stamp}
        back = PushRequest.model_validate_json(json.dumps({"batch_id": "b", "changes": [wire]})).changes[0]
        assert back.clocks == clocks and back.fields == fields

        pulled = LoggedChange.model_validate_json(
            json.dumps(
                {
                    "seq": i + 1,
                    "table": "device",
                    "row_id": f"r{i}",
                    "origin": "n1",
                    "fields": fields,
                    **json.loads("{" + wire_clocks(json.dumps(clocks)) + "}"),
                }
            )
        )
        assert pulled.clocks == clocks
        # The server picks the stamp most fields share: the fewest exceptions.
        most = max(list(clocks.values()).count(v) for v in clocks.values())
        assert len(clocks) - len(compact_clocks(clocks, pulled.stamp)) == most


def test_one_write_travels_with_one_stamp_and_no_per_field_clocks():
    s = _stamp(1795000000123, 4, "loc-a")
    stored = json.dumps(dict.fromkeys(NAMES, s))
    assert wire_clocks(stored) == f'"stamp":"{s}","clocks":{{}}'
    # Formatted otherwise (another database's JSON text): the same answer, by parsing.
    assert wire_clocks(json.dumps(dict.fromkeys(NAMES, s), separators=(" , ", " : "))) == (
        f'"stamp":"{s}","clocks":{{}}'
    )
    assert expand_clocks({"a": 1, "b": 2}, s, {}) == {"a": s, "b": s}
    assert common_stamp({}) == "" and wire_clocks("{}") == '"stamp":"","clocks":{}'


def test_an_exception_for_a_field_the_change_does_not_carry_is_refused_as_bad_clocks(sqlite_server):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    s = _stamp(int(time.time() * 1000) - 60_000)
    body = {
        "batch_id": "b1",
        "changes": [
            {
                "change_id": "c1",
                "table": "location",
                "row_id": str(uuid.uuid4()),
                "stamp": s,
                "origin": "n1",
                "fields": {**_location_fields(), "name": "x"},
                "clocks": {"not_a_field": s},
            }
        ],
    }
    answer = httpx.post(
        server.url + "/sync/push",
        content=json.dumps(body).encode(),
        headers=_HEADERS | {"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    assert [(r["status"], r["reason"]) for r in answer.json()["results"]] == [("rejected", "bad-clocks")]


def _location_fields() -> dict[str, object]:
    return {
        **defaults_for("location"),
        "code": "GNT",
        "name": "Gent",
        "kind": "fixed",
        "postcode": "9000",
        "municipality": "Gent",
        "deleted": False,
    }


def test_a_change_with_mixed_clocks_is_stored_whole_and_reaches_a_new_counter_exactly(
    tmp_path, sqlite_server, replicas
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    now = int(time.time() * 1000) - 60_000
    old, new, other = _stamp(now, 1, "n1"), _stamp(now + 5, 0, "n1"), _stamp(now + 2, 0, "n2")
    fields = _location_fields()
    clocks = dict.fromkeys(fields, new)
    clocks["name"] = old
    clocks["postcode"] = other
    fields["created_at"] = old
    row_id = str(uuid.uuid4())
    change = Change(
        change_id="c1", table="location", row_id=row_id, stamp=new, origin="n1", fields=fields, clocks=clocks
    )
    request = PushRequest(batch_id="b1", changes=[change])
    # Two exceptions travel, not a clock per field.
    assert json.loads(request.model_dump_json())["changes"][0]["clocks"] == {"name": old, "postcode": other}
    answer = HttpTransport(server.url, token).post("/sync/push", request, PushAnswer)
    assert [r.status for r in answer.results] == ["applied"]
    with server.database.sessions() as s:
        logged = s.scalars(select(ChangeLogEntry)).one()
        merged = s.scalars(select(MergedRecord).where(MergedRecord.row_id == row_id)).one()
        # The server stores every field's clock, as before protocol 4 (and hashes the same).
        assert logged.clocks == clocks and merged.clocks == clocks

    raw = httpx.post(
        server.url + "/sync/pull",
        content=json.dumps({"after": 0}).encode(),
        headers=_HEADERS | {"Authorization": f"Bearer {token}"},
    ).json()
    [wire] = raw["changes"]
    assert wire["stamp"] == new and wire["clocks"] == {"name": old, "postcode": other}
    assert PullAnswer.model_validate(raw).changes[0].clocks == clocks

    van = make_replica(tmp_path, "van", server, token)
    replicas.append(van)
    result = van.sync()
    assert result.pulled == 1 and not result.mismatched_tables
    with van.ctx.sessions() as s:
        loc = s.get(Location, row_id)
        assert loc is not None and loc.name == "Gent"
        assert loc.clocks == clocks
        assert loc.updated_at == new

    # A later edit of one field at one counter: the other counter merges it by its clock.
    van.ctx.locations.initialise("BUS", "Bus")
    with van.ctx.sessions() as s, s.begin():
        s.get(Location, row_id).phone = "09 123 45 67"
    van.sync()
    second = make_replica(tmp_path, "second", server, token)
    replicas.append(second)
    assert not second.sync().mismatched_tables
    van.sync()
    assert export_json(second.ctx.sessions) == export_json(van.ctx.sessions)
    with van.ctx.sessions() as s1, second.ctx.sessions() as s2:
        a, b = s1.get(Location, row_id), s2.get(Location, row_id)
        assert a is not None and b is not None and a.clocks == b.clocks
        assert a.clocks["phone"] > new and a.clocks["name"] == old


def _refused_round(tmp_path, server, token, monkeypatch, header: str) -> tuple[str, dict]:
    # This process's client code as a counter of that protocol would send and compare it.
    monkeypatch.setattr(transport_module, "version_header", lambda: header)
    monkeypatch.setattr(transport_module, "PROTOCOL_VERSION", int(header.split(".")[0]))
    counter = make_replica(tmp_path, f"c{header}", server, token, "KRT")
    try:
        before = server_snapshot(server.database, "Kortrijk")
        with pytest.raises(UpdateRequired) as caught:
            counter.service.run_once()
        assert server_snapshot(server.database, "Kortrijk") == before
        return caught.value.message, before
    finally:
        counter.ctx.close()


def test_an_old_counter_is_refused_with_one_plain_line_and_nothing_moves(
    tmp_path, sqlite_server, monkeypatch
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    message, _ = _refused_round(tmp_path, server, token, monkeypatch, "3.1")
    assert message.startswith(
        "Deze computer heeft een nieuwere versie van Digibank Balie nodig om te synchroniseren"
    )
    assert "\n" not in message
    # A counter newer than the server: the server is the one to update.
    message, _ = _refused_round(tmp_path, server, token, monkeypatch, "5.1")
    assert "de server bij te werken" in message and "\n" not in message


def test_the_command_line_shows_the_refusal_as_one_line_without_a_traceback(
    tmp_path, sqlite_server, monkeypatch, capsys
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "KRT"))
    monkeypatch.setattr(transport_module, "version_header", lambda: "3.1")
    d = str(tmp_path / "counter")
    assert main(["--data-dir", d, "init", "--location-code", "KRT", "--location-name", "K"]) == 0
    capsys.readouterr()
    code = main(["--data-dir", d, "sync", "--server", server.url])
    out, err = capsys.readouterr()
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "nieuwere versie van Digibank Balie nodig om te synchroniseren" in lines[0]


def test_pulled_records_store_every_field_clock_one_write_or_mixed(tmp_path):
    """The fast insert writes a one-stamp record's clocks as text built from pieces
    (app/sync/bulk_insert.py): stored and read back, they are the record's clocks."""
    import datetime as dt

    from app.context import open_context
    from app.sync.merge import apply_page
    from benchmarks.bench_sync import generate
    from db.engine import cipher_connect

    rows = generate(400, 3)
    stamps = [_stamp(1795000000000 + i, 0, "n9") for i in range(len(rows))]
    page = []
    for i, (table, rid, fields) in enumerate(rows):
        clocks = dict.fromkeys(fields, stamps[i])
        if i % 3 == 0:  # every third record: one field written earlier elsewhere
            clocks[next(iter(fields))] = _stamp(1794000000000 + i, 2, "other")
        page.append(
            LoggedChange(seq=i + 1, table=table, row_id=rid, origin="n9", fields=fields, clocks=clocks)
        )
    ctx = open_context(tmp_path / "c", actor="t")
    try:
        with ctx.sessions() as s, s.begin():
            s.info["applying_remote"] = True
            apply_page(s, page, dt.datetime(2026, 12, 1, 10, 0))
        with cipher_connect(Path(ctx.engine.url.database or ""), ctx.db_key) as conn:
            stored = {
                rid: (json.loads(text), updated)
                for t in ("location", "device", "borrower", "loan")
                for rid, text, updated in conn.execute(f"SELECT id, clocks, updated_at FROM {t}")
            }
        assert len(stored) == len(page)
        for ch in page:
            assert stored[ch.row_id] == (ch.clocks, max(ch.clocks.values()))
    finally:
        ctx.close()
