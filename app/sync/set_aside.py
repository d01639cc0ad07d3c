"""Pulled changes this counter cannot apply: set aside with the reason, retried later.

A value that fails the field rules (db/rules.py) or a row the local database refuses
must not stop the page, the table or the round: the page applies everything else and
the change waits here. Every round starts by trying them again, so a program update
that accepts them (or the parent record arriving) heals the replica on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.sync.protocol import LoggedChange
from db import rules
from db.base import SetAsideChange

log = logging.getLogger(__name__)


def set_aside_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SetAsideChange)) or 0


def set_aside(
    session: Session,
    table: str,
    row_id: str,
    origin: str,
    fields: dict[str, Any],
    clocks: dict[str, Any],
    reason: str,
    now: dt.datetime,
) -> bool:
    """Keep one change (once: a re-pull of the same change adds nothing). ASCII JSON
    text, so even a value that is not valid Unicode can be stored and retried."""
    change = json.dumps(
        {"row_id": row_id, "origin": origin, "fields": fields, "clocks": clocks},
        sort_keys=True,
        ensure_ascii=True,
        default=str,
    )
    digest = hashlib.blake2b(change.encode(), digest_size=16).hexdigest()
    exists = session.scalar(
        select(SetAsideChange.id).where(SetAsideChange.table_name == table, SetAsideChange.digest == digest)
    )
    if exists is not None:
        return False
    shown = row_id if rules.check_identifier(row_id) else ascii(row_id)[:80]
    session.add(
        SetAsideChange(
            table_name=table[:64] if rules.check_identifier(table) else "?",
            row_id=shown[:80],
            reason=reason.encode("ascii", "backslashreplace").decode(),
            change=change,
            digest=digest,
            seen_at=now.replace(microsecond=0),
        )
    )
    log.warning("pulled %s %s set aside: %s", table, shown, reason)
    return True


def retry_set_aside(session_factory: sessionmaker[Session], now: dt.datetime) -> int:
    """Apply the set-aside changes again (all together, so the parts of one record meet);
    what still fails is set aside again. Answers how many applied now."""
    from app.sync.merge import apply_page

    with session_factory() as s:
        rows = list(s.scalars(select(SetAsideChange).order_by(SetAsideChange.id)))
    if not rows:
        return 0
    changes = []
    for n, row in enumerate(rows, start=1):
        data = json.loads(row.change)
        changes.append(
            LoggedChange.model_validate(
                {
                    "seq": n,
                    "table": row.table_name,
                    "row_id": data["row_id"],
                    "origin": data.get("origin", ""),
                    "fields": data["fields"],
                    "clocks": data["clocks"],
                }
            )
        )
    last = rows[-1].id
    for careful in (False, True):
        try:
            with session_factory() as s, s.begin():
                s.info["applying_remote"] = True
                s.execute(delete(SetAsideChange).where(SetAsideChange.id <= last))
                apply_page(s, changes, now, careful=careful)
                left = set_aside_count(s)
            break
        except IntegrityError:
            continue  # a constraint at commit: once more row by row
        except Exception:  # a retry must never stop the round: they stay set aside
            log.exception("retrying set-aside changes failed")
            return 0
    else:
        return 0
    healed = len(rows) - left
    if healed > 0:
        log.info("%d set-aside change(s) applied on retry", healed)
    return max(healed, 0)
