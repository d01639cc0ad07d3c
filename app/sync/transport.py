"""HTTP transport for sync rounds, and a fault-injecting one for tests.

One `httpx.Client` per round (a new client per request costs ~40 ms); every
failure becomes a `SyncError` with a plain Dutch message.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from app.errors import UserError
from app.i18n import _
from app.sync.protocol import UPDATE_REQUIRED, VERSION_HEADER, version_header

log = logging.getLogger(__name__)


class SyncError(UserError):
    """A round could not finish; what is saved locally stays saved and waits."""

    def __init__(self, message: str, *, code: str = "sync") -> None:
        super().__init__(message, code=code)


class Offline(SyncError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("De server is niet bereikbaar: de wijzigingen wachten tot er netwerk is."),
            code="offline",
        )


class Unauthorized(SyncError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "De server aanvaardt de sleutel van deze computer niet (ingetrokken of fout). "
                "Vraag een nieuwe sleutel en meld opnieuw aan met 'digibank login'; "
                "de wijzigingen blijven bewaard."
            ),
            code="unauthorized",
        )


class UpdateRequired(SyncError):
    def __init__(self) -> None:
        super().__init__(
            _("De server werkt met een andere versie: werk Digibank Balie bij en synchroniseer dan opnieuw."),
            code=UPDATE_REQUIRED,
        )


class ServerRefused(SyncError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(
            _("De server weigerde het verzoek ({status}: {reason}).").format(status=status, reason=reason),
            code="refused",
        )


@dataclass
class TransportStats:
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


class Transport(Protocol):
    base_url: str
    stats: TransportStats

    def round(self) -> contextlib.AbstractContextManager[None]: ...

    def post(self, path: str, body: BaseModel, answer: type[BaseModel]) -> Any: ...


_ssl_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process: building it costs ~45 ms (CA bundle),
    more than a whole no-op round may take."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = ssl.create_default_context()
    return _ssl_context


class HttpTransport:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._client: httpx.Client | None = None
        self.stats = TransportStats()

    @contextlib.contextmanager
    def round(self) -> Iterator[None]:
        with httpx.Client(
            base_url=self.base_url,
            timeout=self._timeout,
            verify=_tls(),
            headers={
                "Authorization": f"Bearer {self._token}",
                VERSION_HEADER: version_header(),
                "Content-Type": "application/json",
            },
        ) as client:
            self._client = client
            try:
                yield
            finally:
                self._client = None

    def post(self, path: str, body: BaseModel, answer: type[BaseModel]) -> Any:
        if self._client is None:
            with self.round():
                return self.post(path, body, answer)
        content = body.model_dump_json().encode()
        self.stats.requests += 1
        self.stats.bytes_sent += len(content)
        try:
            response = self._client.post(path, content=content)
        except httpx.HTTPError as exc:
            log.info("sync request %s failed: %s", path, exc)
            raise Offline() from exc
        self.stats.bytes_received += len(response.content)
        return parse_answer(response.status_code, response.content, answer)


def parse_answer(status: int, content: bytes, answer: type[BaseModel]) -> Any:
    if status == 200:
        return answer.model_validate_json(content)
    reason = ""
    try:
        data = json.loads(content or b"null")
        reason = str(data.get("code", "")) if isinstance(data, dict) else ""
    except ValueError:
        pass
    if status == 401:
        raise Unauthorized()
    if status == 426 or reason == UPDATE_REQUIRED:
        raise UpdateRequired()
    if status == 429:
        raise SyncError(
            _(
                "De server weigert tijdelijk: te veel mislukte aanmeldingen vanaf dit netwerk. "
                "Probeer het over enkele minuten opnieuw; de wijzigingen blijven bewaard."
            ),
            code="rate-limited",
        )
    if status == 413:
        raise SyncError(
            _(
                "De server vindt het verzoek te groot: vraag de beheerder de limiet "
                "(DIGIBANK_MAX_BODY_BYTES) te verhogen; de wijzigingen blijven bewaard."
            ),
            code="too-large",
        )
    if status >= 500:
        raise Offline(_("De server heeft een storing ({status}); later opnieuw.").format(status=status))
    raise ServerRefused(status, reason or "?")


class DroppedRequest(Offline):
    """Injected by FaultyTransport: the request or its answer got lost."""


class FaultyTransport:
    """Wraps a transport and loses requests before the server sees them, or answers
    after the server committed — the two failures that break naive sync."""

    def __init__(
        self,
        inner: Transport,
        rng: random.Random | None = None,
        drop_before: float = 0.0,
        drop_after: float = 0.0,
        plan: Callable[[str, int], str | None] | None = None,
    ) -> None:
        self.inner = inner
        self.base_url = inner.base_url
        self.stats = inner.stats
        self._rng = rng or random.Random(0)
        self.drop_before = drop_before
        self.drop_after = drop_after
        self._plan = plan
        self.calls = 0
        self.dropped_before = 0
        self.dropped_after = 0

    def round(self) -> contextlib.AbstractContextManager[None]:
        return self.inner.round()

    def post(self, path: str, body: BaseModel, answer: type[BaseModel]) -> Any:
        self.calls += 1
        fault = self._plan(path, self.calls) if self._plan else None
        if fault is None:
            roll = self._rng.random()
            if roll < self.drop_before:
                fault = "before"
            elif roll < self.drop_before + self.drop_after:
                fault = "after"
        if fault == "before":
            self.dropped_before += 1
            raise DroppedRequest()
        result = self.inner.post(path, body, answer)
        if fault == "after":
            self.dropped_after += 1
            raise DroppedRequest()
        return result
