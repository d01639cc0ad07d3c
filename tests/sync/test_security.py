"""Tenant isolation, revoked and wrong tokens, malformed requests, version refusal."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.sync.protocol import VERSION_HEADER, version_header
from app.sync.transport import Unauthorized
from db.base import OutboxEntry
from tests.sync.conftest import make_replica
from tests.sync.helpers import server_snapshot

CANARY = "CANARY-7f3a9c"


def _post(server, token: str | None, path: str, body, version: str | None = None) -> httpx.Response:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if version != "":  # "" = an old client that sends no version at all
        headers[VERSION_HEADER] = version_header() if version is None else version
    if token:
        headers["Authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(server.url + path, content=content, headers=headers)


def test_other_tenant_sees_nothing_and_changes_nothing(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    server.add_tenant("Gent")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    person = a.ctx.borrowers.add(BorrowerInput("Jan", CANARY, "8500", notes=CANARY))
    a.sync()
    ours = server_snapshot(server.database, "Kortrijk")
    ids = {row[1] for row in ours["records"]}
    theirs = server.issue_token("Gent", "GNT")
    answers = [
        _post(server, theirs, "/sync/handshake", {"client_time_ms": 1}),
        _post(server, theirs, "/sync/pull", {"after": 0}),
        _post(server, theirs, "/sync/pull", {"after": 0, "tables": ["borrower"]}),
        _post(
            server,
            theirs,
            "/sync/push",
            {
                "batch_id": "b1",
                "changes": [
                    {
                        "change_id": "c1",
                        "table": "borrower",
                        "row_id": person.id,  # try to overwrite our record
                        "stamp": "9999999999999-000000-x",
                        "fields": {"notes": "overwritten"},
                        "clocks": {"notes": "9999999999999-000000-x"},
                    }
                ],
            },
        ),
        _post(server, theirs, "/sync/pull", {"after": 0}),
    ]
    for response in answers:
        assert response.status_code == 200
        assert CANARY.encode() not in response.content
        assert b"Kortrijk" not in response.content
        assert not any(i.encode() in response.content for i in ids if i != person.id)
    assert json.loads(answers[1].content)["changes"] == []
    assert server_snapshot(server.database, "Kortrijk") == ours  # 0 rows of ours changed
    # A batch id of theirs that equals one of ours replays nothing of ours either.
    batch = ours["batches"][0]
    replay = _post(server, theirs, "/sync/push", {"batch_id": batch, "changes": []})
    assert replay.status_code == 200 and json.loads(replay.content)["results"] == []
    # Their own view holds only their one (rejected-for-clock) push.
    gent = server_snapshot(server.database, "Gent")
    assert gent["records"] == [] and CANARY not in json.dumps(gent)


def test_revoked_and_wrong_tokens_get_401_and_keep_the_outbox(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    a = make_replica(tmp_path, "a", server, token, "KRT")
    replicas.append(a)
    a.sync()
    assert server.cli("token", "revoke", "1") == 0
    a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500"))
    with pytest.raises(Unauthorized) as err:
        a.service.run_once()
    # The window's text says where to sign in; the command line adds the command.
    assert "Synchronisatie" in err.value.message and "blijven bewaard" in err.value.message
    assert "digibank login" in err.value.cli_message and "digibank" not in err.value.message
    with a.ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxEntry.pushed_batch.is_(None))) == 1
    tried = 1  # the sync round above
    for bad in (token, "not-a-token", None, "x" * 500):
        for path in ("/sync/handshake", "/sync/pull", "/sync/push"):
            response = _post(server, bad, path, {"after": 0})
            tried += 1
            # Past 10 failures a minute the address is answered 429 (test_rate_limit.py).
            assert response.status_code == (401 if tried <= 10 else 429), (bad, path)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sync/pull", b"{not json"),
        ("/sync/pull", {"after": -1}),
        ("/sync/pull", {"after": "zero"}),
        ("/sync/pull", {"after": 0, "limit": 10**9}),
        ("/sync/pull", {"after": 0, "surprise": 1}),
        ("/sync/pull", [1, 2]),
        ("/sync/push", {"batch_id": "../../etc", "changes": []}),
        ("/sync/push", {"batch_id": "b", "changes": [{"change_id": "c"}]}),
        ("/sync/push", {"batch_id": "b", "changes": "many"}),
        ("/sync/handshake", {"client_time_ms": 10**30}),
        ("/sync/handshake", b""),
    ],
)
def test_malformed_requests_get_4xx_with_a_reason(sqlite_server, path, body):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    response = _post(server, token, path, body)
    assert 400 <= response.status_code < 500
    data = response.json()
    assert data["code"] == "invalid-request" and data["reasons"]


def test_bad_changes_are_rejected_one_by_one_never_blocking_the_batch(sqlite_server):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    stamp = "1795757725326-000000-loc"

    def change(cid: str, table: str, fields: dict) -> dict:  # type: ignore[type-arg]
        return {
            "change_id": cid,
            "table": table,
            "row_id": "r-" + cid,
            "stamp": stamp,
            "fields": fields,
            "clocks": {k: stamp for k in fields},
        }

    body = {
        "batch_id": "b1",
        "changes": [
            change("1", "nonsense", {"a": 1}),
            change("2", "borrower", {"no_such_field": 1}),
            change("3", "borrower", {"postcode": 8500}),
            change("4", "borrower", {"notes": "a\x00b"}),
            change("5", "loan", {"due_date": "gisteren"}),
            change("6", "borrower", {"blocked": "yes"}),
            {**change("7", "borrower", {"notes": "x"}), "clocks": {}},
            change("8", "location", {"name": "Gent"}),  # a new record without its code
            change("9", "location", {"code": "GNT", "name": "Gent"}),
        ],
    }
    response = _post(server, token, "/sync/push", body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 8 + ["applied"]
    assert all(r["reason"] for r in results[:8]) and results[7]["reason"] == "incomplete"


# Protocol 4 is the current one (app/sync/protocol.py); 3.1 is the previous release.
@pytest.mark.parametrize("version", ["0.1", "1.1", "2.1", "2.99", "3.1", "4.0", "5.1", "", "garbage"])
def test_unsupported_client_is_told_to_update_before_any_data_moves(sqlite_server, version):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    before = server_snapshot(server.database, "Kortrijk")
    response = _post(
        server,
        token,
        "/sync/push",
        {"batch_id": "b1", "changes": []},
        version=version,
    )
    assert response.status_code == 426
    # Who must update: a newer counter than the server asks for the server to be updated.
    expected = "de server bij te werken" if version in ("5.1",) else "werk het programma bij"
    assert expected in response.json()["message"]
    assert server_snapshot(server.database, "Kortrijk") == before


def test_a_batch_repeating_a_losing_change_is_answered_not_crashed(sqlite_server):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    new, old = "1795757725326-000005-b", "1795757725326-000001-a"

    def change(cid: str, value: str, stamp: str) -> dict:  # type: ignore[type-arg]
        return {
            "change_id": cid,
            "table": "location",
            "row_id": "loc-1",
            "stamp": stamp,
            "fields": {"name": value},
            "clocks": {"name": stamp},
        }

    create = {**change("0", "Eerst", old), "fields": {"code": "KRT", "name": "Eerst"}}
    create["clocks"] = {"code": old, "name": old}
    body = {
        "batch_id": "b1",
        "changes": [create, change("1", "Nieuw", new), change("2", "Oud", old), change("3", "Oud", old)],
    }
    response = _post(server, token, "/sync/push", body)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied", "merged", "merged"]
    assert len(server_snapshot(server.database, "Kortrijk")["conflicts"]) == 1
