"""GDPR erasure on the server: when an erasure is applied, the erased person's earlier
values disappear from every stored copy — the change log that new counters download,
the conflict table and the stored batch answers (which may hold lost values).

The change log keeps its entries (every pulled replica stays convergent: the entries
and their clocks are unchanged), but the personal fields in them are rewritten to the
record's current, anonymised values. A brand-new counter therefore downloads only the
anonymised record; replicas that pulled the old entries already receive the erasure
itself, which wins over them.

Records linked to an erased person (helpdesk visits, waiting-list entries, loans) are
scrubbed when their clearing change arrives (in the same batch or a later one), so the
order in which a counter pushes them does not matter.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, cast, delete, select
from sqlalchemy.orm import Session

from app.sync.protocol import Change
from db.personal import PERSON_LINKED, personal_fields
from server.models import AppliedBatch, ChangeLogEntry, ConflictRecord, MergedRecord

log = logging.getLogger(__name__)

CHUNK = 500


def records_to_scrub(session: Session, tenant_id: int, changes: Iterable[Change]) -> list[MergedRecord]:
    """The merged records whose history must lose personal values after this batch."""
    erased: dict[tuple[str, str], None] = {}
    linked: dict[tuple[str, str], None] = {}
    for ch in changes:
        if ch.fields.get("erased") is True and personal_fields(ch.table):
            erased[(ch.table, ch.row_id)] = None
        elif ch.table in PERSON_LINKED and personal_fields(ch.table).keys() & ch.fields.keys():
            linked[(ch.table, ch.row_id)] = None
    out: dict[tuple[str, str], MergedRecord] = {}
    people: list[str] = []
    for table, row_id in erased:
        rec = _merged(session, tenant_id, table, row_id)
        if rec is None or rec.fields.get("erased") is not True:
            continue
        out[(table, row_id)] = rec
        if table == "borrower":
            people.append(row_id)
    # Their helpdesk visits, waiting-list entries and loans: one query per table per 500
    # people (a retention run erases many people in one push).
    for linked_table in PERSON_LINKED:
        if not personal_fields(linked_table):
            continue
        for i in range(0, len(people), CHUNK):
            for other in session.scalars(
                select(MergedRecord).where(
                    MergedRecord.tenant_id == tenant_id,
                    MergedRecord.table_name == linked_table,
                    MergedRecord.fields["borrower_id"].as_string().in_(people[i : i + CHUNK]),
                )
            ):
                out[(linked_table, other.row_id)] = other
    # A linked record cleared later than its person's erasure: scrub it if the person is
    # erased. One query per 500 people, so a big initial push costs next to nothing.
    pending = [(t, r) for t, r in linked if (t, r) not in out]
    owners: dict[tuple[str, str], str] = {}
    for key in pending:
        rec = _merged(session, tenant_id, *key)
        person_id = rec.fields.get("borrower_id") if rec is not None else None
        if isinstance(person_id, str):
            owners[key] = person_id
    people = sorted(set(owners.values()))
    erased_people: set[str] = set()
    for i in range(0, len(people), CHUNK):
        for rec in session.scalars(
            select(MergedRecord).where(
                MergedRecord.tenant_id == tenant_id,
                MergedRecord.table_name == "borrower",
                MergedRecord.row_id.in_(people[i : i + CHUNK]),
            )
        ):
            if rec.fields.get("erased") is True:
                erased_people.add(rec.row_id)
    for key, person_id in owners.items():
        if person_id in erased_people:
            linked_rec = _merged(session, tenant_id, *key)
            if linked_rec is not None:
                out[key] = linked_rec
    return list(out.values())


def _merged(session: Session, tenant_id: int, table: str, row_id: str) -> MergedRecord | None:
    return session.get(MergedRecord, (tenant_id, table, row_id))


def scrub(session: Session, tenant_id: int, records: Iterable[MergedRecord]) -> int:
    """Rewrite the personal values in every stored copy of these records. Returns the
    number of rows changed or removed. One query per 500 records and kind of copy."""
    by_key = {(r.table_name, r.row_id): r for r in records}
    current = {
        key: {n: rec.fields.get(n, v) for n, v in personal_fields(key[0]).items()}
        for key, rec in by_key.items()
    }
    ids = sorted({row_id for _table, row_id in by_key})
    touched = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        for entry in session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.tenant_id == tenant_id, ChangeLogEntry.row_id.in_(chunk)
            )
        ):
            values = current.get((entry.table_name, entry.row_id))
            if not values:
                continue
            hits = [n for n in entry.fields if n in values and entry.fields[n] != values[n]]
            if hits:
                entry.fields = {**entry.fields, **{n: values[n] for n in hits}}
                touched += 1
        conflicts = [
            c
            for c in session.scalars(
                select(ConflictRecord).where(
                    ConflictRecord.tenant_id == tenant_id, ConflictRecord.row_id.in_(chunk)
                )
            )
            if c.field in current.get((c.table_name, c.row_id), {})
        ]
        for conflict in conflicts:
            value = current[(conflict.table_name, conflict.row_id)][conflict.field]
            touched += _scrub_answers(session, tenant_id, conflict, value)
        if conflicts:
            session.execute(delete(ConflictRecord).where(ConflictRecord.id.in_([c.id for c in conflicts])))
            touched += len(conflicts)
    session.flush()
    if touched:
        log.info("tenant %s: erasure scrubbed %d stored rows", tenant_id, touched)
    return touched


def _scrub_answers(session: Session, tenant_id: int, conflict: ConflictRecord, value: Any) -> int:
    """A stored push answer reports the values that lost; find the ones of this conflict
    (by its stamps, which are unique per location) and put the anonymised value there."""
    changed = 0
    stmt = select(AppliedBatch).where(
        AppliedBatch.tenant_id == tenant_id,
        cast(AppliedBatch.answer, Text).contains(conflict.lost_stamp),
    )
    for batch in session.scalars(stmt):
        answer = copy.deepcopy(batch.answer)  # a new object, so the change is flushed
        dirty = False
        for result in answer.get("results", []):
            for lost in result.get("lost", []):
                if lost.get("field") == conflict.field and lost.get("lost_stamp") == conflict.lost_stamp:
                    lost["lost_value"] = value
                    lost["kept_value"] = value
                    dirty = True
        if dirty:
            batch.answer = answer
            changed += 1
    return changed
