"""Push batches from the outbox, in `seq` order, each sent under one stable batch id.

The batch (its id and the outbox entries in it) is written down before it is
sent. If the answer never arrives, the next attempt sends the very same batch
under the same id, and the server answers from its record of it: a retry is a
no-op. Only the acknowledgement marks the entries as pushed, in one transaction
with the conflict log entries of fields that lost on the server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.sync.merge import record_conflict
from app.sync.protocol import CLOCK_AHEAD, Change, PushAnswer, PushRequest
from db.base import OutboxEntry, model_for_table, new_id
from db.changes import read_state, write_state
from db.values import record_values

log = logging.getLogger(__name__)

PENDING_KEY = "sync_pending_batch"
BATCH_SIZE = 500


@dataclass
class Batch:
    batch_id: str
    seqs: list[int]
    request: PushRequest


def waiting_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.pushed_batch.is_(None))
        )
        or 0
    )


def prune_acknowledged(session: Session, before_ms: int) -> int:
    """Delete acknowledged entries stamped before `before_ms` (wall clock, ms)."""
    cutoff = f"{max(before_ms, 0):013d}"
    result = session.execute(
        delete(OutboxEntry).where(OutboxEntry.pushed_batch.is_not(None), OutboxEntry.stamp < cutoff)
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
    entries = list(
        session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.pushed_batch.is_(None), OutboxEntry.seq > after_seq)
            .order_by(OutboxEntry.seq)
            .limit(size)
        )
    )
    if not entries:
        return None
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


def acknowledge(session: Session, batch: Batch, answer: PushAnswer, now: dt.datetime) -> Acknowledged:
    """Mark the batch's entries pushed and log the fields that lost on the server."""
    by_change = {r.change_id: r for r in answer.results}
    entries = {
        e.change_id: e for e in session.scalars(select(OutboxEntry).where(OutboxEntry.seq.in_(batch.seqs)))
    }
    done: list[int] = []
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
                "change %s on %s rejected by the server: %s", change.change_id, change.table, result.reason
            )
        elif result.status == "merged":
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
    write_state(session, PENDING_KEY, "")
    return ack
