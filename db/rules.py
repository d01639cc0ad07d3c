"""The field rules of every synced record, derived once from the models.

One source for both sides: the counter checks every local write against these
rules (db/changes.py, before anything reaches the outbox), the server checks
every pushed value (server/store.py), and a counter that pulls a value it cannot
take sets it aside (app/sync/set_aside.py). A rule comes from the column itself
(type, `String(n)`, nullable, default) plus what a model declares in the column's
`info`: `choices` (the allowed codes) and `min`/`max` (integer ranges).

Values are checked in their JSON form, exactly as `db.values.to_json` writes them
and as they travel: dates as `YYYY-MM-DD`, date-times as `YYYY-MM-DDTHH:MM:SS`
(Python's `fromisoformat` also takes `20261201` or `2026-W01-1`, which would hash
differently on every replica), text as valid Unicode without NUL or lone UTF-16
surrogates (which no JSON encoder downstream can write), JSON documents with a
bounded depth and size.

No Qt, no app imports: the server uses this module as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ColumnDefault, Date, DateTime, Integer, String, Text

import db.models  # noqa: F401  (registers every synced model)
import db.models_sync  # noqa: F401
from db.base import SYNC_META_COLUMNS, synced_models

# Integers without a declared range still fit a 64-bit column on every database.
INT_LIMIT = 2**62
# Unbounded text columns (notes, wipe logs, signatures) still have a ceiling.
TEXT_MAX_LENGTH = 1_000_000
JSON_MAX_DEPTH = 20
JSON_MAX_BYTES = 64 * 1024
# Identifiers that travel with a change (row id, origin, field names).
ID_MAX_LENGTH = 64

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")

# Problem codes (the server reports them in a rejection's reason, the window and the
# command line turn them into a sentence).
REQUIRED = "required"
NULL = "null"
TYPE = "type"
TOO_LONG = "too-long"
CHOICE = "choice"
TOO_SMALL = "too-small"
TOO_LARGE = "too-large"
DATE = "date"
DATETIME = "datetime"
UNICODE = "unicode"
JSON_DEPTH = "json-depth"
JSON_SIZE = "json-size"
UNKNOWN_FIELD = "unknown-field"
UNKNOWN_TABLE = "unknown-table"


@dataclass(frozen=True)
class FieldRule:
    table: str
    name: str
    kind: str  # text | int | bool | date | datetime | json
    max_length: int | None = None
    nullable: bool = False
    required: bool = False  # a new record must bring it (not nullable, no default)
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Problem:
    table: str
    field: str
    code: str
    limit: Any = None

    def describe(self) -> str:
        """Plain English for logs and the server's rejection reason."""
        where = f"{self.table}.{self.field}" if self.field else self.table
        return f"{where}: {self.code}" + (f" (limit {self.limit})" if self.limit is not None else "")


class RuleViolation(ValueError):
    """A value a synced record may not hold. app/ turns it into a translated user error."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


def _kind(column_type: Any) -> str:
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int"
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, String | Text):
        return "text"
    return "json"


@cache
def all_rules() -> dict[str, dict[str, FieldRule]]:
    """{table: {column: rule}} for every synced column that carries content."""
    out: dict[str, dict[str, FieldRule]] = {}
    for model in synced_models():
        table = model.__table__
        cols: dict[str, FieldRule] = {}
        for col in table.columns:
            if col.name in SYNC_META_COLUMNS:
                continue
            kind = _kind(col.type)
            info = col.info or {}
            choices = info.get("choices")
            cols[col.name] = FieldRule(
                table=table.name,
                name=col.name,
                kind=kind,
                max_length=(getattr(col.type, "length", None) or TEXT_MAX_LENGTH) if kind == "text" else None,
                nullable=bool(col.nullable),
                required=not col.nullable and col.default is None and col.server_default is None,
                choices=tuple(choices) if choices is not None else None,
                minimum=info.get("min"),
                maximum=info.get("max"),
            )
        out[table.name] = cols
    return out


def rules_for(table: str) -> dict[str, FieldRule] | None:
    return all_rules().get(table)


def rule(table: str, name: str) -> FieldRule:
    return all_rules()[table][name]


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored and sent (NUL, lone surrogates), or None."""
    if value.isascii():
        return UNICODE if "\x00" in value else None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return UNICODE
    return UNICODE if "\x00" in value else None


def _json_problem(value: Any) -> tuple[str, Any] | None:
    """Depth first (a deep document must not reach the encoder's recursion), then the
    text inside, then the encoded size."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > JSON_MAX_DEPTH:
                return JSON_DEPTH, JSON_MAX_DEPTH
            for k, v in item.items():
                if not isinstance(k, str) or text_problem(k):
                    return UNICODE, None
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            if depth > JSON_MAX_DEPTH:
                return JSON_DEPTH, JSON_MAX_DEPTH
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            if text_problem(item):
                return UNICODE, None
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return TYPE, None
        elif not (item is None or isinstance(item, bool | int)):
            return TYPE, None
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= INT_LIMIT:
            return TOO_LARGE, INT_LIMIT
    if len(json.dumps(value, ensure_ascii=False).encode()) > JSON_MAX_BYTES:
        return JSON_SIZE, JSON_MAX_BYTES
    return None


@lru_cache(maxsize=8192)
def _canonical_moment(kind: str, value: str) -> bool:
    """`YYYY-MM-DD` (date) or `YYYY-MM-DDTHH:MM:SS` (datetime), and a real one. Memoised:
    many records share a date."""
    pattern, parse = (DATE_RE, dt.date) if kind == "date" else (DATETIME_RE, dt.datetime)
    if not pattern.fullmatch(value):
        return False
    try:
        parse.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_value(r: FieldRule, value: Any) -> Problem | None:
    """The one problem of one JSON value for one column, or None when it may be stored."""

    def problem(code: str, limit: Any = None) -> Problem:
        return Problem(r.table, r.name, code, limit)

    if value is None:
        return None if r.nullable else problem(NULL)
    kind = r.kind
    if kind == "text":
        if type(value) is not str:
            return problem(TYPE)
        bad = text_problem(value)
        if bad:
            return problem(bad)
        if r.max_length is not None and len(value) > r.max_length:
            return problem(TOO_LONG, r.max_length)
        if r.choices is not None and value not in r.choices:
            return problem(CHOICE, r.choices)
        return None
    if kind == "int":
        if type(value) is not int:
            return problem(TYPE)
        low = r.minimum if r.minimum is not None else -INT_LIMIT + 1
        high = r.maximum if r.maximum is not None else INT_LIMIT - 1
        if value < low:
            return problem(TOO_SMALL, low)
        if value > high:
            return problem(TOO_LARGE, high)
        return None
    if kind == "bool":
        return None if type(value) is bool else problem(TYPE)
    if kind in ("date", "datetime"):
        if type(value) is not str or not _canonical_moment(kind, value):
            return problem(DATE if kind == "date" else DATETIME)
        return None
    found = _json_problem(value)
    return problem(*found) if found else None


def check_fields(table: str, fields: Mapping[str, Any], new: bool = False) -> list[Problem]:
    """Every problem of a record's fields (all of them for a new record, which must also
    bring its required fields; only those given for an edit)."""
    rules = rules_for(table)
    if rules is None:
        return [Problem(table, "", UNKNOWN_TABLE)]
    out: list[Problem] = []
    for name, value in fields.items():
        r = rules.get(name)
        if r is None:
            out.append(Problem(table, name if not text_problem(name) else "?", UNKNOWN_FIELD))
            continue
        # Fast path for the common case (a counter pulls 100,000 records): plain ASCII
        # text within its length, or a boolean; everything else takes check_value.
        kind = r.kind
        if type(value) is str and kind == "text":
            if (
                value.isascii()
                and len(value) <= r.max_length  # type: ignore[operator]
                and "\x00" not in value
                and (r.choices is None or value in r.choices)
            ):
                continue
        elif type(value) is bool and kind == "bool":
            continue
        found = check_value(r, value)
        if found is not None:
            out.append(found)
    if new:
        out.extend(Problem(table, n, REQUIRED) for n, r in rules.items() if r.required and n not in fields)
    return out


def check_identifier(value: Any) -> bool:
    """A row id, origin or field name: short, valid text."""
    return isinstance(value, str) and len(value) <= ID_MAX_LENGTH and text_problem(value) is None


def defaults_for(table: str) -> dict[str, Any]:
    """The JSON values a counter's insert gives the columns a new record does not bring
    (model defaults; None for a nullable column without one)."""
    from db.base import model_for_table
    from db.values import to_json

    model = model_for_table(table)
    if model is None:
        return {}
    out: dict[str, Any] = {}
    for col in model.__table__.columns:
        if col.name in SYNC_META_COLUMNS:
            continue
        default = col.default
        if default is None:
            if col.nullable:
                out[col.name] = None
            continue
        if default.is_scalar:
            value = cast(ColumnDefault, default).arg
        elif default.is_callable:
            try:
                value = cast(ColumnDefault, default).arg({})
            except TypeError:
                value = cast(ColumnDefault, default).arg()
        else:
            continue
        out[col.name] = to_json(value.copy() if isinstance(value, dict | list) else value)
    return out
