"""A revoked token stops at once on every server process: the token is looked up in the
database on every request (no cache), also when it succeeded a moment before."""

from __future__ import annotations

import httpx

from app.sync.protocol import VERSION_HEADER, version_header
from tests.sync.conftest import start_server


def _handshake(url: str, token: str) -> int:
    return httpx.post(
        url + "/sync/handshake",
        json={"client_time_ms": 1},
        headers={VERSION_HEADER: version_header(), "Authorization": f"Bearer {token}"},
    ).status_code


def test_revocation_reaches_every_server_process_at_once(server):
    second = start_server(server.db_url)  # another process's app on the same database
    try:
        server.add_tenant("Kortrijk")
        token = server.issue_token("Kortrijk", "KRT")
        for _ in range(3):  # known and successful on both
            assert _handshake(server.url, token) == 200
            assert _handshake(second.url, token) == 200
        assert server.cli("token", "revoke", "1") == 0
        assert _handshake(server.url, token) == 401
        assert _handshake(second.url, token) == 401
    finally:
        second.stop()
