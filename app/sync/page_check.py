"""The field rules for a whole pulled page at once, column by column.

A new van pulls 100,000 records; checking them field by field (db/rules.py `check_fields`,
which merge.py's `_cannot_apply` runs per change) cost about a third of the initial sync.
Here every column of a table's changes is checked with a few C-level operations (one join,
one `max` of the lengths, one set of the distinct values). The answer is only ever "every
change of this table passes" — exactly when each change's own check would find nothing — or
"not sure", and then each change is checked on its own as before: a bad record is still set
aside by the same rule and reason.
"""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from app.sync.protocol import STAMP_PATTERN, LoggedChange
from db import rules

_STAMP = re.compile(STAMP_PATTERN)
_values = operator.methodcaller("values")


def tables_that_pass(changes: Sequence[LoggedChange]) -> set[str]:
    """The tables whose every change in `changes` passes `merge._cannot_apply` (no reason to
    set it aside). A table left out is not necessarily wrong: its changes are checked one by one."""
    by_table: dict[str, list[LoggedChange]] = defaultdict(list)
    for ch in changes:
        by_table[ch.table].append(ch)
    return {table for table, chs in by_table.items() if _table_passes(table, chs)}


def _table_passes(table: str, changes: list[LoggedChange]) -> bool:
    table_rules = rules.rules_for(table)
    if table_rules is None:
        return False  # a newer program's table: apply_page skips and logs it as before
    if not (
        _identifiers_pass([ch.row_id for ch in changes]) and _identifiers_pass([ch.origin for ch in changes])
    ):
        return False
    # Every clock of the page is a well-formed stamp (stricter than checking the fields' clocks).
    stamps = set(chain.from_iterable(map(_values, (ch.clocks for ch in changes))))
    if not all(type(s) is str and _STAMP.fullmatch(s) for s in stamps):
        return False
    # Records with the same fields (in the same order) share one transposition.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for ch in changes:
        fields = ch.fields
        # A field without its clock is filtered out per change: not here. A change that came
        # with a stamp has a clock for every field (protocol.expand_clocks).
        if not ch.stamp and not fields.keys() <= ch.clocks.keys():
            return False
        groups[tuple(fields)].append(fields)
    for names, records in groups.items():
        if not names:
            continue
        if not table_rules.keys() >= set(names):
            return False  # a field this program does not know: filtered out per change
        if len(names) == 1:
            columns: Iterable[tuple[Any, ...]] = [tuple(r[names[0]] for r in records)]
        else:
            columns = zip(*map(operator.itemgetter(*names), records), strict=True)
        for name, column in zip(names, columns, strict=True):
            if not _column_passes(table_rules[name], column):
                return False
    return True


def _identifiers_pass(values: list[Any]) -> bool:
    """`rules.check_identifier` for each value: short valid text."""
    try:
        joined = "".join(values)
    except TypeError:
        return False
    return (
        joined.isascii()
        and "\x00" not in joined
        and (not values or max(map(len, values)) <= rules.ID_MAX_LENGTH)
    )


def _column_passes(r: rules.FieldRule, column: tuple[Any, ...]) -> bool:
    """True only when `rules.check_value` (and check_fields' fast path) accept every value."""
    values: Sequence[Any] = column
    if None in column:
        if not r.nullable:
            return False
        values = [v for v in column if v is not None]
        if not values:
            return True
    kind = r.kind
    if kind == "text":
        try:
            joined = "".join(values)
        except TypeError:
            return False  # a value that is not text
        if not joined.isascii():
            try:
                joined.encode("utf-8")  # a lone surrogate anywhere
            except UnicodeEncodeError:
                return False
        if "\x00" in joined:
            return False
        if r.max_length is not None and max(map(len, values)) > r.max_length:
            return False
        return r.choices is None or set(values) <= set(r.choices)
    kinds = set(map(type, values))
    if kind == "bool":
        return kinds == {bool}
    if kind == "int":
        if kinds != {int}:
            return False
        low = r.minimum if r.minimum is not None else -rules.INT_LIMIT + 1
        high = r.maximum if r.maximum is not None else rules.INT_LIMIT - 1
        return low <= min(values) and max(values) <= high
    if kind in ("date", "datetime"):
        return kinds == {str} and all(rules.check_value(r, v) is None for v in set(values))
    # JSON documents (device specs): each as check_value checks it.
    return all(rules.check_value(r, v) is None for v in values)
