"""Every synced record in a canonical order, for audits and replica comparisons.

Local bookkeeping (outbox, local state, conflict log) and per-replica metadata
(which location last wrote a row, who, when it was stamped) are left out: two
replicas that synced to quiescence print the same text.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.base import synced_models
from db.values import record_values


def export_records(session_factory: sessionmaker[Session]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    with session_factory() as s:
        for model in synced_models():
            rows = []
            for obj in s.scalars(select(model).order_by(model.id)):
                values = record_values(obj)
                for hidden in getattr(model, "EXPORT_HIDDEN", ()):  # a secret (PIN hash) never leaves
                    values.pop(hidden, None)
                rows.append({"id": obj.id, **values})
            out[model.__tablename__] = rows
    return out


def export_json(session_factory: sessionmaker[Session]) -> str:
    return json.dumps(export_records(session_factory), sort_keys=True, ensure_ascii=False, indent=1)
