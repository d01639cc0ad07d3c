"""Turning what a person types into an FTS5 query (prefix match on every word)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """'jan pee' → '"jan"* AND "pee"*'; None when there is nothing to search for."""
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


def fetch_in_order(sessions: sessionmaker[Session], model: type[T], ids: Sequence[str]) -> list[T]:
    """Records for the given ids, in that order (lazy table models page through ids)."""
    if not ids:
        return []
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(model).where(model.id.in_(list(ids))))}  # type: ignore[attr-defined]
    return [rows[i] for i in ids if i in rows]
