"""Logging a counter in to a server, building a sync service, and what the status bar shows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.credentials import CredentialStore
from app.errors import UserError
from app.i18n import _
from app.sync.domain_conflicts import known_count
from app.sync.outbox import refused_count, waiting_count
from app.sync.protocol import HandshakeAnswer, HandshakeRequest
from app.sync.service import (
    LAST_OK_KEY,
    LAST_RESULT_KEY,
    SKEW_KEY,
    SKEW_WARNING_KEY,
    SKEW_WARNING_MS,
    SyncService,
    remember_scope,
)
from app.sync.set_aside import set_aside_count
from app.sync.transport import HttpTransport
from db.base import FieldConflict
from db.changes import LOCATION_KEY, read_state


def clean_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    if not url:
        raise UserError(_("Geen server ingesteld: geef het adres van de server."))
    if not url.startswith(("http://", "https://")):
        raise UserError(_("Het serveradres moet met https:// (of http://) beginnen: {url}").format(url=url))
    return url


def login(
    sessions: sessionmaker[Session], url: str, token: str, store: CredentialStore | None = None
) -> HandshakeAnswer:
    """Check the token with the server, then keep it in the OS keychain."""
    url = clean_url(url)
    token = (token or "").strip()
    if not token:
        raise UserError(_("Geef de sleutel die de beheerder van de server u gaf."))
    with sessions() as s:
        location_id = read_state(s, LOCATION_KEY) or ""
    answer: HandshakeAnswer = HttpTransport(url, token).post(
        "/sync/handshake", HandshakeRequest(client_time_ms=0, location_id=location_id), HandshakeAnswer
    )
    (store or CredentialStore()).store(url, token)
    remember_scope(sessions, answer)
    return answer


def service_for(
    sessions: sessionmaker[Session],
    url: str,
    store: CredentialStore | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncService:
    """A service for one round against `url`, with the token from DIGIBANK_TOKEN or the keychain."""
    url = clean_url(url)
    token = (store or CredentialStore()).token_for(url)
    return SyncService(sessions, HttpTransport(url, token), progress=progress)


@dataclass(frozen=True)
class SyncSnapshot:
    waiting: int
    last_sync: dt.datetime | None
    skew_ms: int
    clock_warning: bool
    conflicts: int
    # Changes the server refused (waiting for the record to be corrected).
    refused: int = 0
    # Of the last round (whoever ran it: the window or the command line):
    held: int = 0  # held back because this computer's clock is ahead
    mismatched_tables: tuple[str, ...] = ()
    last_ok: bool | None = None  # None: no round recorded yet
    last_message: str = ""  # the plain reason of a failed round
    last_attempt: dt.datetime | None = None
    # Pulled changes this counter could not store (set aside, retried every round).
    set_aside: int = 0


class SyncState:
    """What the status bar shows, read from the local database (no network): also after a
    round run by `digibank sync` while the window is open."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def snapshot(self) -> SyncSnapshot:
        with self._sessions() as s:
            last = read_state(s, LAST_OK_KEY)
            skew = int(read_state(s, SKEW_KEY) or 0)
            threshold = int(read_state(s, SKEW_WARNING_KEY) or SKEW_WARNING_MS)
            conflicts = known_count(s) + (s.scalar(select(func.count()).select_from(FieldConflict)) or 0)
            raw = read_state(s, LAST_RESULT_KEY)
            outcome = _outcome(raw)
            attempt = str(outcome.get("finished_at") or "")
            return SyncSnapshot(
                waiting=waiting_count(s),
                last_sync=dt.datetime.fromisoformat(last) if last else None,
                skew_ms=skew,
                clock_warning=abs(skew) > threshold,
                conflicts=conflicts,
                refused=refused_count(s),
                held=int(outcome.get("held") or 0),
                mismatched_tables=tuple(outcome.get("mismatched_tables") or ()),
                last_ok=bool(outcome["ok"]) if "ok" in outcome else None,
                last_message=str(outcome.get("message") or ""),
                last_attempt=dt.datetime.fromisoformat(attempt) if attempt else None,
                set_aside=set_aside_count(s),
            )


def _outcome(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
