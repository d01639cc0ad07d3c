"""Belgian postcodes: validation, province by range, municipality by table.

Province codes are stored (stable, language-free); `province_name` gives the
Dutch or English name for screens and reports.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from app.errors import UserError
from app.i18n import _

POSTCODE_FILE = Path(__file__).resolve().parent.parent / "resources" / "data" / "postcodes_be.csv"

# (first, last, code): ranges from the Belgian postal plan.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (1000, 1299, "BRU"),
    (1300, 1499, "WBR"),
    (1500, 1999, "VBR"),
    (2000, 2999, "ANT"),
    (3000, 3499, "VBR"),
    (3500, 3999, "LIM"),
    (4000, 4999, "LUI"),
    (5000, 5999, "NAM"),
    (6000, 6599, "HEN"),
    (6600, 6999, "LUX"),
    (7000, 7999, "HEN"),
    (8000, 8999, "WVL"),
    (9000, 9999, "OVL"),
)

PROVINCE_CODES = ("ANT", "LIM", "OVL", "VBR", "WVL", "BRU", "WBR", "HEN", "LUI", "LUX", "NAM")


def province_names() -> dict[str, str]:
    return {
        "ANT": _("Antwerpen"),
        "LIM": _("Limburg"),
        "OVL": _("Oost-Vlaanderen"),
        "VBR": _("Vlaams-Brabant"),
        "WVL": _("West-Vlaanderen"),
        "BRU": _("Brussels Hoofdstedelijk Gewest"),
        "WBR": _("Waals-Brabant"),
        "HEN": _("Henegouwen"),
        "LUI": _("Luik"),
        "LUX": _("Luxemburg"),
        "NAM": _("Namen"),
        "": _("Onbekend"),
    }


def province_name(code: str) -> str:
    return province_names().get(code, code)


def normalise(postcode: str) -> str:
    """Return the four-digit postcode or raise a clear error (also accepts 'B-8500')."""
    text = (postcode or "").strip().upper()
    text = re.sub(r"^(BE|B)[-\s]?", "", text)
    if not re.fullmatch(r"\d{4}", text) or not 1000 <= int(text) <= 9999:
        raise UserError(
            _("'{postcode}' is geen Belgische postcode: vier cijfers, van 1000 tot 9999.").format(
                postcode=postcode
            )
        )
    return text


def province_for(postcode: str) -> str:
    number = int(normalise(postcode))
    for first, last, code in _RANGES:
        if first <= number <= last:
            return code
    raise AssertionError("ranges cover 1000-9999")


@functools.cache
def _municipalities() -> dict[str, str]:
    """postcode → main municipality name, from the bundled table (if present)."""
    table: dict[str, str] = {}
    if not POSTCODE_FILE.exists():
        return table
    with POSTCODE_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(row["postcode"], row["municipality"])
    return table


def municipality_for(postcode: str) -> str:
    """The municipality for a postcode, or '' when the table does not know it."""
    return _municipalities().get(normalise(postcode), "")


def municipality_checked(postcode: str, municipality: str) -> str:
    """The municipality for a postcode; a typed name that contradicts the table is refused,
    since reports count people per municipality."""
    code = normalise(postcode)
    known = municipality_for(code)
    typed = " ".join((municipality or "").split())
    if not typed:
        return known
    if known and typed.casefold() != known.casefold():
        raise UserError(
            _(
                "Postcode {postcode} hoort bij {known}, niet bij {typed}. Laat de gemeente leeg "
                "of verbeter de postcode."
            ).format(postcode=code, known=known, typed=typed)
        )
    return known or typed
