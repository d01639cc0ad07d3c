"""The gate in front of /sync/*: version, size and token are checked before a byte of the
body is parsed, and failed authentication is rate-limited.

A pure ASGI middleware (no BaseHTTPMiddleware, which would buffer and re-wrap): it answers
426 for an unsupported client, 413 for a declared `Content-Length` above the limit, 401 or
429 for a wrong token, and only then reads the body — at most `max_body_bytes`, also when it
comes chunked without a length — and hands it on. An unauthenticated request therefore
costs one indexed lookup and never more memory than its headers.

Rate limit: failures are counted per client address and per token prefix in a sliding
window. Past the limit the address (or prefix) gets 429 with `Retry-After` *without* a token
lookup, so guessing stops, except for tokens this process has seen succeed recently (a
counter behind the same address keeps syncing; revocation is still checked in the database
on every request). The counters live in this process's memory: with several server
processes each counts on its own, so the effective limit is the limit times the number of
processes (still bounded, and each process logs the attack).
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
from sqlalchemy import select
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from app.i18n import _
from app.sync.protocol import (
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    UPDATE_REQUIRED,
    VERSION_HEADER,
    peer_versions,
    version_header,
)
from server.database import Database
from server.models import LocationToken, Tenant
from server.security import hash_token
from server.settings import ServerSettings

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_TOKEN_LENGTH = 200
PREFIX_LENGTH = 8
# Tokens that succeeded within this time pass a blocked address (a counter syncs every few
# minutes; a day covers a weekend-closed digibank only partly, which is fine: it retries).
KNOWN_GOOD_S = 24 * 3600
MAX_TRACKED = 50_000  # keys kept in memory; beyond it the oldest are dropped


class FailedAuthLimiter:
    """Sliding-window counts of failed authentications, thread-safe (lookups run in threads)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._fails: dict[str, deque[float]] = {}
        self._good: dict[str, float] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._fails.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._fails[key]
            return None
        return times

    def retry_after(self, keys: list[str]) -> float:
        """Seconds until these keys may try again (0: not blocked)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= self.limit:
                    wait = max(wait, times[0] + self.window_s - now)
        return wait

    def failed(self, keys: list[str]) -> int:
        """Record a failure; returns the highest count in the window among the keys."""
        now = self._clock()
        worst = 0
        with self._lock:
            if len(self._fails) > MAX_TRACKED:
                for key in list(self._fails)[: MAX_TRACKED // 10]:
                    del self._fails[key]
            for key in keys:
                times = self._recent(key, now)
                if times is None:
                    times = self._fails[key] = deque(maxlen=self.limit)
                times.append(now)
                worst = max(worst, len(times))
        return worst

    def succeeded(self, token_hash: str) -> None:
        with self._lock:
            if len(self._good) > MAX_TRACKED:
                self._good.clear()
            self._good[token_hash] = self._clock()

    def known_good(self, token_hash: str) -> bool:
        with self._lock:
            seen = self._good.get(token_hash)
        return seen is not None and self._clock() - seen < KNOWN_GOOD_S


def lookup_token(database: Database, token: str | None) -> Any:
    """The `Location` behind a bearer token, or None (unknown, revoked, malformed). Read from
    the database every time: a revoked token stops at once on every server process."""
    from server.api.deps import Location  # deps imports this module's users, not the reverse

    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    wanted = hash_token(token)
    with database.sessions() as session:
        row = session.execute(
            select(LocationToken, Tenant)
            .join(Tenant, Tenant.id == LocationToken.tenant_id)
            .where(LocationToken.token_hash == wanted)
        ).first()
    # The index finds the row; the final comparison does not depend on where hashes differ.
    if row is None or not hmac.compare_digest(row[0].token_hash, wanted) or row[0].revoked:
        return None
    tok, tenant = row
    return Location(tenant.id, tenant.name, tok.location_code, tok.id, tok.scope or "counter")


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _sep, credentials = value.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


def version_refusal(client_header: str) -> str:
    """The 426 answer's message: which side needs the newer program. A counter older than
    this protocol (or one that does not say) must be updated; a newer one needs this server
    updated first. The counter shows its own translation of the same (app/sync/transport.py);
    this text is for anyone else reading the answer."""
    client = peer_versions(client_header)
    if client is not None and client > (PROTOCOL_VERSION, SCHEMA_VERSION):
        return _(
            "Deze computer heeft een nieuwere versie van Digibank Balie dan de server: "
            "vraag de beheerder de server bij te werken."
        )
    return _(
        "Deze computer heeft een nieuwere versie van Digibank Balie nodig om te "
        "synchroniseren: werk het programma bij."
    )


class SyncGuard:
    def __init__(self, app: ASGIApp, database: Database, settings: ServerSettings) -> None:
        self.app = app
        self.database = database
        self.max_body = settings.max_body_bytes
        self.limiter = FailedAuthLimiter(settings.auth_failures_per_minute, 60.0)
        self._blocked: dict[str, int] = {}
        self._blocked_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/sync/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)

        async def answer(
            status: int, code: str, message: str, extra_headers: dict[str, str] | None = None, **extra: Any
        ) -> None:
            response = JSONResponse(
                status_code=status,
                content={"code": code, "message": message, **extra},
                headers=extra_headers,
            )
            await response(scope, receive, send)

        # 1. An unsupported client hears "update" before anything else.
        if headers.get(VERSION_HEADER) != version_header():
            await answer(
                426,
                UPDATE_REQUIRED,
                version_refusal(headers.get(VERSION_HEADER, "")),
                server=version_header(),
            )
            return
        # 2. A declared size above the limit: refused before a byte is read.
        declared = headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                await answer(400, "invalid-request", _("Het verzoek is ongeldig."), reasons=[])
                return
            if size > self.max_body:
                await self._too_large(answer, size)
                return
        # 3. The token, with the failed-authentication limit.
        client = _client(scope)
        token = _bearer(headers)
        location, refusal = await anyio.to_thread.run_sync(self._authenticate, client, token)
        if location is None:
            status, retry = refusal
            if status == 429:
                await answer(
                    429,
                    "too-many-attempts",
                    _("Te veel mislukte aanmeldingen: probeer het over {n} seconden opnieuw.").format(
                        n=retry
                    ),
                    {"Retry-After": str(retry)},
                )
            else:
                await answer(
                    401,
                    "unauthorized",
                    _("Deze sleutel wordt niet (meer) aanvaard door de server."),
                    {"WWW-Authenticate": "Bearer"},
                )
            return
        # 4. The body, at most max_body bytes (chunked bodies carry no length to check first).
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body:
                await self._too_large(answer, received)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        del chunks
        scope.setdefault("state", {})["location"] = location
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, answer: Callable[..., Awaitable[None]], size: int) -> None:
        log.warning("request of %d bytes refused (limit %d)", size, self.max_body)
        await answer(
            413,
            "too-large",
            _(
                "Het verzoek is te groot voor de server (meer dan {limit} MB): "
                "synchroniseer in kleinere delen of vraag de beheerder de limiet te verhogen."
            ).format(limit=round(self.max_body / 1_000_000, 1)),
            limit_bytes=self.max_body,
        )

    def _authenticate(self, client: str, token: str | None) -> tuple[Any, tuple[int, int]]:
        keys = [f"a:{client}"]
        if token:
            keys.append(f"p:{token[:PREFIX_LENGTH]}")
        hashed = hash_token(token) if token and len(token) <= MAX_TOKEN_LENGTH else None
        wait = self.limiter.retry_after(keys)
        if wait > 0 and not (hashed and self.limiter.known_good(hashed)):
            self.limiter.failed(keys)  # hammering on keeps the block
            with self._blocked_lock:
                blocked = self._blocked[client] = self._blocked.get(client, 0) + 1
                if len(self._blocked) > MAX_TRACKED:
                    self._blocked.clear()
            if blocked == 1 or blocked % 100 == 0:
                log.warning("authentication from %s blocked: %d attempts answered 429", client, blocked)
            return None, (429, max(1, math.ceil(wait)))
        location = lookup_token(self.database, token)
        if location is None:
            count = self.limiter.failed(keys)
            if count == 1 or count == self.limiter.limit:
                # The attack in the log: address and counts only, never a token or part of one.
                log.warning(
                    "failed authentication from %s: %d in the last %d s%s",
                    client,
                    count,
                    int(self.limiter.window_s),
                    "; further attempts answered 429" if count >= self.limiter.limit else "",
                )
            return None, (401, 0)
        assert hashed is not None
        self.limiter.succeeded(hashed)
        return location, (200, 0)
