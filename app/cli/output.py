"""Printing results: plain lines for people, `--json` for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any

from db.values import record_values


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n")


def record_json(obj: Any) -> dict[str, Any]:
    return {"id": obj.id, **record_values(obj)}


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="machine-leesbare uitvoer (JSON)")
