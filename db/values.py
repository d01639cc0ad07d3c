"""Column values to and from JSON, so changes can travel in the outbox and over sync."""

from __future__ import annotations

import datetime as dt
from typing import Any


def to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def from_json(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    # Here, not at the top: `to_json`/`record_values` serve the light read path (issue 13).
    from sqlalchemy import Date, DateTime

    if isinstance(column_type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(value)
    return value


def record_values(obj: Any) -> dict[str, Any]:
    """The synced content of one record as JSON values (used by export and merge)."""
    return {name: to_json(getattr(obj, name)) for name in type(obj).data_columns()}
