"""HTTP transport for sync rounds, and a fault-injecting one for tests.

One `httpx.Client` per round (a new client per request costs ~40 ms); every
failure becomes a `SyncError` with a plain Dutch message.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import random
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from app import config
from app.errors import UserError
from app.i18n import _
from app.sync.protocol import (
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    UPDATE_REQUIRED,
    VERSION_HEADER,
    peer_versions,
    version_header,
)

log = logging.getLogger(__name__)


class SyncError(UserError):
    """A round could not finish; what is saved locally stays saved and waits."""

    def __init__(self, message: str, *, code: str = "sync", command: str = "") -> None:
        super().__init__(message, code=code, command=command)


class Offline(SyncError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("De server is niet bereikbaar: de wijzigingen wachten tot er netwerk is."),
            code="offline",
        )


class CertificateRefused(SyncError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Het certificaat van de server wordt niet vertrouwd: controleer het adres, of "
                "stel het CA-bestand van een eigen server in (DIGIBANK_CA_BUNDLE of de "
                "instelling ca_bundle). De wijzigingen blijven bewaard."
            ),
            code="certificate",
        )


class Unauthorized(SyncError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "De server aanvaardt de sleutel van deze computer niet (ingetrokken of fout). "
                "Vraag een nieuwe sleutel en meld opnieuw aan (tabblad Synchronisatie, Aanmelden); "
                "de wijzigingen blijven bewaard."
            ),
            code="unauthorized",
            command="digibank login --server URL",
        )


class UpdateRequired(SyncError):
    """The server speaks another sync protocol (426). `server_version` is its version header
    ("4.1") when it said one: then we know which side needs the newer program."""

    def __init__(self, server_version: str = "") -> None:
        server = peer_versions(server_version)
        if server is not None and server < (PROTOCOL_VERSION, SCHEMA_VERSION):
            message = _(
                "De server werkt met een oudere versie van Digibank Balie dan deze computer: vraag de "
                "beheerder de server bij te werken; de wijzigingen blijven bewaard."
            )
        else:
            message = _(
                "Deze computer heeft een nieuwere versie van Digibank Balie nodig om te synchroniseren: "
                "werk het programma bij; de wijzigingen blijven bewaard."
            )
        super().__init__(message, code=UPDATE_REQUIRED)


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


CA_BUNDLE_ENV = "DIGIBANK_CA_BUNDLE"


@dataclass
class ConnectionPolicy:
    """How this counter connects: set from the settings when a context opens
    (`configure`); DIGIBANK_CA_BUNDLE overrides the settings' CA file."""

    ca_bundle: str = ""  # a PEM file of CA certificates (a self-hosted server's own CA)
    insecure_http: bool = False  # plain http:// to a host other than this computer


# What the last opened context asked for before this module was imported (app/config.py).
_policy = ConnectionPolicy(**config.connection_policy)
_ssl_contexts: dict[str, ssl.SSLContext] = {}


def configure(ca_bundle: str = "", insecure_http: bool = False) -> None:
    _policy.ca_bundle = ca_bundle or ""
    _policy.insecure_http = bool(insecure_http)


def insecure_http_allowed() -> bool:
    """The status bar warns while plain http to other hosts is allowed."""
    return _policy.insecure_http


def ca_bundle() -> str:
    return os.environ.get(CA_BUNDLE_ENV) or _policy.ca_bundle


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Plain http only to this computer, unless explicitly allowed: the token and every
    person's data would otherwise cross the network readable by anyone on the way."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback(parts.hostname or "") and not _policy.insecure_http:
        raise UserError(
            _(
                "Onbeveiligd http:// mag enkel naar deze computer zelf; gebruik https://{host} "
                "of sta het uitdrukkelijk toe met --insecure-http (instelling insecure_http)."
            ).format(host=parts.netloc)
        )


def _tls() -> ssl.SSLContext:
    """One verifying TLS context per CA file per process: building it costs ~45 ms (CA
    bundle), more than a whole no-op round may take."""
    cafile = ca_bundle()
    context = _ssl_contexts.get(cafile)
    if context is None:
        if cafile and not Path(cafile).expanduser().is_file():
            raise UserError(
                _("Het CA-bestand {path} bestaat niet (DIGIBANK_CA_BUNDLE of instelling ca_bundle).").format(
                    path=cafile
                )
            )
        try:
            context = ssl.create_default_context(cafile=str(Path(cafile).expanduser()) if cafile else None)
        except (ssl.SSLError, ValueError) as exc:
            raise UserError(
                _("Het CA-bestand {path} is geen geldig PEM-bestand met certificaten.").format(path=cafile)
            ) from exc
        _ssl_contexts[cafile] = context
    return context


def _certificate_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


class HttpTransport:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        check_url(base_url)
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
            # Plain http (this computer only, or explicitly allowed) has no certificate to
            # verify: loading the CA bundle would cost ~30 ms of the first round for nothing.
            verify=_tls() if self.base_url.lower().startswith("https:") else False,
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
            if _certificate_failure(exc):
                raise CertificateRefused() from exc
            raise Offline() from exc
        self.stats.bytes_received += len(response.content)
        return parse_answer(response.status_code, response.content, answer)


def parse_answer(status: int, content: bytes, answer: type[BaseModel]) -> Any:
    if status == 200:
        try:
            return answer.model_validate_json(content)
        except ValidationError:
            # pydantic's JSON reader refuses lone surrogates and deep nesting that
            # Python's reads: one such record on a page must reach the set-aside path
            # (app/sync/set_aside.py) instead of failing every round.
            return answer.model_validate(json.loads(content))
    reason = ""
    server_version = ""
    try:
        data = json.loads(content or b"null")
        if isinstance(data, dict):
            reason = str(data.get("code", ""))
            server_version = str(data.get("server", ""))
    except ValueError:
        pass
    if status == 401:
        raise Unauthorized()
    if status == 426 or reason == UPDATE_REQUIRED:
        raise UpdateRequired(server_version)
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
