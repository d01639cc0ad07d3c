"""Sort and search keys of people, kept by SQLite itself (migration 0016).

Names sort as people expect: "Özdemir" with the O's, "Çelik" with the C's, "de Smet" with
"De Smet". SQLite's own ordering puts every accented capital after "z" and its `lower()`
only knows ASCII, so each borrower gets keys in `borrower_sort`: the name folded to plain
lower-case ASCII (accents removed, ß → ss, æ → ae, ø → o …), and the phone number as its
digits only (found typed without spaces). Triggers write them at every insert and update,
whoever writes (the window, a sync, a bulk insert), and they are indexed, so the first page of
a sorted table is an index walk. The same folding is here in Python for the search side and
the tests. Changing a key's definition needs a new migration that rewrites the triggers and
the keys (0016 builds them from this module).
"""

from __future__ import annotations

import unicodedata
from functools import cache

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


def fold(text: str) -> str:
    """What the SQL key expression makes of `text` (plain lower-case ASCII letters)."""
    table = dict(folding())
    return "".join(table.get(c, c) for c in (text or "")).lower()


# SQLite's parser takes about 30 nested calls (3.40; newer ones more): the folding is applied
# in steps of this many replace() calls, one UPDATE each (see migration 0016).
STEP = 24


def fold_steps(column: str) -> list[str]:
    """SQL expressions that, applied one after the other to `column`, fold it as `fold` does:
    a few nested replace() each, the last one lower()."""
    pairs = folding()
    steps = []
    for start in range(0, len(pairs), STEP):
        expr = column
        for letter, plain in pairs[start : start + STEP]:
            expr = f"replace({expr}, '{letter}', '{plain}')"
        steps.append(expr)
    steps.append(f"lower({column})")
    return steps


PHONE_SEPARATORS = (" ", ".", "/", "-", "(", ")", "+", "\u00a0")


def phone_key(text: str) -> str:
    """The phone's digits without the country or trunk prefix: "+32 470 12 34 56",
    "0032470123456" and "0470/12.34.56" all give "470123456"."""
    digits = text or ""
    for sep in PHONE_SEPARATORS:  # exactly what phone_sql removes
        digits = digits.replace(sep, "")
    if digits.startswith("0032"):
        return digits[4:]
    if digits.startswith("32") and len(digits) >= 10:
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def phone_sql(column: str) -> str:
    """phone_key in SQL (the trigger's expression)."""
    expr = f"coalesce({column}, '')"
    for sep in PHONE_SEPARATORS:
        expr = f"replace({expr}, '{sep}', '')"
    return (
        f"(SELECT CASE WHEN d GLOB '0032*' THEN substr(d, 5) "
        f"WHEN d GLOB '32*' AND length(d) >= 10 THEN substr(d, 3) "
        f"WHEN d GLOB '0*' THEN substr(d, 2) ELSE d END FROM (SELECT {expr} AS d))"
    )
