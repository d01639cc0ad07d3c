"""Sort and search keys of people, kept by SQLite itself (migration 0016).

Names sort as people expect: "Özdemir" with the O's, "Çelik" with the C's, "de Smet" with
"De Smet". SQLite's own ordering puts every accented capital after "z" and its `lower()`
only knows ASCII, so each borrower gets keys in `borrower_sort`: the name folded to plain
lower-case ASCII (accents removed, ß → ss, æ → ae, ø → o …), and the phone number as its
digits only (found typed without spaces). Triggers write them at every insert and update,
whoever writes (the window, a sync, a bulk insert), and they are indexed, so the first page of
a sorted table is an index walk. The triggers call the functions below, registered on every
connection. Changing a key's definition needs a new migration that rebuilds the keys.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

# Letters NFKD does not take apart into a base letter and accents.
SPECIAL = {
    "ß": "ss", "ẞ": "ss", "Æ": "ae", "æ": "ae", "Œ": "oe", "œ": "oe", "Ø": "o", "ø": "o",
    "Ł": "l", "ł": "l", "Đ": "d", "đ": "d", "Ħ": "h", "ħ": "h", "ı": "i", "Þ": "th", "þ": "th",
    "Ð": "d", "ð": "d",
}  # fmt: skip


@cache
def folding() -> tuple[tuple[str, str], ...]:
    """(letter, plain) for every Latin letter with accents (Latin-1 and Latin Extended-A/B)."""
    pairs = []
    for code in range(0xC0, 0x250):
        ch = chr(code)
        if ch in SPECIAL:
            pairs.append((ch, SPECIAL[ch]))
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base.isalpha():
            pairs.append((ch, base.lower()))
    return tuple(pairs)


@cache
def _table() -> dict[int, str]:
    return {ord(letter): plain for letter, plain in folding()}


def fold(text: str) -> str:
    """Plain lower-case ASCII letters: "Özdemir" → "ozdemir", "Straße" → "strasse"."""
    return (text or "").translate(_table()).lower()


PHONE_SEPARATORS = (" ", ".", "/", "-", "(", ")", "+", "\u00a0")


def phone_key(text: str) -> str:
    """The phone's digits without the country or trunk prefix: "+32 470 12 34 56",
    "0032470123456" and "0470/12.34.56" all give "470123456"."""
    digits = text or ""
    for sep in PHONE_SEPARATORS:
        digits = digits.replace(sep, "")
    if digits.startswith("0032"):
        return digits[4:]
    if digits.startswith("32") and len(digits) >= 10:
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


# The SQL functions the triggers of migration 0016 call. Every connection this program makes
# registers them (db/engine.py); SQLite's own `lower()` knows only ASCII, and a fold written
# as nested replace() calls cost 2 ms per inserted borrower (5× a bulk insert: measured).
SQL_FUNCTIONS = {"digibank_fold": fold, "digibank_phone_key": phone_key}


def register(dbapi_connection: Any) -> None:
    for name, function in SQL_FUNCTIONS.items():
        dbapi_connection.create_function(name, 1, function, deterministic=True)
