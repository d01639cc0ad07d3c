"""Strict types at the protocol level: out-of-range numbers, booleans for numbers, NUL
characters and NaN are answered 422 (or rejected per change), never 500 — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import time

import httpx
import pytest

from app.sync.protocol import VERSION_HEADER, version_header


def _post(server, token: str, path: str, content: bytes) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        server.url + path,
        content=content,
        headers={
            "Content-Type": "application/json",
            VERSION_HEADER: version_header(),
            "Authorization": f"Bearer {token}",
        },
    )


def _change(fields_json: str, origin_json: str = '""', table: str = "borrower") -> bytes:
    stamp = f"{int(time.time() * 1000):013d}-000000-loc"
    keys = [k.split('"')[1] for k in fields_json.strip("{}").split(",") if '"' in k]
    clocks = ",".join(f'"{k}":"{stamp}"' for k in keys)
    return (
        f'{{"batch_id":"b-{time.time_ns()}","changes":[{{"change_id":"c1","table":"{table}",'
        f'"row_id":"r1","stamp":"{stamp}","origin":{origin_json},"fields":{fields_json},'
        f'"clocks":{{{clocks}}}}}]}}'
    ).encode()


@pytest.mark.parametrize(
    "body",
    [
        b'{"after": 9223372036854775808}',
        b'{"after": 18446744073709551616}',
        b'{"after": 99999999999999999999999999}',
        b'{"after": false}',
        b'{"after": true}',
        b'{"after": 0.5}',
        b'{"after": "0"}',
        b'{"after": 0, "limit": true}',
        b'{"after": 0, "tables": ["borrower\\u0000"]}',
    ],
)
def test_bad_pulls_are_422(server, body):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    response = _post(server, token, "/sync/pull", body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid-request"


def test_the_largest_cursor_is_answered(server):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    response = _post(server, token, "/sync/pull", b'{"after": 9223372036854775807}')
    assert response.status_code == 200 and response.json()["changes"] == []


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        (_change('{"notes": "x"}', origin_json='"a\\u0000b"'), 422),
        (_change('{"notes": "x"}', origin_json="false"), 422),
        (b'{"handshake": 1}', 422),
    ],
)
def test_bad_pushes_are_422(server, body, expect):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    response = _post(server, token, "/sync/push", body)
    assert response.status_code == expect, response.text


@pytest.mark.parametrize(
    "fields",
    [
        '{"notes": NaN}',
        '{"acquisition_cost_cents": NaN}',
        '{"acquisition_cost_cents": Infinity}',
        '{"specs": {"cpu": NaN}}',
        '{"specs": {"cpu": "i5\\u0000"}}',
        '{"specs": {"a\\u0000": 1}}',
        '{"notes": "a\\u0000b"}',
    ],
)
def test_nan_and_nul_in_values_are_rejected_per_change(server, fields):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    response = _post(server, token, "/sync/push", _change(fields, table="device"))
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["status"] == "rejected" and result["reason"] in ("bad-value", "unknown-field")
    # The server still answers a pull of that table (no broken JSON stored).
    assert _post(server, token, "/sync/pull", b'{"after": 0}').status_code == 200


def test_handshake_types_are_strict(server):
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    for body in (b'{"client_time_ms": true}', b'{"client_time_ms": 1, "location_id": "a\\u0000"}'):
        assert _post(server, token, "/sync/handshake", body).status_code == 422
