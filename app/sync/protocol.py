"""Sync protocol: the request and answer schemas that client and server share.

Plain pydantic, no Qt, no database. Every request carries the protocol and the
sync-schema version; the server refuses an unsupported client with a clear
"update the program" answer before any data moves (HTTP 426).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

# 2: the handshake names the server id, its clock limits and the known location id;
# change results carry a detail. Answers forbid unknown fields, so a version-1 counter
# must hear "update the program" (426) instead of failing to read the handshake.
# 3: the handshake names the token's scope (a counter-scope PC turns a GDPR erasure into a
# request, db/models_privacy.py), loans have the state "cancelled" and a deletion can be
# undone (`deleted` merges by its clock, app/sync/lww.py). A version-2 counter would
# refuse the new field and set those values aside, so it hears "update the program".
# 4: per-field clocks travel compactly (issue 13): a change carries one `stamp` and, in
# `clocks`, only the fields whose clock differs from it (see `expand_clocks`). A version-3
# peer would read the missing clocks as missing, so each side refuses the other (426).
PROTOCOL_VERSION = 4
# Bump when the shape of synced tables changes in a way old clients cannot merge.
SCHEMA_VERSION = 1

STAMP_PATTERN = r"^\d{13}-\d{6}-[A-Za-z0-9_.:-]{0,64}$"
NAME_PATTERN = r"^[a-z_][a-z0-9_]{0,63}$"
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"

# Printable text without control characters (PostgreSQL cannot store NUL in text).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
# Change numbers are BIGINT on the server: a cursor beyond it is a malformed request.
MAX_SEQ = 2**63 - 1

MAX_BATCH = 1000
MAX_PAGE = 5000
DEFAULT_PAGE = 2000

UPDATE_REQUIRED = "update-required"
CLOCK_AHEAD = "clock-ahead"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every request names its versions in this header ("protocol.schema"), checked before
# the body is even parsed, so an old client gets "update" rather than a parse error.
VERSION_HEADER = "X-Digibank-Sync"


def version_header() -> str:
    return f"{PROTOCOL_VERSION}.{SCHEMA_VERSION}"


def peer_versions(header: str) -> tuple[int, int] | None:
    """(protocol, schema) from a version header's text ("4.1"), or None when unreadable."""
    protocol, _dot, schema = header.partition(".")
    if not (protocol.isdigit() and schema.isdigit()) or len(header) > 20:
        return None
    return int(protocol), int(schema)


# -- per-field clocks on the wire ---------------------------------------------------------
#
# In memory (and in every database) a change has one clock per field, as app/sync/lww.py
# merges them. On the wire it carries one `stamp` and, in `clocks`, only the exceptions:
# the fields whose clock is not that stamp. Most changes are one write (every field at one
# stamp), so their clocks shrink to `{}`; a record whose fields were written at different
# times keeps exactly its differing clocks. Decoding gives every field the stamp unless
# `clocks` names it, so the merge sees exactly the clocks that were sent.


def expand_clocks(fields: dict[str, Any], stamp: str, exceptions: dict[str, str]) -> dict[str, str]:
    """The per-field clocks of a change from its wire form. Exceptions for fields the change
    does not carry are kept (the server refuses such a change as "bad-clocks")."""
    if not stamp:
        return exceptions  # no stamp (an in-memory change): its clocks are complete already
    clocks = dict.fromkeys(fields, stamp)
    if exceptions:
        clocks.update(exceptions)
    return clocks


def compact_clocks(clocks: dict[str, str], stamp: str) -> dict[str, str]:
    """The exceptions to `stamp`: what `expand_clocks` needs to give back `clocks`."""
    return {k: v for k, v in clocks.items() if v != stamp}


def common_stamp(clocks: dict[str, str]) -> str:
    """The stamp most fields share (the newest of equally common ones): the fewest exceptions."""
    counts: dict[str, int] = {}
    for v in clocks.values():
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: (counts[v], v)) if counts else ""


class _CompactClocks(BaseModel):
    """`clocks` holds every field's clock in memory and only the exceptions to `stamp` on
    the wire (see above). Subclasses declare `fields`, `stamp` and `clocks`."""

    @model_validator(mode="after")
    def _expand(self) -> Any:
        values = self.__dict__  # the subclass's fields, as pydantic keeps them
        values["clocks"] = expand_clocks(values["fields"], values["stamp"], values["clocks"])
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out = handler(self)
        stamp = out.get("stamp") or ""
        if stamp:
            out["clocks"] = compact_clocks(out["clocks"], stamp)
        return out


class Versioned(_Strict):
    # Requests: strict types (no `false` for 0, no "0" for 0, no 1.0 for 1).
    model_config = ConfigDict(extra="forbid", strict=True)


class HandshakeRequest(Versioned):
    client_time_ms: int = Field(ge=0, le=10**14)
    location_id: str = Field(default="", max_length=64, pattern=TEXT_PATTERN)


class TableDigest(_Strict):
    count: int
    digest: str


class HandshakeAnswer(_Strict):
    protocol: int
    schema_version: int
    server_time_ms: int
    tenant: str
    location_code: str
    head: int
    # The id of the tenant's `location` record with the token's code ("" while none
    # synced yet): a counter set up anew under a code that exists stops before data moves.
    known_location_id: str = ""
    # Added later (an older server leaves them out): a stable id of this tenant on this
    # server, whatever address it is reached at (the pull cursor is keyed by it), and the
    # server's clock limits, so the counter warns and recovers by the same figures.
    server_id: str = ""
    max_clock_ahead_ms: int = 0
    skew_warning_ms: int = 0
    # "counter" or "coordinator" (server/store.py): what this token may erase or delete.
    token_scope: str = ""


class Change(_CompactClocks, _Strict):
    """One outbox entry: the fields one local write changed, each with its clock: on the
    wire the entry's stamp plus the fields whose clock differs from it (protocol 4)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    change_id: str = Field(pattern=ID_PATTERN)
    table: str = Field(pattern=NAME_PATTERN)
    row_id: str = Field(pattern=ID_PATTERN)
    stamp: str = Field(pattern=STAMP_PATTERN)
    origin: str = Field(default="", max_length=64, pattern=TEXT_PATTERN)
    fields: dict[str, Any] = Field(max_length=200)
    clocks: dict[str, str] = Field(default_factory=dict, max_length=200)


class PushRequest(Versioned):
    batch_id: str = Field(pattern=ID_PATTERN)
    changes: list[Change] = Field(max_length=MAX_BATCH)


class LostField(_Strict):
    field: str
    kept_value: Any = None
    kept_stamp: str
    lost_value: Any = None
    lost_stamp: str


class ChangeResult(_Strict):
    change_id: str
    status: Literal["applied", "merged", "rejected"]
    reason: str = ""
    # What exactly was wrong (e.g. which field and limit), for the person who must fix it.
    detail: str = ""
    lost: list[LostField] = Field(default_factory=list)


class PushAnswer(_Strict):
    batch_id: str
    results: list[ChangeResult]
    head: int
    replayed: bool = False


class PullRequest(Versioned):
    after: int = Field(ge=0, le=MAX_SEQ)
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    # Restrict to some tables (a re-pull of one table after a digest mismatch).
    tables: list[Annotated[str, Field(pattern=NAME_PATTERN)]] | None = Field(default=None, max_length=100)


class LoggedChange(_CompactClocks, _Strict):
    """One change of the server's log. On the wire: `stamp` and the exceptions to it in
    `clocks` (server/store.py read_page writes them); in memory every field's clock. A
    change made in memory without a stamp carries its complete clocks as they are."""

    seq: int
    table: str
    row_id: str
    origin: str = ""
    fields: dict[str, Any]
    stamp: str = ""
    clocks: dict[str, str] = Field(default_factory=dict)


class PullAnswer(_Strict):
    changes: list[LoggedChange]
    next_after: int
    more: bool
    head: int
    # Only on the last page (read in the same transaction as it): per-table digests
    # of the tenant's merged records at `head`, for the post-round check.
    digests: dict[str, TableDigest] | None = None


class ErrorAnswer(_Strict):
    code: str
    message: str
