"""Belgian postcodes and municipalities: postcode → municipality (Statbel NIS code) → province.

The bundled tables (resources/data/README.md says where they come from and how to refresh
them) hold the 565 municipalities of 1 January 2025 with their REFNIS code and official Dutch
and French names, and every postcode with the municipality (or, rarely, municipalities) it
belongs to. A person's province follows from the municipality's NIS code, never from the
postal plan: since the 2025 mergers Zwijndrecht (2070) lies in East Flanders although its
postcode starts with 2. A municipality that merged (Borsbeek, Kortessem, Melle, …) is still
understood, and always stands for the municipality it became.

Province codes are stored (stable, language-free); `province_name` gives the Dutch or
English name for screens and reports.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.i18n import _

DATA = Path(__file__).resolve().parent.parent / "resources" / "data"
POSTCODE_FILE = DATA / "postcodes_be.csv"
MUNICIPALITY_FILE = DATA / "municipalities_be.csv"
MERGER_FILE = DATA / "municipality_mergers.csv"

# local_state key: the postcode table (its fingerprint) this database's people were last
# checked against (BorrowerService.repair_municipalities); a pulled person clears it.
CHECKED_KEY = "municipalities_checked"


@functools.cache
def table_fingerprint() -> str:
    """Changes with the bundled tables: a new table (another merger) checks everyone again."""
    import hashlib

    digest = hashlib.sha256()
    for path in (POSTCODE_FILE, MUNICIPALITY_FILE, MERGER_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


PROVINCE_CODES = ("ANT", "LIM", "OVL", "VBR", "WVL", "BRU", "WBR", "HEN", "LUI", "LUX", "NAM")

# The German-speaking municipalities: Statbel's Dutch name is their German one.
_GERMAN = frozenset({"63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087"})

# The postal plan's ranges. Only the table builder uses them, to tell apart two municipalities
# with the same name in different provinces; a person's province never comes from them.
_POSTAL_RANGES: tuple[tuple[int, int, str], ...] = (
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


def province_for_nis(nis: str) -> str:
    """The province of a municipality, from the structure of its REFNIS code."""
    nis = (nis or "").strip()
    if not re.fullmatch(r"\d{5}", nis):
        return ""
    if nis.startswith("21"):
        return "BRU"
    if nis.startswith(("23", "24")):
        return "VBR"
    if nis.startswith("25"):
        return "WBR"
    return {
        "1": "ANT",
        "3": "WVL",
        "4": "OVL",
        "5": "HEN",
        "6": "LUI",
        "7": "LIM",
        "8": "LUX",
        "9": "NAM",
    }.get(nis[0], "")


def region_for_nis(nis: str) -> str:
    """VLA, WAL or BRU ('' for a code that is no municipality)."""
    province = province_for_nis(nis)
    if province == "BRU":
        return "BRU"
    if province in ("ANT", "LIM", "OVL", "VBR", "WVL"):
        return "VLA"
    return "WAL" if province else ""


def postal_region(postcode: str) -> set[str]:
    """The provinces the postal plan puts a postcode in (for building the table only)."""
    number = int(normalise(postcode))
    return {code for first, last, code in _POSTAL_RANGES if first <= number <= last}


def fold(name: str) -> str:
    """A name as compared: no case, accents, apostrophe or hyphen differences."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[’‘´`'\-–.,()]", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Municipality:
    nis: str
    name_nl: str
    name_fr: str

    @property
    def province(self) -> str:
        return province_for_nis(self.nis)

    @property
    def name(self) -> str:
        """The official name in the municipality's own language (both for Brussels: Dutch first)."""
        if region_for_nis(self.nis) == "WAL" and self.nis not in _GERMAN:
            return self.name_fr
        return self.name_nl

    def label(self) -> str:
        """'Name (NIS 12345)', for lists to choose from."""
        return _("{name} (NIS {nis})").format(name=self.name, nis=self.nis)

    def names(self) -> set[str]:
        return {fold(self.name_nl), fold(self.name_fr)}


@functools.cache
def municipalities() -> dict[str, Municipality]:
    """NIS code → the municipality, as of the bundled table's state date."""
    if not MUNICIPALITY_FILE.exists():
        return {}
    with MUNICIPALITY_FILE.open(encoding="utf-8") as fh:
        return {r["nis"]: Municipality(r["nis"], r["name_nl"], r["name_fr"]) for r in csv.DictReader(fh)}


@functools.cache
def _mergers() -> dict[str, tuple[str, str, str]]:
    """old NIS code → (new NIS code, old Dutch name, old French name)."""
    if not MERGER_FILE.exists():
        return {}
    with MERGER_FILE.open(encoding="utf-8") as fh:
        return {r["old_nis"]: (r["new_nis"], r["old_name_nl"], r["old_name_fr"]) for r in csv.DictReader(fh)}


@functools.cache
def _by_postcode() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    if POSTCODE_FILE.exists():
        with POSTCODE_FILE.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                codes = table.setdefault(row["postcode"], [])
                if row["nis"] not in codes:
                    codes.append(row["nis"])
    return {postcode: tuple(codes) for postcode, codes in table.items()}


@functools.cache
def _by_name() -> dict[str, tuple[str, ...]]:
    """Folded name (current or pre-merger, Dutch or French) → current NIS codes."""
    found: dict[str, set[str]] = {}
    for m in municipalities().values():
        for name in m.names():
            found.setdefault(name, set()).add(m.nis)
    for old in _mergers():
        _new, nl, fr = _mergers()[old]
        for name in (fold(nl), fold(fr)):
            found.setdefault(name, set()).add(current_nis(old))
    return {name: tuple(sorted(codes)) for name, codes in found.items()}


def current_nis(nis: str) -> str:
    """A NIS code after every merger since (a current code stays itself)."""
    nis = (nis or "").strip()
    seen: set[str] = set()
    while nis in _mergers() and nis not in seen:
        seen.add(nis)
        nis = _mergers()[nis][0]
    return nis


def merged_codes() -> list[str]:
    """The NIS codes that a merger ended."""
    return sorted(_mergers())


def by_nis(nis: str) -> Municipality | None:
    """The current municipality for a NIS code, also for a code a merger ended."""
    return municipalities().get(current_nis(nis))


def resolve_name(name: str) -> Municipality | None:
    """The current municipality a name stands for (Dutch, French or pre-merger), if one."""
    codes = _by_name().get(fold(name), ())
    return municipalities().get(codes[0]) if len(codes) == 1 else None


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


def for_postcode(postcode: str) -> list[Municipality]:
    """The municipalities a postcode belongs to (usually one; none when the table lacks it)."""
    codes = _by_postcode().get(normalise(postcode), ())
    return [municipalities()[nis] for nis in codes if nis in municipalities()]


def province_for(postcode: str) -> str:
    """The province of the postcode's municipality; '' when unknown or not one province."""
    provinces = {m.province for m in for_postcode(postcode)}
    return provinces.pop() if len(provinces) == 1 else ""


def municipality_for(postcode: str) -> str:
    """The municipality's name for a postcode, or '' when unknown (or when it has several)."""
    found = for_postcode(postcode)
    return found[0].name if len(found) == 1 else ""


def _choices(found: list[Municipality]) -> str:
    return ", ".join(m.label() for m in found)


def resolve(postcode: str, municipality: str = "") -> Municipality | None:
    """The municipality of a person living at `postcode`.

    `municipality` is what staff chose or typed: a NIS code or a name (Dutch, French or a
    pre-2025 one). It must agree with the postcode, since reports count people per
    municipality. A postcode with several municipalities needs that choice. None means the
    table knows neither the postcode nor the name (a brand-new postcode): the caller keeps
    what was typed, without a NIS code.
    """
    code = normalise(postcode)
    found = for_postcode(code)
    typed = " ".join((municipality or "").split())
    if typed:
        if re.fullmatch(r"\d{5}", typed):
            chosen = by_nis(typed)
            if chosen is None:
                raise UserError(_("Onbekende NIS-code {nis}.").format(nis=typed))
            matches = [chosen]
        else:
            matches = [municipalities()[n] for n in _by_name().get(fold(typed), ()) if n in municipalities()]
        if found:
            fitting = [m for m in found if m in matches]
            if not fitting:
                if len(found) == 1:
                    raise UserError(
                        _(
                            "Postcode {postcode} hoort bij {known}, niet bij {typed}. Laat de gemeente "
                            "leeg of verbeter de postcode."
                        ).format(postcode=code, known=found[0].name, typed=typed)
                    )
                raise UserError(
                    _("Postcode {postcode} hoort niet bij {typed}. Kies uit: {choices}.").format(
                        postcode=code, typed=typed, choices=_choices(found)
                    )
                )
            return fitting[0]
        return matches[0] if len(matches) == 1 else None
    if len(found) > 1:
        raise UserError(
            _("Postcode {postcode} hoort bij meer dan één gemeente. Kies er een: {choices}.").format(
                postcode=code, choices=_choices(found)
            )
        )
    return found[0] if found else None


def municipality_checked(postcode: str, municipality: str) -> str:
    """The municipality's name for a postcode; a typed name that contradicts the table is refused."""
    found = resolve(postcode, municipality)
    return found.name if found else " ".join((municipality or "").split())


def for_report(nis: str, postcode: str, typed: str = "") -> Municipality | None:
    """The current municipality a stored person counts under, never raising on old or bad data:
    the NIS code first (a pre-merger code counts under the merged municipality), else what the
    postcode and the stored name say."""
    if nis:
        found = by_nis(nis)
        if found is not None:
            return found
    try:
        return resolve(postcode, typed)
    except UserError:
        try:
            candidates = for_postcode(postcode)
        except UserError:
            return None
        return candidates[0] if len(candidates) == 1 else None
