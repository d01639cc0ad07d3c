"""Push batches from the outbox, in `seq` order, each sent under one stable batch id.

The batch (its id and the outbox entries in it) is written down before it is
sent. If the answer never arrives, the next attempt sends the very same batch
under the same id, and the server answers from its record of it: a retry is a
no-op. Only the acknowledgement marks the entries as pushed, in one transaction
with the conflict log entries of fields that lost on the server.

A change the server refuses is not pushed: it stays, marked refused with the
server's reason, is not sent again as it is, and goes out again folded into the
next local edit of its record (db/changes.py). One the server holds because our
clock is ahead ("clock-ahead") stays unmarked and is re-stamped once the
handshake shows our clock ran ahead (`restamp_pending`).

The clearing of a person's linked records (loans, helpdesk visits, waiting list: their
texts) that an erasure writes waits for that erasure (`ERASURE_OF` in the entry's payload,
app/privacy.py): it is sent only once the server took the person's erasure, never in the
same batch, so an erasure the server refuses blanks nothing there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from app.sync.merge import record_conflict
from app.sync.protocol import CLOCK_AHEAD, Change, PushAnswer, PushRequest
from db import clock
from db.base import OutboxEntry, model_for_table, new_id
from db.changes import FLOOR_KEY, HLC_KEY, raise_floor, read_state, write_state
from db.values import record_values

log = logging.getLogger(__name__)

PENDING_KEY = "sync_pending_batch"
BATCH_SIZE = 500
# A batch also stops at about this many bytes of payload: the server refuses bodies above
# its limit (8 MB by default) and 500 loans with signatures could exceed it.
BATCH_BYTES = 2 * 1024 * 1024
# Payload key (local only, never sent): the borrower id whose erasure this entry waits for.
ERASURE_OF = "erasure_of"


@dataclass
class Batch:
    batch_id: str
    seqs: list[int]
    request: PushRequest


def waiting_count(session: Session) -> int:
    """Changes still to be sent (refused ones are counted apart: they wait for an edit; so
    are those waiting for a person's erasure that is not sent yet or was refused)."""
    count = (
        session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.pushed_batch.is_(None), OutboxEntry.refused_reason.is_(None))
        )
        or 0
    )
    return count - len(held_for_erasure(session)) if count else 0


def unsent_erasures(session: Session, people: set[str]) -> dict[str, int]:
    """person id -> seq of that person's erasure not acknowledged yet (waiting or refused)."""
    found: dict[str, int] = {}
    ids = sorted(people)
    for i in range(0, len(ids), 500):
        for seq, row_id, payload in session.execute(
            select(OutboxEntry.seq, OutboxEntry.row_id, OutboxEntry.payload).where(
                OutboxEntry.table_name == "borrower",
                OutboxEntry.row_id.in_(ids[i : i + 500]),
                OutboxEntry.pushed_batch.is_(None),
            )
        ):
            if (payload or {}).get("fields", {}).get("erased") is True:
                found[row_id] = seq
    return found


def held_for_erasure(session: Session) -> list[tuple[str, str]]:
    """(table, row id) of the unsent changes that wait for an erasure not taken yet."""
    rows = session.execute(
        select(OutboxEntry.table_name, OutboxEntry.row_id, OutboxEntry.payload[ERASURE_OF].as_string()).where(
            OutboxEntry.pushed_batch.is_(None),
            OutboxEntry.refused_reason.is_(None),
            OutboxEntry.payload[ERASURE_OF].as_string().is_not(None),
        )
    ).all()
    if not rows:
        return []
    waiting = unsent_erasures(session, {person for _t, _r, person in rows})
    return [(table, row_id) for table, row_id, person in rows if person in waiting]


def _not_waiting(
    session: Session, page: list[OutboxEntry], batch: list[OutboxEntry]
) -> tuple[list[OutboxEntry], bool]:
    """The entries of `page` that may go now, and whether the batch must end before the
    next one (it waits for an erasure that this very batch sends: it goes in the next)."""
    people = {p for e in page if isinstance(p := (e.payload or {}).get(ERASURE_OF), str)}
    if not people:
        return page, False
    erasures = unsent_erasures(session, people)
    in_batch = {e.seq for e in batch} | {e.seq for e in page}
    kept: list[OutboxEntry] = []
    for e in page:
        person = (e.payload or {}).get(ERASURE_OF)
        if person in erasures:
            if erasures[person] in in_batch and (kept or batch):
                return kept, True
            continue  # its erasure is refused or held: it waits (app/privacy.py)
        kept.append(e)
    return kept, False


def refused_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.pushed_batch.is_(None), OutboxEntry.refused_reason.is_not(None))
        )
        or 0
    )


@dataclass(frozen=True)
class RefusedChange:
    """A local change the server refused, for the person who must correct the record."""

    seq: int
    table: str
    row_id: str
    fields: list[str]
    reason: str
    detail: str
    stamp: str


def refused_changes(session: Session, limit: int = 500) -> list[RefusedChange]:
    rows = session.execute(
        select(
            OutboxEntry.seq,
            OutboxEntry.table_name,
            OutboxEntry.row_id,
            OutboxEntry.payload,
            OutboxEntry.refused_reason,
            OutboxEntry.refused_detail,
            OutboxEntry.stamp,
        )
        .where(OutboxEntry.pushed_batch.is_(None), OutboxEntry.refused_reason.is_not(None))
        .order_by(OutboxEntry.seq)
        .limit(limit)
    ).all()
    return [
        RefusedChange(
            seq, table, row_id, sorted((payload or {}).get("fields", {})), reason or "", detail or "", stamp
        )
        for seq, table, row_id, payload, reason, detail, stamp in rows
    ]


def prune_acknowledged(session: Session, before_ms: int) -> int:
    """Delete acknowledged entries stamped before `before_ms` (wall clock, ms)."""
    cutoff = f"{max(before_ms, 0):013d}"
    result = cast(
        CursorResult[Any],
        session.execute(
            delete(OutboxEntry).where(OutboxEntry.pushed_batch.is_not(None), OutboxEntry.stamp < cutoff)
        ),
    )
    return result.rowcount or 0


def next_batch(session: Session, after_seq: int = 0, size: int = BATCH_SIZE) -> Batch | None:
    """The batch to send now: the unacknowledged one if any, else a new one (recorded)."""
    raw = read_state(session, PENDING_KEY)
    if raw:
        pending = json.loads(raw)
        entries = list(
            session.scalars(
                select(OutboxEntry).where(OutboxEntry.seq.in_(pending["seqs"])).order_by(OutboxEntry.seq)
            )
        )
        if entries:
            return _batch(session, pending["batch_id"], entries)
        write_state(session, PENDING_KEY, "")
    entries = []
    cursor = after_seq
    while len(entries) < size:
        page = list(
            session.scalars(
                select(OutboxEntry)
                .where(
                    OutboxEntry.pushed_batch.is_(None),
                    OutboxEntry.refused_reason.is_(None),
                    OutboxEntry.seq > cursor,
                )
                .order_by(OutboxEntry.seq)
                .limit(size - len(entries))
            )
        )
        if not page:
            break
        cursor = page[-1].seq
        kept, stop = _not_waiting(session, page, entries)
        entries += kept
        if stop:
            break
    if not entries:
        return None
    total = 0
    for n, e in enumerate(entries):
        total += len(json.dumps(e.payload, default=str))
        if total > BATCH_BYTES and n > 0:
            entries = entries[:n]
            break
    batch = _batch(session, new_id(), entries)
    write_state(session, PENDING_KEY, json.dumps({"batch_id": batch.batch_id, "seqs": batch.seqs}))
    return batch


def _batch(session: Session, batch_id: str, entries: list[OutboxEntry]) -> Batch:
    changes = []
    for e in entries:
        fields = dict(e.payload.get("fields", {}))
        clocks = dict(e.payload.get("clocks", {}))
        if fields.get("erased") is True:
            _whole_record(session, e, fields, clocks)
        changes.append(
            Change(
                change_id=e.change_id,
                table=e.table_name,
                row_id=e.row_id,
                stamp=e.stamp,
                origin=e.origin,
                fields=fields,
                clocks=clocks,
            )
        )
    return Batch(batch_id, [e.seq for e in entries], PushRequest(batch_id=batch_id, changes=changes))


def _whole_record(
    session: Session, entry: OutboxEntry, fields: dict[str, Any], clocks: dict[str, str]
) -> None:
    """An erasure carries every field of the record under its stamp, so that on every
    replica it overwrites whatever was edited concurrently elsewhere — also fields the
    erasure did not have to change here (already empty)."""
    model = model_for_table(entry.table_name)
    obj = session.get(model, entry.row_id) if model is not None else None
    if obj is None:
        return
    stamp = clocks.get("erased", entry.stamp)
    for name, value in record_values(obj).items():
        if name not in fields and name != "deleted":
            fields[name] = value
            clocks[name] = stamp


@dataclass
class Acknowledged:
    applied: int = 0
    merged: int = 0
    rejected: int = 0
    held: int = 0
    conflicts: int = 0

    @property
    def sent(self) -> int:
        """Changes the server took (applied or merged); never the refused or held ones."""
        return self.applied + self.merged


def acknowledge(session: Session, batch: Batch, answer: PushAnswer, now: dt.datetime) -> Acknowledged:
    """Mark the batch's entries pushed and log the fields that lost on the server."""
    by_change = {r.change_id: r for r in answer.results}
    entries = {
        e.change_id: e for e in session.scalars(select(OutboxEntry).where(OutboxEntry.seq.in_(batch.seqs)))
    }
    done: list[int] = []
    newest = ""
    ack = Acknowledged()
    for change in batch.request.changes:
        result = by_change.get(change.change_id)
        entry = entries.get(change.change_id)
        if result is None or entry is None:
            continue
        if result.status == "rejected" and result.reason == CLOCK_AHEAD:
            # Kept in the outbox: accepted once the server's time reaches the stamp.
            ack.held += 1
            continue
        if result.status == "rejected":
            ack.rejected += 1
            log.warning(
                "change %s on %s rejected by the server: %s %s",
                change.change_id,
                change.table,
                result.reason,
                result.detail,
            )
            # Kept, marked: never counted as sent, not re-sent unchanged every round.
            entry.refused_reason = (result.reason or "rejected")[:40]
            entry.refused_detail = result.detail
            continue
        newest = max(newest, entry.stamp, *change.clocks.values())
        if result.status == "merged":
            ack.merged += 1
        else:
            ack.applied += 1
        for lost in result.lost:
            if record_conflict(
                session,
                change.table,
                change.row_id,
                lost.field,
                lost.kept_value,
                lost.kept_stamp,
                lost.lost_value,
                lost.lost_stamp,
                now,
            ):
                ack.conflicts += 1
        done.append(entry.seq)
    for i in range(0, len(done), 500):
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.seq.in_(done[i : i + 500]))
            .values(pushed_batch=batch.batch_id)
        )
    if newest:
        raise_floor(session, newest)
    write_state(session, PENDING_KEY, "")
    return ack


def has_pending_batch(session: Session) -> bool:
    return bool(read_state(session, PENDING_KEY))


def clock_ran_ahead(session: Session, server_ms: int, margin_ms: int) -> bool:
    """True when our clock is more than `margin_ms` ahead of both the server's time and
    the newest stamp others know (then waiting changes may be stamped again)."""
    raw = read_state(session, HLC_KEY)
    if not raw:
        return False
    floor = read_state(session, FLOOR_KEY) or ""
    reference = max(server_ms, clock.Stamp.decode(floor).wall if floor else 0)
    return clock.Stamp.decode(raw).wall > reference + margin_ms


def restamp_pending(session: Session, server_ms: int, node: str) -> int:
    """Bring a clock that ran ahead back to the server's time.

    Changes not pushed yet were seen by nobody, so they may get new stamps: those
    stamped after max(server time, the floor of what others know from us or we from
    them) are stamped again just after it, in their order, and so are the record fields
    (`clocks`, `updated_at`, `created_at`) that still carry the old stamp. Pushed
    history is never touched (the caller finishes a pending batch first). The HLC is
    set back to the last new stamp. Returns how many changes got a new stamp.
    """
    floor_raw = read_state(session, FLOOR_KEY) or ""
    pushed_max = session.scalar(
        select(func.max(OutboxEntry.stamp)).where(OutboxEntry.pushed_batch.is_not(None))
    )
    floor = max(floor_raw, pushed_max or "")
    base = clock.Stamp(server_ms, 0, node)
    if floor and clock.Stamp.decode(floor) > base:
        base = clock.Stamp.decode(floor)
    entries = list(
        session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.pushed_batch.is_(None), OutboxEntry.stamp > base.encode())
            .order_by(OutboxEntry.seq)
        )
    )
    last = base
    previous = session.info.get("applying_remote")
    session.info["applying_remote"] = True  # the record updates below are no new edits
    try:
        for e in entries:
            last = clock.tick(last, node, now=server_ms)
            old, new = e.stamp, last.encode()
            payload = dict(e.payload or {})
            fields = dict(payload.get("fields", {}))
            clocks = {k: (new if v == old else v) for k, v in payload.get("clocks", {}).items()}
            if fields.get("created_at") == old:
                fields["created_at"] = new
            e.payload = {**payload, "fields": fields, "clocks": clocks}
            e.stamp = new
            model = model_for_table(e.table_name)
            obj = session.get(model, e.row_id) if model is not None else None
            if obj is not None:
                record_clocks = dict(obj.clocks or {})
                if any(v == old for v in record_clocks.values()):
                    obj.clocks = {k: (new if v == old else v) for k, v in record_clocks.items()}
                if obj.updated_at == old:
                    obj.updated_at = new
                if obj.created_at == old:
                    obj.created_at = new
        session.flush()
    finally:
        session.info["applying_remote"] = previous
    write_state(session, HLC_KEY, last.encode())
    if entries:
        log.warning(
            "clock ran ahead of the server: %d waiting change(s) stamped again at its time", len(entries)
        )
    return len(entries)
