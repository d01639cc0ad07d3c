"""Human codes that stay unique while locations are offline: they carry the location code.

Asset tag `KRT-000123`, borrower card `KRT-B-00042`, donation `KRT-D-00007`.
Plain upper-case letters, digits and hyphens: Code 128 scannable and typeable.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

LOCATION_CODE = re.compile(r"[A-Z]{2,5}")
TAG = re.compile(r"[A-Z]{2,5}-\d{6}")
CARD = re.compile(r"[A-Z]{2,5}-B-\d{5}")
DONATION = re.compile(r"[A-Z]{2,5}-D-\d{5}")

TAG_WIDTH = 6
CARD_WIDTH = 5


def clean_scan(text: str) -> str:
    """Scanners and people type codes in any case and with stray spaces."""
    return (text or "").strip().upper().replace(" ", "")


def is_tag(text: str) -> bool:
    return TAG.fullmatch(text) is not None


def is_card(text: str) -> bool:
    return CARD.fullmatch(text) is not None


def next_code(session: Session, column: InstrumentedAttribute[str], prefix: str, width: int) -> str:
    """Next free number under `prefix` (e.g. 'KRT-B-'), by the highest one in use.

    Deriving it from the data (not a separate counter) keeps it right after a
    restore or a resync; the range condition uses the column's unique index.
    """
    low, high = prefix + "0" * width, prefix + "9" * width
    last = session.scalar(select(func.max(column)).where(column.between(low, high)))
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:0{width}d}"
