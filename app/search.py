"""Turning what a person types into an FTS5 query (prefix match on every word)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """'jan pee' → '"jan"* AND "pee"*'; None when there is nothing to search for."""
    words = [w.replace('"', "") for w in _WORD.findall(text or "")]
    words = [w for w in words if re.search(r"\w", w)]
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)
