"""Failed authentication is rate-limited per client address: 429 with Retry-After after
10 failures a minute, while a counter with a valid token keeps syncing; the log shows the
attack (address and counts), never a token."""

from __future__ import annotations

import logging

import httpx

from app.borrowers import BorrowerInput
from app.sync.protocol import VERSION_HEADER, version_header
from server.guard import FailedAuthLimiter
from tests.sync.conftest import make_replica


def _handshake(server, token: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        server.url + "/sync/handshake",
        json={"client_time_ms": 1},
        headers={VERSION_HEADER: version_header(), "Authorization": f"Bearer {token}"},
    )


def test_wrong_tokens_get_429_after_the_limit_while_a_valid_token_syncs(tmp_path, server, replicas, caplog):
    server.add_tenant("Kortrijk")
    good = server.issue_token("Kortrijk", "KRT")
    a = make_replica(tmp_path, "a", server, good, "KRT")
    replicas.append(a)
    a.sync()  # the counter has synced before the attack starts
    caplog.set_level(logging.INFO, logger="server")
    wrong = [f"guess-{i:04d}-{'x' * 30}" for i in range(60)]
    statuses = []
    for i, token in enumerate(wrong):
        response = _handshake(server, token)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["code"] == "too-many-attempts"
        if i % 10 == 5:  # meanwhile the counter syncs as usual
            a.ctx.borrowers.add(BorrowerInput("Jan", f"Peeters{i}", "8500"))
            assert a.sync().pushed == 1
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429] * 50
    assert _handshake(server, good).status_code == 200
    text = caplog.text
    assert "failed authentication from 127.0.0.1" in text and "429" in text
    assert not any(t in text for t in wrong) and good not in text
    assert not any(t[:8] in text for t in wrong)  # not even a prefix


def test_the_limiter_counts_per_key_and_forgets_after_the_window():
    now = {"t": 1000.0}
    limiter = FailedAuthLimiter(limit=3, window_s=60, clock=lambda: now["t"])
    for _ in range(3):
        assert limiter.retry_after(["a:1.2.3.4"]) == 0
        limiter.failed(["a:1.2.3.4", "p:abcdefgh"])
    assert limiter.retry_after(["a:1.2.3.4"]) == 60
    assert limiter.retry_after(["a:5.6.7.8", "p:abcdefgh"]) == 60  # the same prefix elsewhere
    assert limiter.retry_after(["a:5.6.7.8", "p:zzzzzzzz"]) == 0
    now["t"] += 61
    assert limiter.retry_after(["a:1.2.3.4"]) == 0
    limiter.succeeded("hash")
    assert limiter.known_good("hash") and not limiter.known_good("other")
