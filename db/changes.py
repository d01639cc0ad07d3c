"""Records every local change of a synced record in the outbox, in the same flush.

This runs as a `before_flush` hook, so no service can forget it and no crash can
separate a change from its outbox entry: both commit or neither does. Changes
applied from a sync pull set `session.info["applying_remote"]` and are not
recorded again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from db import clock, rules, violations
from db.base import LocalState, OutboxEntry, Synced, new_id
from db.values import to_json

log = logging.getLogger(__name__)

HLC_KEY = "hlc"
LOCATION_KEY = "location_id"
# The highest stamp that another replica has seen from us or we from it (pulled, or
# pushed and accepted). A clock that ran ahead is brought back (app/sync/outbox.py
# restamp_pending), but never below this: what others know stays ordered before us.
FLOOR_KEY = "hlc_floor"


class TombstoneOnlyError(RuntimeError):
    """Synced records are never deleted outright: set `deleted = True` instead."""


# What a refused value raises, unless app/ installed its translated user error in
# db/violations.py (db/ has no texts), so every service, window and command shows the same sentence.
violation_error: Callable[[rules.Problem], Exception] = rules.RuleViolation


def read_state(session: Session, key: str) -> str | None:
    conn = session.connection()
    return conn.execute(select(LocalState.value).where(LocalState.key == key)).scalar()


def read_states(session: Session, *keys: str) -> dict[str, str]:
    """Several keys in one statement (the outbox hook runs at every write: one query, not three)."""
    conn = session.connection()
    rows = conn.execute(select(LocalState.key, LocalState.value).where(LocalState.key.in_(keys)))
    return {k: v for k, v in rows}


def write_state(session: Session, key: str, value: str) -> None:
    conn = session.connection()
    table = LocalState.__table__
    updated = conn.execute(table.update().where(table.c.key == key).values(value=value))
    if updated.rowcount == 0:
        conn.execute(table.insert().values(key=key, value=value))


def _wall(session: Session) -> int | None:
    """An injected wall clock (ms) from `session.info["wall_clock"]`, else None (real time).
    Lets tests run one replica with a wrong clock."""
    hook = session.info.get("wall_clock")
    return int(hook()) if hook is not None else None


def next_stamps(
    session: Session, count: int, floors: Sequence[str] = (), states: dict[str, str] | None = None
) -> list[clock.Stamp]:
    """Tick this replica's clock `count` times; the new last stamp is saved in the same
    transaction, so stamps never repeat even across crashes. Stamp i comes after
    `floors[i]` (the newest clock of what that write replaces), so an edit always wins
    over the value it overwrites, also when our clock was brought back below it.
    `states`: LOCATION_KEY and HLC_KEY as just read in this transaction (read_states)."""
    if states is None:
        states = read_states(session, LOCATION_KEY, HLC_KEY)
    node = states.get(LOCATION_KEY) or "unset"
    raw = states.get(HLC_KEY)
    last = clock.Stamp.decode(raw) if raw else None
    stamps = []
    for i in range(count):
        floor = floors[i] if i < len(floors) else ""
        if floor and (last is None or floor > last.encode()):
            last = clock.merge(last, clock.Stamp.decode(floor), node, now=_wall(session))
        else:
            last = clock.tick(last, node, now=_wall(session))
        stamps.append(last)
    if stamps:
        write_state(session, HLC_KEY, stamps[-1].encode())
    return stamps


def observe_stamp(session: Session, remote: clock.Stamp) -> None:
    """Merge a stamp received from elsewhere into our clock (sync pull)."""
    node = read_state(session, LOCATION_KEY) or "unset"
    raw = read_state(session, HLC_KEY)
    last = clock.Stamp.decode(raw) if raw else None
    write_state(session, HLC_KEY, clock.merge(last, remote, node, now=_wall(session)).encode())
    raise_floor(session, remote.encode())


def raise_floor(session: Session, stamp: str) -> None:
    """Remember that `stamp` is known beyond this replica (see FLOOR_KEY)."""
    if stamp > (read_state(session, FLOOR_KEY) or ""):
        write_state(session, FLOOR_KEY, stamp)


def _changed_fields(obj: Synced, is_new: bool) -> list[str]:
    names = type(obj).data_columns()
    if is_new:
        return names
    state = inspect(obj)
    return [n for n in names if state.attrs[n].history.has_changes()]


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, Synced):
            raise TombstoneOnlyError(f"{type(obj).__name__} {obj.id}: set deleted=True instead")
    if session.info.get("applying_remote"):
        return
    work: list[tuple[Synced, bool, list[str]]] = []
    for obj in list(session.new):
        if isinstance(obj, Synced):
            if obj.id is None:
                obj.id = new_id()
            work.append((obj, True, _changed_fields(obj, True)))
    for obj in list(session.dirty):
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            fields = _changed_fields(obj, False)
            if fields:
                work.append((obj, False, fields))
    if not work:
        return
    # Column defaults are applied at INSERT time, after this hook: fill them now so
    # the outbox carries the same values the row will hold.
    for obj, is_new, _ in work:
        if is_new:
            _apply_python_defaults(obj)
    # Every local write meets the same field rules as the server (db/rules.py), before
    # anything is stamped: a value the server would refuse never reaches the outbox.
    for obj, _, fields in work:
        values = {name: to_json(getattr(obj, name)) for name in fields}
        problems = rules.check_fields(type(obj).__tablename__, values)
        if problems:
            raise (violations.installed or violation_error)(problems[0])
    floors = [
        max((str(v) for k, v in (obj.clocks or {}).items() if k in fields), default="")
        for obj, _n, fields in work
    ]
    states = read_states(session, LOCATION_KEY, HLC_KEY)
    stamps = next_stamps(session, len(work), floors, states)
    origin = states.get(LOCATION_KEY) or ""
    actor = str(session.info.get("actor", ""))
    for (obj, is_new, fields), stamp in zip(work, stamps, strict=True):
        text = stamp.encode()
        clocks = dict(obj.clocks or {})
        for name in fields:
            clocks[name] = text
        obj.clocks = clocks
        if is_new or not obj.created_at:
            obj.created_at = text
        obj.updated_at = text
        obj.origin = origin
        obj.changed_by = actor
        payload = {
            "fields": {name: to_json(getattr(obj, name)) for name in fields},
            "clocks": {name: text for name in fields},
        }
        if not is_new:
            _fold_refused(session, obj, payload)
        session.add(
            OutboxEntry(
                change_id=new_id(),
                table_name=type(obj).__tablename__,
                row_id=obj.id,
                stamp=text,
                origin=origin,
                actor=actor,
                payload=payload,
            )
        )


def _fold_refused(session: Session, obj: Synced, payload: dict[str, Any]) -> None:
    """A change of this record that the server refused is sent again with this edit: the
    fields it carried, at their current values and clocks (the whole record when the
    server never accepted its creation). The refused entries are then replaced by this one.
    """
    rows = session.execute(
        select(OutboxEntry.seq, OutboxEntry.payload, OutboxEntry.refused_reason).where(
            OutboxEntry.table_name == type(obj).__tablename__,
            OutboxEntry.row_id == obj.id,
            OutboxEntry.pushed_batch.is_(None),
            OutboxEntry.refused_reason.is_not(None),
        )
    ).all()
    if not rows:
        return
    names: set[str] = set()
    for _seq, old, reason in rows:
        names.update((old or {}).get("fields", {}))
        if reason == "incomplete" or "created_at" in (old or {}).get("fields", {}):
            names.update(type(obj).data_columns())
    clocks = obj.clocks or {}
    for name in sorted(names - payload["fields"].keys()):
        if name in clocks:
            payload["fields"][name] = to_json(getattr(obj, name))
            payload["clocks"][name] = clocks[name]
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq.in_([r[0] for r in rows])))
    log.info(
        "%s %s: %d refused change(s) sent again with this edit", type(obj).__tablename__, obj.id, len(rows)
    )


def _apply_python_defaults(obj: Synced) -> None:
    for column in type(obj).__table__.columns:  # type: ignore[attr-defined]
        if getattr(obj, column.key, None) is not None:
            continue
        default = column.default
        if default is None or not default.is_scalar and not default.is_callable:
            continue
        if default.is_scalar:
            value = default.arg
        else:
            try:
                value = default.arg({})  # SQLAlchemy wraps callables to take a context
            except TypeError:
                value = default.arg()
        # Mutable defaults (dict/list factories) must not be shared between rows.
        setattr(obj, column.key, value.copy() if isinstance(value, dict | list) else value)
