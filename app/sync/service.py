"""One sync round: handshake → push outbox batches → pull pages → count/hash check.

`SyncService(session_factory, transport).run_once()` is all the window and the
command line call. What makes it safe to interrupt anywhere:

- a push batch keeps its id until acknowledged, and the server answers a replayed
  id from its record, so a lost answer plus a retry changes nothing twice;
- each pulled page is applied and the cursor moved in ONE local transaction, so
  the cursor never runs ahead of the data it describes;
- after the round the per-table counts and hashes are compared with the server's;
  a table that differs is pulled again from the start (merging is idempotent).

The cursor is keyed by the server's id from the handshake (not its address), so the
same server reached under another URL continues where it was. When the handshake
shows our clock ran ahead, waiting changes are stamped again at the server's time
before they are pushed. The outcome of every round, also a failed one, is written to
local_state (LAST_RESULT_KEY): the window shows it, whoever ran the round.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserError
from app.i18n import _
from app.sync import domain_conflicts
from app.sync.joining import check_handshake
from app.sync.merge import PageResult, apply_page, local_digests
from app.sync.outbox import (
    Batch,
    acknowledge,
    clock_ran_ahead,
    has_pending_batch,
    held_for_erasure,
    next_batch,
    prune_acknowledged,
    refused_changes,
    refused_count,
    restamp_pending,
    waiting_count,
)
from app.sync.protocol import (
    DEFAULT_PAGE,
    HandshakeAnswer,
    HandshakeRequest,
    PullAnswer,
    PullRequest,
    PushAnswer,
    TableDigest,
)
from app.sync.set_aside import retry_set_aside, set_aside_count
from app.sync.transport import Transport
from db.base import FieldConflict
from db.changes import HLC_KEY, LOCATION_KEY, read_state, write_state
from db.models import Location

log = logging.getLogger(__name__)

SKEW_WARNING_MS = 5 * 60 * 1000
LAST_OK_KEY = "sync_last_ok"
SKEW_KEY = "sync_skew_ms"
SKEW_WARNING_KEY = "sync_skew_warning_ms"
LAST_RESULT_KEY = "sync_last_result"
# The scope of this PC's token as the server last told it ("counter" | "coordinator"); absent
# on a lone counter that never synced. app/privacy.py decides by it whether an erasure
# happens at once or travels as a request.
TOKEN_SCOPE_KEY = "sync_token_scope"
EMPTY_DIGEST = TableDigest(count=0, digest="0" * 32)
REPULL_PAUSE_S = 24 * 3600
# The first pulled page's size (then doubling up to the page size), see _pull_pages.
FIRST_PAGE = 1000
# Acknowledged outbox entries are kept a while (audits, support), then pruned.
PRUNE_AFTER_MS = 30 * 86_400_000


@dataclass
class SyncResult:
    tenant: str = ""
    location_code: str = ""
    pushed: int = 0
    applied: int = 0
    merged: int = 0
    rejected: int = 0
    held: int = 0
    pulled: int = 0
    refused: int = 0
    set_aside: int = 0  # pulled changes this counter could not apply, kept to retry
    conflicts: int = 0
    domain_conflicts: int = 0
    open_field_conflicts: int = 0
    waiting: int = 0
    # Changes the server refused, waiting in the outbox for the record to be corrected
    # (all of them, not only this round's `rejected`), with the server's reasons.
    refused_waiting: int = 0
    refused_changes: list[dict[str, object]] = field(default_factory=list)
    restamped: int = 0
    skew_ms: int = 0
    skew_warning_ms: int = SKEW_WARNING_MS
    clock_warning: bool = False
    server_id: str = ""
    location_mismatch: bool = False
    head: int = 0
    cursor: int = 0
    repulled_tables: list[str] = field(default_factory=list)
    mismatched_tables: list[str] = field(default_factory=list)
    # Tables the pulled pages carried changes for (sorted): the window reloads what shows them.
    applied_tables: list[str] = field(default_factory=list)
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    duration_ms: float = 0.0
    finished_at: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def cursor_key(server: str) -> str:
    """The pull cursor's local_state key for a server (its id; its URL for an old server)."""
    return f"sync_cursor@{server.rstrip('/')}"


def verified_key(server: str) -> str:
    return f"sync_verified@{server.rstrip('/')}"


def repulled_key(server: str) -> str:
    return f"sync_repulled@{server.rstrip('/')}"


class SyncService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        transport: Transport,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        page_size: int = DEFAULT_PAGE,
        progress: Callable[[int, int], None] | None = None,
        crash_hook: Callable[[str], None] | None = None,
    ) -> None:
        self._sessions = session_factory
        self._transport = transport
        self._now = now
        self._page_size = page_size
        self._progress = progress
        # Tests simulate a crash at named points ("in-page", "between-pages").
        self._crash = crash_hook or (lambda _where: None)
        # Keyed by URL until the handshake tells the server's id (see _follow_server).
        self._server = transport.base_url.rstrip("/")
        self._cursor_key = cursor_key(self._server)
        self._verified_key = verified_key(self._server)
        self._repulled_key = repulled_key(self._server)

    @property
    def cursor_key(self) -> str:
        return self._cursor_key

    # -- the round ----------------------------------------------------------------

    def run_once(self) -> SyncResult:
        try:
            result = self._round()
        except BaseException as exc:
            self._record_failure(exc)
            raise
        self._record(result)
        return result

    def _round(self) -> SyncResult:
        started = time.perf_counter()
        stats = self._transport.stats
        before = (stats.requests, stats.bytes_sent, stats.bytes_received)
        result = SyncResult()
        retry_set_aside(self._sessions, self._now())  # a program update may accept them now
        with self._transport.round():
            hs = self._handshake(result)
            self._recover_clock(hs, result)
            self._push_all(result)
            last_page = self._pull_all(result, hs.head)
            if last_page is not None:
                self._check(result, last_page)
        with self._sessions() as s, s.begin():
            prune_acknowledged(s, self._client_ms() - PRUNE_AFTER_MS)
            result.waiting = waiting_count(s)
            result.refused_waiting = refused_count(s)
            result.refused_changes = [dict(r.__dict__) for r in refused_changes(s, limit=100)]
            known = read_state(s, domain_conflicts.DOMAIN_KEY)
            if result.pushed or result.pulled or not known:
                result.domain_conflicts = len(domain_conflicts.detect(s))
                write_state(s, domain_conflicts.DOMAIN_KEY, str(result.domain_conflicts))
            else:  # nothing came or went: the flags cannot have changed by this round
                result.domain_conflicts = int(known)
            result.open_field_conflicts = s.query(FieldConflict).count()
            result.set_aside = set_aside_count(s)
            result.finished_at = self._now().replace(microsecond=0).isoformat()
            write_state(s, LAST_OK_KEY, result.finished_at)
            write_state(s, SKEW_KEY, str(result.skew_ms))
            write_state(s, SKEW_WARNING_KEY, str(result.skew_warning_ms))
        result.requests = stats.requests - before[0]
        result.bytes_sent = stats.bytes_sent - before[1]
        result.bytes_received = stats.bytes_received - before[2]
        result.duration_ms = (time.perf_counter() - started) * 1000
        log.info(
            "sync round: pushed %d pulled %d conflicts %d skew %d ms in %.0f ms",
            result.pushed,
            result.pulled,
            result.conflicts,
            result.skew_ms,
            result.duration_ms,
        )
        return result

    def _client_ms(self) -> int:
        hook = self._sessions.kw.get("info", {}).get("wall_clock")
        return int(hook()) if hook is not None else int(time.time() * 1000)

    def _handshake(self, result: SyncResult) -> HandshakeAnswer:
        with self._sessions() as s:
            location_id = read_state(s, LOCATION_KEY) or ""
            location = s.get(Location, location_id) if location_id else None
            local_code = location.code if location is not None else ""
        sent = self._client_ms()
        hs: HandshakeAnswer = self._transport.post(
            "/sync/handshake", HandshakeRequest(client_time_ms=sent, location_id=location_id), HandshakeAnswer
        )
        received = self._client_ms()
        check_handshake(self._sessions, hs, location_id, local_code)
        remember_scope(self._sessions, hs)
        result.tenant = hs.tenant
        result.location_code = hs.location_code
        result.skew_ms = hs.server_time_ms - (sent + received) // 2
        # The server's own threshold (DIGIBANK_SKEW_WARNING_S), so every counter warns alike.
        result.skew_warning_ms = hs.skew_warning_ms or SKEW_WARNING_MS
        result.clock_warning = abs(result.skew_ms) > result.skew_warning_ms
        if hs.server_id:
            self._follow_server(hs.server_id)
        result.server_id = hs.server_id
        result.head = hs.head
        # The token was issued for one location code; a counter set up under another
        # code is a mix-up the administrator should hear about (codes must be unique).
        result.location_mismatch = bool(local_code) and local_code != hs.location_code
        if result.location_mismatch:
            log.warning("this counter is %s but its token is for %s", local_code, hs.location_code)
        return hs

    def _follow_server(self, server_id: str) -> None:
        """Key the cursor, verified and re-pulled marks by the server's id; a counter that
        knew this server by its URL (before ids existed) takes its marks over once."""
        pairs = [
            (cursor_key(self._server), cursor_key(server_id)),
            (verified_key(self._server), verified_key(server_id)),
            (repulled_key(self._server), repulled_key(server_id)),
        ]
        self._cursor_key, self._verified_key, self._repulled_key = (new for _old, new in pairs)
        with self._sessions() as s:
            todo = [(old, new) for old, new in pairs if read_state(s, new) is None and read_state(s, old)]
        if todo:
            with self._sessions() as s, s.begin():
                for old, new in todo:
                    if read_state(s, new) is None:
                        write_state(s, new, read_state(s, old) or "")
            log.info("sync marks of %s now follow the server's id %s", self._server, server_id)
        self._server = server_id

    def _recover_clock(self, hs: HandshakeAnswer, result: SyncResult) -> None:
        """Our clock ran ahead of the server (and of everything others know of us): stamp the
        waiting changes again at the server's time, after finishing a pending batch (what
        it carried may already be applied: pushed history is never re-stamped)."""
        server_ms = self._client_ms() + result.skew_ms
        margin = result.skew_warning_ms
        with self._sessions() as s:
            if not clock_ran_ahead(s, server_ms, margin):
                return
            pending = has_pending_batch(s)
        if pending:
            with self._sessions() as s, s.begin():
                batch = next_batch(s)
            if batch is not None:
                self._push_batch(batch, result)
        with self._sessions() as s, s.begin():
            node = read_state(s, LOCATION_KEY) or "unset"
            if clock_ran_ahead(s, server_ms, margin) and not has_pending_batch(s):
                result.restamped = restamp_pending(s, server_ms, node)
                log.warning(
                    "clock was ahead of the server (hlc %s): %d change(s) stamped again",
                    read_state(s, HLC_KEY),
                    result.restamped,
                )

    def _push_all(self, result: SyncResult) -> None:
        after = 0
        while True:
            with self._sessions() as s, s.begin():
                batch = next_batch(s, after_seq=after)
            if batch is None:
                return
            self._push_batch(batch, result)
            after = max(batch.seqs)

    def _push_batch(self, batch: Batch, result: SyncResult) -> None:
        answer: PushAnswer = self._transport.post("/sync/push", batch.request, PushAnswer)
        with self._sessions() as s, s.begin():
            ack = acknowledge(s, batch, answer, self._now())
        result.pushed += ack.sent  # never what was refused or held
        result.applied += ack.applied
        result.merged += ack.merged
        result.rejected += ack.rejected
        result.held += ack.held
        result.conflicts += ack.conflicts
        result.head = max(result.head, answer.head)

    def _read_cursor(self, s: Session, key: str) -> int:
        raw = read_state(s, key)
        return int(raw) if raw else 0

    def _pull_all(self, result: SyncResult, head: int) -> PullAnswer | None:
        with self._sessions() as s:
            cursor = self._read_cursor(s, self._cursor_key)
            verified = self._read_cursor(s, self._verified_key)
        result.cursor = cursor
        if result.pushed == 0 and head == cursor and verified == cursor:
            return None  # nothing new anywhere: a no-op round is one request
        return self._pull_pages(result, cursor, self._cursor_key, None)

    def _pull_pages(self, result: SyncResult, cursor: int, key: str, tables: list[str] | None) -> PullAnswer:
        def fetch(after: int, limit: int) -> PullAnswer:
            request = PullRequest(after=after, limit=limit, tables=tables)
            return self._transport.post("/sync/pull", request, PullAnswer)

        # The next page is fetched while this one is applied (server and counter work
        # at the same time); the cursor still only moves with an applied page. Pages start
        # small and double up to the page size: applying begins as soon as a first small
        # page is there instead of after a whole big one was read, sent and parsed.
        limit = min(self._page_size, FIRST_PAGE)
        with ThreadPoolExecutor(max_workers=1) as prefetch:
            upcoming: Future[PullAnswer] = prefetch.submit(fetch, cursor, limit)
            while True:
                page = upcoming.result()
                if page.more:
                    limit = min(self._page_size, limit * 2)
                    upcoming = prefetch.submit(fetch, page.next_after, limit)
                try:
                    applied = self._apply(page, key, tables, careful=False)
                except IntegrityError:
                    log.warning("page after %s refused by a constraint; applying it row by row", cursor)
                    applied = self._apply(page, key, tables, careful=True)
                result.refused += applied.refused
                self._crash("between-pages")
                result.pulled += len(page.changes)
                if page.changes:
                    tables_seen = set(result.applied_tables) | {ch.table for ch in page.changes}
                    result.applied_tables = sorted(tables_seen)
                result.conflicts += applied.conflicts
                result.head = max(result.head, page.head)
                cursor = page.next_after
                if key == self._cursor_key:
                    result.cursor = cursor
                if self._progress is not None:
                    self._progress(cursor, page.head)
                if not page.more:
                    return page

    def _apply(self, page: PullAnswer, key: str, tables: list[str] | None, careful: bool) -> PageResult:
        with self._sessions() as s, s.begin():
            s.info["applying_remote"] = True
            applied = apply_page(s, page.changes, self._now(), log_conflicts=tables is None, careful=careful)
            # The cursor moves in the same transaction as the page it describes.
            stored = self._read_cursor(s, key)
            write_state(s, key, str(max(stored, page.next_after)))
            self._crash("in-page")
        return applied

    def _mismatched(self, server: dict[str, TableDigest]) -> list[str]:
        with self._sessions() as s:
            if waiting_count(s):
                return []  # local edits not pushed yet: the comparison would mislead
            local = local_digests(s)
            # A table with a refused change differs for that known reason (shown as refused);
            # pulling it again would not help. So does one whose clearing waits for a refused
            # erasure (its texts are cleared here, not yet on the server).
            refused = {r.table for r in refused_changes(s)} | {t for t, _r in held_for_erasure(s)}
        names = sorted((set(local) | set(server)) - refused)
        return [n for n in names if local.get(n, EMPTY_DIGEST) != server.get(n, EMPTY_DIGEST)]

    def _check(self, result: SyncResult, page: PullAnswer) -> None:
        if page.digests is None or page.head != result.cursor:
            return
        mismatched = self._mismatched(page.digests)
        if mismatched:
            with self._sessions() as s:
                raw = read_state(s, self._repulled_key)
            recent = json.loads(raw) if raw else {}
            now = time.time()
            # A table that a re-pull could not repair is not pulled again every minute.
            to_repull = [t for t in mismatched if now - recent.get(t, 0) > REPULL_PAUSE_S]
            result.mismatched_tables = [t for t in mismatched if t not in to_repull]
            if to_repull:
                log.warning("sync check: tables differ from the server: %s; pulling them again", to_repull)
                result.repulled_tables = to_repull
                scratch = "sync_repull@" + self._server
                with self._sessions() as s, s.begin():
                    write_state(s, scratch, "0")
                    recent.update({t: now for t in to_repull})
                    write_state(s, self._repulled_key, json.dumps(recent))
                again = self._pull_pages(result, 0, scratch, to_repull)
                if again.digests is not None and again.head == result.cursor:
                    still = self._mismatched(again.digests)
                    result.mismatched_tables = sorted(set(result.mismatched_tables) | set(still))
            if result.mismatched_tables:
                log.error("sync check: tables still differ from the server: %s", result.mismatched_tables)
        with self._sessions() as s, s.begin():
            write_state(s, self._verified_key, str(result.cursor))

    # -- what the window shows, whoever ran the round ------------------------------------

    def _record(self, result: SyncResult) -> None:
        outcome = {
            "ok": True,
            "finished_at": result.finished_at,
            "message": "",
            "pushed": result.pushed,
            "pulled": result.pulled,
            "waiting": result.waiting,
            "refused": result.refused_waiting,
            "rejected": result.rejected,
            "held": result.held,
            "restamped": result.restamped,
            "mismatched_tables": result.mismatched_tables,
            "clock_warning": result.clock_warning,
            "skew_ms": result.skew_ms,
            "skew_warning_ms": result.skew_warning_ms,
        }
        with self._sessions() as s, s.begin():
            write_state(s, LAST_RESULT_KEY, json.dumps(outcome))

    def _record_failure(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            message = exc.message
        else:
            message = _("Onverwachte fout bij het synchroniseren ({kind}); details in het logboek.").format(
                kind=type(exc).__name__
            )
        try:
            with self._sessions() as s, s.begin():
                raw = read_state(s, LAST_RESULT_KEY)
                before = json.loads(raw) if raw else {}
                before.update(
                    {
                        "ok": False,
                        "finished_at": self._now().replace(microsecond=0).isoformat(),
                        "message": message,
                        "waiting": waiting_count(s),
                        "refused": refused_count(s),
                    }
                )
                write_state(s, LAST_RESULT_KEY, json.dumps(before))
        except Exception:  # the round's own error is what the caller must see
            log.exception("could not record the failed sync round")


def backoff_delay(
    failures: int, base: float = 5.0, cap: float = 900.0, rng: random.Random | None = None
) -> float:
    """Seconds to wait after `failures` failed rounds in a row: exponential, capped,
    with full jitter so many counters coming back online do not all knock at once."""
    if failures <= 0:
        return 0.0
    ceiling = min(cap, base * (2 ** (failures - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def remember_scope(sessions: sessionmaker[Session], hs: HandshakeAnswer) -> None:
    """Keep the token's scope (an older server does not say it: then "counter", the safe one)."""
    with sessions() as s, s.begin():
        write_state(s, TOKEN_SCOPE_KEY, hs.token_scope or "counter")
