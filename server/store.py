"""Applying pushed changes and reading pages of the change log, per tenant.

Every function takes the tenant id from the authenticated location (never from
the request) and every query filters by it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Text, cast, insert, select
from sqlalchemy.orm import Session

import db.models  # noqa: F401  (registers every synced model)
import db.models_sync  # noqa: F401
from app.sync import lww
from app.sync.protocol import (
    CLOCK_AHEAD,
    Change,
    ChangeResult,
    LostField,
    PullRequest,
    PushAnswer,
    PushRequest,
    common_stamp,
    compact_clocks,
)
from db import deletions, rules
from db.personal import ERASED_NAME
from server import erasure
from server.models import AppliedBatch, ChangeLogEntry, ConflictRecord, MergedRecord, TableDigestRow, Tenant

log = logging.getLogger(__name__)

STAMP = re.compile(r"^\d{13}-\d{6}-[A-Za-z0-9_.:-]{0,64}$")


# The same field rules the counters apply to every local write (db/rules.py).
RULES = rules.all_rules()
REQUIRED = {t: frozenset(n for n, r in cols.items() if r.required) for t, cols in RULES.items()}
# What a counter's insert gives the columns a new record does not bring: the server
# stores a new record the same way, so both sides hash the same values.
DEFAULTS = {t: rules.defaults_for(t) for t in RULES}


def digest_names(table: str) -> list[str]:
    return ["id", *RULES[table].keys()]


def validate_change(change: Change, now_ms: int, max_ahead_ms: int) -> tuple[str, str] | None:
    """Why a change cannot be applied ((code, reason)), or None when it is fine.

    Every value meets the rules before it reaches the change log: one value that a
    counter cannot take (a lone surrogate, JSON 300 deep, an unknown status) would
    otherwise be pulled by every counter of the tenant, in every later round."""
    table_rules = RULES.get(change.table)
    if table_rules is None:
        return "unknown-table", f"unknown table {change.table!a}"
    if not change.fields:
        return "empty", "no fields"
    if set(change.fields) != set(change.clocks):
        return "bad-clocks", "every field needs exactly one clock"
    # Anywhere in the values, also inside a JSON document: no NaN/Infinity (not JSON) and
    # no NUL (PostgreSQL cannot store or query it) — else one record breaks every read.
    try:
        encoded = json.dumps(change.fields, allow_nan=False, default=str)
    except ValueError:
        return "bad-value", f"{change.table}: a value is not a finite number"
    if "\\u0000" in encoded:
        return "bad-value", f"{change.table}: a value contains a NUL character"
    if not (rules.check_identifier(change.row_id) and rules.check_identifier(change.origin)):
        return "bad-id", "row id or origin is not a short valid text"
    for name in change.fields:
        if name not in table_rules:
            return "unknown-field", f"unknown field {change.table}.{name!a}"
    problems = rules.check_fields(change.table, change.fields)
    if problems:
        return "bad-value", problems[0].describe()
    for stamp in change.clocks.values():
        if not STAMP.fullmatch(stamp):
            return "bad-clocks", "malformed clock stamp"
        if int(stamp[:13]) > now_ms + max_ahead_ms:
            return CLOCK_AHEAD, "clock stamp too far ahead of the server's time"
    return None


# Destructive changes: an erasure (`erased: true`) of any record, and the deletion of a
# person, device, loan or staff record. The counters refuse these locally when the
# domain forbids them; the server enforces the same, so a counter's token (a lost van
# laptop) cannot wipe a digibank with a crafted push.
COORDINATOR = "coordinator"
GUARDED_DELETIONS = frozenset({"borrower", "device", "loan", "staff"})
NEEDS_COORDINATOR = "needs-coordinator"
OPEN_LOAN = "open-loan"
ON_LOAN = "on-loan"
# The audit log is append-only on every replica (db/migrations 0010 triggers, the
# before_flush hook): an event, once the server holds it, is never changed by a push —
# whatever token sends it. A re-sent identical event is an echo, not a change.
APPEND_ONLY = frozenset({"audit_event"})
APPEND_ONLY_REASON = "append-only"


def destructive_kind(change: Change, rec: MergedRecord | None) -> str | None:
    """ "erase" or "delete" when the change would erase or delete a record the server
    holds and that is not erased/deleted yet; None for every other change. A record the
    server does not know yet (made and removed offline) destroys nothing."""
    if rec is None:
        return None
    if change.fields.get("erased") is True and rec.fields.get("erased") is not True:
        return "erase"
    if (
        change.table in GUARDED_DELETIONS
        and change.fields.get("deleted") is True
        and rec.fields.get("deleted") is not True
    ):
        return "delete"
    return None


def _changes_any(current: dict[str, Any], incoming: dict[str, Any]) -> bool:
    return any(current.get(name) != value for name, value in incoming.items())


class _OpenLoans:
    """The tenant's open loans on the server's merged records (loaded once a batch needs
    them, kept current while the batch applies: a return earlier in the batch counts)."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.by_id: dict[str, tuple[Any, Any]] = {}
        rows = session.execute(
            select(MergedRecord.row_id, MergedRecord.fields).where(
                MergedRecord.tenant_id == tenant_id,
                MergedRecord.table_name == "loan",
                MergedRecord.fields["state"].as_string() == "open",
            )
        )
        for row_id, fields in rows:
            self.update(row_id, fields)

    def update(self, row_id: str, fields: dict[str, Any]) -> None:
        if fields.get("state") == "open" and fields.get("deleted") is not True:
            self.by_id[row_id] = (fields.get("borrower_id"), fields.get("device_id"))
        else:
            self.by_id.pop(row_id, None)

    def of_borrower(self, borrower_id: str) -> int:
        return sum(1 for b, _d in self.by_id.values() if b == borrower_id)

    def of_device(self, device_id: str) -> int:
        return sum(1 for _b, d in self.by_id.values() if d == device_id)


def _serial_key(serial: Any) -> str:
    """As the counters compare serials (app/sync/domain_conflicts.py): case and spaces aside."""
    return str(serial or "").replace(" ", "").upper()


def _is_duplicate_device(session: Session, tenant_id: int, device_id: str) -> bool:
    """Another live device record of the tenant has this device's serial number: deleting
    this one (the "delete" resolution of a possible duplicate) loses no device."""
    own = session.get(MergedRecord, (tenant_id, "device", device_id))
    key = _serial_key(own.fields.get("serial")) if own is not None else ""
    if not key:
        return False
    rows = session.execute(
        select(MergedRecord.row_id, MergedRecord.fields["serial"].as_string()).where(
            MergedRecord.tenant_id == tenant_id,
            MergedRecord.table_name == "device",
            MergedRecord.row_id != device_id,
            MergedRecord.fields["deleted"].as_boolean().is_not(True),
        )
    )
    return any(_serial_key(serial) == key for _row_id, serial in rows)


def refuse_destructive(
    change: Change,
    kind: str,
    scope: str,
    open_loans: _OpenLoans,
    duplicate: Callable[[str], bool] = lambda _row_id: False,
) -> tuple[str, str] | None:
    """Why this erasure/deletion may not be applied ((code, detail)), or None.

    One deletion is open to a counter-scope token: a device record that duplicates another
    one's serial (resolving a "possible duplicate" flag is counter work, and the device
    itself stays). Loans are never deleted by the program: an undone checkout or the losing
    side of a double loan is *cancelled* (an ordinary edit), so a counter token still cannot
    delete a loan, and the record of who has which laptop survives any crafted push."""
    counter_may = change.table == "device" and kind == "delete" and duplicate(change.row_id)
    if scope != COORDINATOR and not counter_may:
        return NEEDS_COORDINATOR, f"{kind} of {change.table} needs a coordinator token"
    if change.table == "borrower" and (n := open_loans.of_borrower(change.row_id)):
        return OPEN_LOAN, f"{kind} of a person with {n} open loan(s)"
    if change.table == "device" and kind == "delete" and open_loans.of_device(change.row_id):
        return ON_LOAN, "delete of a device that is on loan"
    return None


def _nameless(fields: dict[str, Any]) -> bool:
    return all(fields.get(n) in ("", None, ERASED_NAME) for n in ("first_name", "last_name"))


def refuse_late_restore(change: Change, rec: MergedRecord | None, now_ms: int) -> tuple[str, str] | None:
    """A deletion can be undone for 30 days (db/deletions.py); after that its tombstone is
    final, also for a coordinator's token. Only a change that would actually restore (a newer
    `deleted: False` than the tombstone's) is refused: an old one loses the merge anyway."""
    if rec is None or change.table not in deletions.RESTORABLE:
        return None
    if change.fields.get("deleted") is not False or rec.fields.get("deleted") is not True:
        return None
    tombstone = (rec.clocks or {}).get("deleted", "")
    if change.clocks["deleted"] > tombstone and deletions.is_final(tombstone, now_ms):
        days = deletions.UNDO_DAYS
        return deletions.TOMBSTONE_FINAL, f"{change.table} was deleted more than {days} days ago"
    return None


def refuse_approval(change: Change, rec: MergedRecord | None, scope: str) -> tuple[str, str] | None:
    """Confirming an erasure request (db/models_privacy.py) is coordinator work: a counter
    token may ask for an erasure, never mark one approved."""
    if scope == COORDINATOR or change.table != "erasure_request":
        return None
    if change.fields.get("state") == "approved" and (rec is None or rec.fields.get("state") != "approved"):
        return NEEDS_COORDINATOR, "approving an erasure request needs a coordinator token"
    return None


def refuse_blanking(change: Change, rec: MergedRecord | None, scope: str) -> tuple[str, str] | None:
    """An edit from a counter-scope token that would leave a person without a name (every
    personal field emptied at once, or the name alone) is an erasure in disguise: refused
    like an erasure. No counter makes such an edit (a name is required, app/borrowers.py);
    only a crafted push does. A coordinator-scope token erases through `erased` instead."""
    if scope == COORDINATOR or change.table != "borrower" or rec is None:
        return None
    if rec.fields.get("erased") is True or not {"first_name", "last_name"} & change.fields.keys():
        return None
    outcome = lww.merge(rec.fields, rec.clocks, change.fields, change.clocks)  # a dry run
    if _nameless(outcome.fields) and not _nameless(rec.fields):
        return NEEDS_COORDINATOR, "emptying a person's name is an erasure and needs a coordinator token"
    return None


def _xor(a: str, b: int) -> str:
    return lww.digest_hex(int(a, 16) ^ b)


def apply_push(
    session: Session,
    tenant_id: int,
    request: PushRequest,
    max_ahead_ms: int,
    now_ms: int | None = None,
    scope: str = "counter",
) -> PushAnswer:
    """Apply one batch in the caller's transaction; a replayed batch returns its stored answer.
    `scope` is the pushing token's: erasures and deletions need "coordinator"."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    # Lock the tenant's counter row first: pushes of one tenant run one at a time,
    # so change numbers are handed out in commit order.
    tenant = session.execute(select(Tenant).where(Tenant.id == tenant_id).with_for_update()).scalar_one()
    prior = session.get(AppliedBatch, (tenant_id, request.batch_id))
    if prior is not None:
        answer = PushAnswer.model_validate(prior.answer)
        return answer.model_copy(update={"replayed": True, "head": tenant.last_seq})

    wanted: dict[str, set[str]] = defaultdict(set)
    for ch in request.changes:
        if ch.table in RULES:
            wanted[ch.table].add(ch.row_id)
    records: dict[tuple[str, str], MergedRecord] = {}
    rec: MergedRecord | None
    for table, ids in wanted.items():
        id_list = sorted(ids)
        for i in range(0, len(id_list), 500):
            chunk = id_list[i : i + 500]
            rows = session.scalars(
                select(MergedRecord).where(
                    MergedRecord.tenant_id == tenant_id,
                    MergedRecord.table_name == table,
                    MergedRecord.row_id.in_(chunk),
                )
            )
            for rec in rows:
                records[(table, rec.row_id)] = rec

    seq = tenant.last_seq
    log_rows: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    results: list[ChangeResult] = []
    digest_delta: dict[str, int] = defaultdict(int)
    count_delta: dict[str, int] = defaultdict(int)
    open_loans: _OpenLoans | None = None
    for ch in request.changes:
        problem = validate_change(ch, now_ms, max_ahead_ms)
        if problem is not None:
            results.append(
                ChangeResult(change_id=ch.change_id, status="rejected", reason=problem[0], detail=problem[1])
            )
            log.info("tenant %s: change %s rejected: %s", tenant_id, ch.change_id, problem[1])
            continue
        rec = records.get((ch.table, ch.row_id))
        if rec is not None and ch.table in APPEND_ONLY and _changes_any(rec.fields, ch.fields):
            results.append(
                ChangeResult(
                    change_id=ch.change_id,
                    status="rejected",
                    reason=APPEND_ONLY_REASON,
                    detail=f"{ch.table} records are never changed",
                )
            )
            log.warning("tenant %s: change of %s %s refused (append-only)", tenant_id, ch.table, ch.row_id)
            continue
        kind = destructive_kind(ch, rec)
        # Ordinary-looking edits the server still refuses (see each function).
        guarded = (
            refuse_blanking(ch, rec, scope)
            or refuse_approval(ch, rec, scope)
            or refuse_late_restore(ch, rec, now_ms)
        )
        if guarded is not None:
            kind = "edit"
        if kind is not None:
            if open_loans is None:
                session.flush()  # this batch's earlier changes count (a return before an erasure)
                open_loans = _OpenLoans(session, tenant_id)
            refusal = guarded or refuse_destructive(
                ch, kind, scope, open_loans, lambda row_id: _is_duplicate_device(session, tenant_id, row_id)
            )
            if refusal is not None:
                results.append(
                    ChangeResult(
                        change_id=ch.change_id, status="rejected", reason=refusal[0], detail=refusal[1]
                    )
                )
                # Ids and counts only: who tried what, never a value.
                log.warning(
                    "tenant %s: %s of %s %s refused (%s, token scope %s)",
                    tenant_id,
                    kind,
                    ch.table,
                    ch.row_id,
                    refusal[0],
                    scope,
                )
                continue
        if rec is None and not REQUIRED[ch.table] <= ch.fields.keys():
            missing = ", ".join(sorted(REQUIRED[ch.table] - ch.fields.keys()))
            results.append(
                ChangeResult(
                    change_id=ch.change_id,
                    status="rejected",
                    reason="incomplete",
                    detail=f"missing {missing}",
                )
            )
            log.info("tenant %s: new %s %s lacks %s", tenant_id, ch.table, ch.row_id, missing)
            continue
        outcome = lww.merge(rec.fields if rec else None, rec.clocks if rec else None, ch.fields, ch.clocks)
        if rec is None:
            outcome.fields = {**DEFAULTS[ch.table], **outcome.fields}
        names = digest_names(ch.table)
        if outcome.won:
            new_digest = lww.record_digest({"id": ch.row_id, **outcome.fields}, names)
            if rec is None:
                rec = MergedRecord(
                    tenant_id=tenant_id,
                    table_name=ch.table,
                    row_id=ch.row_id,
                    fields=outcome.fields,
                    clocks=outcome.clocks,
                    digest=lww.digest_hex(new_digest),
                )
                session.add(rec)
                records[(ch.table, ch.row_id)] = rec
                count_delta[ch.table] += 1
                digest_delta[ch.table] ^= new_digest
            else:
                digest_delta[ch.table] ^= int(rec.digest, 16) ^ new_digest
                rec.fields = outcome.fields
                rec.clocks = outcome.clocks
                rec.digest = lww.digest_hex(new_digest)
            if open_loans is not None and ch.table == "loan":
                open_loans.update(ch.row_id, outcome.fields)
            seq += 1
            log_rows.append(
                {
                    "tenant_id": tenant_id,
                    "seq": seq,
                    "table_name": ch.table,
                    "row_id": ch.row_id,
                    "origin": ch.origin,
                    "fields": {n: ch.fields[n] for n in outcome.won},
                    "clocks": {n: ch.clocks[n] for n in outcome.won},
                }
            )
        lost = [
            LostField(
                field=x.field,
                kept_value=x.kept_value,
                kept_stamp=x.kept_stamp,
                lost_value=x.lost_value,
                lost_stamp=x.lost_stamp,
            )
            for x in outcome.lost
        ]
        for x in outcome.lost:
            conflicts.append(
                {
                    "tenant_id": tenant_id,
                    "table_name": ch.table,
                    "row_id": ch.row_id,
                    "field": x.field,
                    "kept_value": x.kept_value,
                    "kept_stamp": x.kept_stamp,
                    "lost_value": x.lost_value,
                    "lost_stamp": x.lost_stamp,
                }
            )
        results.append(
            ChangeResult(change_id=ch.change_id, status="merged" if lost else "applied", lost=lost)
        )
    session.flush()
    if log_rows:
        session.execute(insert(ChangeLogEntry), log_rows)
    seen: set[tuple[str, str, str, str]] = set()
    for row in conflicts:
        key = (row["table_name"], row["row_id"], row["field"], row["lost_stamp"])
        if key in seen:
            continue  # the same losing value twice in one batch
        seen.add(key)
        exists = session.scalar(
            select(ConflictRecord.id).where(
                ConflictRecord.tenant_id == tenant_id,
                ConflictRecord.table_name == row["table_name"],
                ConflictRecord.row_id == row["row_id"],
                ConflictRecord.field == row["field"],
                ConflictRecord.lost_stamp == row["lost_stamp"],
            )
        )
        if exists is None:
            session.add(ConflictRecord(**row))
    for table in set(digest_delta) | set(count_delta):
        drow = session.get(TableDigestRow, (tenant_id, table))
        if drow is None:
            drow = TableDigestRow(tenant_id=tenant_id, table_name=table, count=0, digest="0" * 32)
            session.add(drow)
        drow.count += count_delta[table]
        drow.digest = _xor(drow.digest, digest_delta[table])
    tenant.last_seq = seq
    answer = PushAnswer(batch_id=request.batch_id, results=results, head=seq)
    session.add(
        AppliedBatch(tenant_id=tenant_id, batch_id=request.batch_id, answer=answer.model_dump(mode="json"))
    )
    # GDPR: an erasure in this batch also clears the person's earlier values everywhere.
    session.flush()
    erasure.scrub(session, tenant_id, erasure.records_to_scrub(session, tenant_id, request.changes))
    return answer


# The first clock in a change log row's stored JSON text (keys are field names and values
# stamps, app/sync/protocol.py: neither can hold a quote, so the text needs no full parse).
_FIRST_CLOCK = re.compile(r'":\s*"([^"]*)"')


def wire_clocks(stored: str) -> str:
    """`"stamp":…,"clocks":{…}` (protocol 4) from a log row's stored per-field clocks: one
    stamp and only the clocks that differ from it. Most rows are one write whose fields all
    share a stamp: that is recognised by counting in the text (each key is followed by `":`,
    each value equal to the stamp appears quoted once); any other row is parsed."""
    first = _FIRST_CLOCK.search(stored)
    if first is None:
        clocks: dict[str, str] = json.loads(stored) if stored else {}
        if not clocks:
            return '"stamp":"","clocks":{}'
    else:
        stamp = first.group(1)
        keys = stored.count('":')
        if stored.count(f'"{stamp}"') == keys and stored.count('"') == 4 * keys:
            return f'"stamp":"{stamp}","clocks":{{}}'
        clocks = json.loads(stored)
    stamp = common_stamp(clocks)
    return f'"stamp":{json.dumps(stamp)},"clocks":{json.dumps(compact_clocks(clocks, stamp))}'


def read_page(session: Session, tenant_id: int, request: PullRequest) -> bytes:
    """One page of the change log after `request.after`, in commit order, as the JSON
    of a `PullAnswer`. The stored JSON of each change is copied through as text: a
    page of 5,000 changes costs no parsing and re-encoding on the server (the clocks only
    shrink to one stamp and their exceptions, see `wire_clocks`)."""
    # Read the head first: every change numbered at or below it had committed
    # before the head became visible, so the page below never has a gap.
    head = session.scalar(select(Tenant.last_seq).where(Tenant.id == tenant_id)) or 0
    log = ChangeLogEntry
    stmt = select(
        log.seq, log.table_name, log.row_id, log.origin, cast(log.fields, Text), cast(log.clocks, Text)
    ).where(log.tenant_id == tenant_id, log.seq > request.after, log.seq <= head)
    if request.tables:
        stmt = stmt.where(log.table_name.in_(request.tables))
    rows = session.execute(stmt.order_by(log.seq).limit(request.limit)).all()
    dumps = json.dumps
    # Few distinct tables and origins on a page: each is encoded once.
    quoted: dict[str, str] = {}

    def quote(value: str) -> str:
        out = quoted.get(value)
        if out is None:
            out = quoted[value] = dumps(value)
        return out

    changes = ",".join(
        f'{{"seq":{seq},"table":{quote(table)},"row_id":{dumps(row_id)},"origin":{quote(origin)},'
        f'"fields":{fields},{wire_clocks(clocks)}}}'
        for seq, table, row_id, origin, fields, clocks in rows
    )
    more = len(rows) == request.limit and rows[-1][0] < head
    next_after = rows[-1][0] if more else max(head, request.after)
    digests = None
    if not more:
        digests = {
            d.table_name: {"count": d.count, "digest": d.digest}
            for d in session.scalars(select(TableDigestRow).where(TableDigestRow.tenant_id == tenant_id))
        }
    tail = dumps({"next_after": next_after, "more": more, "head": head, "digests": digests})
    return f'{{"changes":[{changes}],{tail[1:]}'.encode()
