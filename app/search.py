"""Turning what a person types into an FTS5 query (prefix match on every word)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, select, text
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)


@functools.lru_cache(maxsize=256)
def fts_query(text: str) -> str | None:
    """'jan pee' → '"jan"* AND "pee"*'; None when there is nothing to search for.
    Cached: a search field asks again for every key typed and every refresh."""
    words = [w.replace('"', "") for w in _WORD.findall(text or "")]
    words = [w for w in words if re.search(r"\w", w)]
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)


_PHONE = re.compile(r"^[\d\s./()+-]+$")


def phone_query(text: str) -> str | None:
    """A typed phone number ("0470123456", "+32 470 12 34 56") as its key (db/sort_keys.py),
    matched as a prefix of the stored numbers' keys; None when it is not a phone number.
    Postcodes (4 digits) and card numbers are found by the full-text search instead."""
    from db.sort_keys import phone_key

    text = (text or "").strip()
    if not _PHONE.match(text):
        return None
    key = phone_key(text)
    typed_digits = sum(c.isdigit() for c in text)
    return key if typed_digits >= 6 and key.isdigit() else None


# Statements built once (SQLAlchemy then finds their compiled form at once), keyed by model
# (and columns), with the ids as ONE JSON parameter: an expanding IN of a page's 100 ids
# re-rendered the SQL text and bound 100 values at every page (a third of a page's time, issue 13).
_BY_IDS: dict[tuple[Any, ...], Select[Any]] = {}


def _by_ids(model: type[Any], columns: tuple[str, ...] | None = None) -> Select[Any]:
    stmt = _BY_IDS.get((model, columns))
    if stmt is None:
        where = text(f"{model.__tablename__}.id IN (SELECT value FROM json_each(:ids))")
        what = [model] if columns is None else [model.__table__.c[name] for name in columns]
        stmt = _BY_IDS[(model, columns)] = select(*what).where(where)
    return stmt


def rows_in_order(
    sessions: sessionmaker[Session], model: type[Any], columns: tuple[str, ...], ids: Sequence[str]
) -> list[Row[Any]]:
    """Read-only rows of these columns (and `id`) for the given ids, in that order: what a
    table's page shows. No ORM records: building 100 of them took longer than the search
    that found them (issue 13); a view asks `fetch_in_order` for the one a person selects."""
    if not ids:
        return []
    names = columns if "id" in columns else ("id", *columns)
    with sessions() as s:
        rows = {r.id: r for r in s.execute(_by_ids(model, names), {"ids": json.dumps(list(ids))})}
    return [rows[i] for i in ids if i in rows]


def fetch_in_order(sessions: sessionmaker[Session], model: type[T], ids: Sequence[str]) -> list[T]:
    """Records for the given ids, in that order (lazy table models page through ids)."""
    if not ids:
        return []
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(_by_ids(model), {"ids": json.dumps(list(ids))})}
    return [rows[i] for i in ids if i in rows]
