"""The erased values in this replica's own bookkeeping: the field conflict log, the unsent outbox
payloads and the log files (app/privacy.py erases the records; this rewrites their copies)."""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.sync.outbox import ERASURE_OF
from db.base import FieldConflict, OutboxEntry, model_for_table, new_id
from db.changes import LOCATION_KEY, read_state
from db.personal import personal_fields
from db.values import to_json

LOG_GLOB = "*.log*"


def _log_folder() -> Path | None:
    """The folder of this process's log file (setup_logging puts it in the data folder)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename).parent
    return None


_TOKEN = re.compile(r"[\w@.+-]+")


def scrub_log_lines(folder: Path | None, traces: Iterable[str]) -> int:
    """Drop every line of the log files in `folder` that names one of `traces` (card
    number, id, name, phone, e-mail). Rewritten in place, so the open log handler keeps
    appending to the same file. Single words are looked up per token (thousands of
    erased cards in one initial sync stay fast); phrases ("0470 12 34 56") by pattern."""
    words = {t for t in traces if t and len(t) >= 3}
    if folder is None or not words:
        return 0
    tokens = {w for w in words if _TOKEN.fullmatch(w)}
    phrases = sorted(words - tokens, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in phrases)) if phrases else None

    def names_someone(line: str) -> bool:
        if pattern is not None and pattern.search(line):
            return True
        return any(t.strip(".-+") in tokens or t in tokens for t in _TOKEN.findall(line))

    dropped = 0
    for path in sorted(folder.glob(LOG_GLOB)):
        if not path.is_file():
            continue
        with open(path, "r+", encoding="utf-8", errors="replace") as fh:
            lines = fh.readlines()
            kept = [line for line in lines if not names_someone(line)]
            if len(kept) == len(lines):
                continue
            dropped += len(lines) - len(kept)
            fh.seek(0)
            fh.writelines(kept)
            fh.truncate()
    return dropped


def scrub_local_copies(
    s: Session,
    records: Iterable[tuple[str, str]],
    own_after: int | None = None,
    person: str | None = None,
) -> None:
    """The erased values also live in this replica's bookkeeping: the field conflict log
    (lost values) and the outbox payloads (pushed ones kept for a while, and unpushed
    ones that must now carry the anonymised values instead). Both are rewritten here.

    `own_after` (an erasure made here: the last outbox seq before it): the unsent edits
    made before it lose their personal fields instead. Sent blank, they would be ordinary
    edits that the server takes even when it refuses the erasure (a person not erased
    there, with an empty street). The erasure's own change carries the anonymisation: the
    erased record's erasure sends every field (outbox.py `_whole_record`), and a linked
    record's clearing (after `own_after`) takes the fields dropped from its earlier edits
    and waits for the erasure of `person`. An edit left with nothing goes; a creation the
    server never saw keeps the anonymised values (there is nothing to lose there)."""
    by_table: dict[str, set[str]] = {}
    for table, row_id in records:
        if personal_fields(table):
            by_table.setdefault(table, set()).add(row_id)
    for table, ids in by_table.items():
        fields = personal_fields(table)
        model = model_for_table(table)
        current = {}
        record_clocks: dict[str, dict[str, str]] = {}
        if model is not None:
            for obj in s.scalars(select(model).where(model.id.in_(ids))):
                current[obj.id] = {n: getattr(obj, n) for n in fields}
                record_clocks[obj.id] = dict(obj.clocks or {})
        # The erased record itself (a person, a donor) rather than one linked to a person.
        erased_record = model is not None and "erased" in model.data_columns()
        dropped: dict[str, set[str]] = {}
        own: dict[str, OutboxEntry] = {}
        s.execute(
            delete(FieldConflict).where(
                FieldConflict.table_name == table,
                FieldConflict.row_id.in_(ids),
                FieldConflict.field.in_(list(fields)),
            )
        )
        for entry in s.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.table_name == table, OutboxEntry.row_id.in_(ids))
            .order_by(OutboxEntry.seq)
        ):
            values = current.get(entry.row_id, fields)
            payload_fields = dict(entry.payload.get("fields", {}))
            unsent_edit = (
                own_after is not None
                and entry.pushed_batch is None
                and "created_at" not in payload_fields
                and payload_fields.get("erased") is not True
            )
            mine = own_after is not None and entry.seq > own_after
            if unsent_edit and not erased_record and (mine or ERASURE_OF in entry.payload):
                # This erasure's clearing of a linked record (or an earlier one's, still waiting).
                own[entry.row_id] = entry
                continue
            if unsent_edit:
                gone = [n for n in payload_fields if n in fields]
                if not gone:
                    continue
                clocks = dict(entry.payload.get("clocks", {}))
                for n in gone:
                    payload_fields.pop(n)
                    clocks.pop(n, None)
                dropped.setdefault(entry.row_id, set()).update(gone)
                if payload_fields:
                    entry.payload = {**entry.payload, "fields": payload_fields, "clocks": clocks}
                else:
                    s.delete(entry)
                continue
            hits = [n for n in payload_fields if n in values and payload_fields[n] != values[n]]
            if hits:
                for n in hits:
                    payload_fields[n] = values[n]
                entry.payload = {**entry.payload, "fields": payload_fields}
        if person is not None and not erased_record:
            _hold_clearing(s, table, ids, own, dropped, current, record_clocks, person)
    s.flush()


def _hold_clearing(
    s: Session,
    table: str,
    ids: set[str],
    own: dict[str, OutboxEntry],
    dropped: dict[str, set[str]],
    current: dict[str, dict[str, Any]],
    record_clocks: dict[str, dict[str, str]],
    person: str,
) -> None:
    """Each linked record's clearing carries the personal fields dropped from its earlier
    unsent edits (their present, anonymised value and clock: a field already blank before
    the erasure is cleared on the server too) and waits for the person's erasure."""
    for row_id in sorted(ids):
        entry = own.get(row_id)
        clocks = record_clocks.get(row_id, {})
        need = sorted(n for n in dropped.get(row_id, set()) if n in clocks and row_id in current)
        if entry is None and not need:
            continue
        payload = dict(entry.payload) if entry is not None else {"fields": {}, "clocks": {}}
        payload_fields = dict(payload.get("fields", {}))
        payload_clocks = dict(payload.get("clocks", {}))
        for n in need:
            if n not in payload_fields:
                payload_fields[n] = to_json(current[row_id][n])
                payload_clocks[n] = clocks[n]
        payload = {**payload, "fields": payload_fields, "clocks": payload_clocks, ERASURE_OF: person}
        if entry is not None:
            entry.payload = payload
            continue
        s.add(
            OutboxEntry(
                change_id=new_id(),
                table_name=table,
                row_id=row_id,
                stamp=max(payload_clocks.values()),
                origin=read_state(s, LOCATION_KEY) or "",
                actor=str(s.info.get("actor", "")),
                payload=payload,
            )
        )
