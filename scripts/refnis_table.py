"""Rebuild the bundled municipality and postcode tables (resources/data/README.md says why).

    python scripts/refnis_table.py --refnis TU_COM_REFNIS.txt [--date 2026-01-01]
    python scripts/refnis_table.py --postcodes postcodes.csv      # new postcode list, same municipalities
    python scripts/refnis_table.py                                # re-check and rewrite what is there

--refnis     Statbel's REFNIS code list (https://statbel.fgov.be/nl/over-statbel/methodologie/
             classificaties/geografie, "TU_COM_REFNIS", pipe- or comma-separated, with the columns
             LVL_REFNIS, CD_REFNIS, TX_REFNIS_NL, TX_REFNIS_FR, DT_VLDT_START, DT_VLDT_END).
             The municipalities valid on --date become resources/data/municipalities_be.csv.
--postcodes  a CSV with a `postcode` column and either `nis` or `municipality` (the name of the
             main municipality, Dutch or French, a pre-merger name is fine). Default: the
             bundled postcodes_be.csv. A postcode may appear on several rows (one per municipality).

Municipalities that a merger ended are followed through resources/data/municipality_mergers.csv
(add a wave's rows there before rebuilding with a newer REFNIS file). Nothing is written when a
postcode's municipality cannot be found: the script lists those and exits 1.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import postcodes  # noqa: E402  (needs the path above)


def _date(text: str) -> dt.date:
    text = text.strip()
    if "/" in text:
        day, month, year = text.split("/")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(text)


def read_refnis(path: Path, on: dt.date) -> dict[str, tuple[str, str]]:
    """nis -> (Dutch name, French name) of the municipalities valid on `on`."""
    raw = path.read_text(encoding="utf-8-sig")
    delimiter = "|" if raw.splitlines()[0].count("|") > raw.splitlines()[0].count(",") else ","
    found: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(raw.splitlines(), delimiter=delimiter):
        code = row["CD_REFNIS"].strip().zfill(5)
        # Level 4 is a municipality; some exports leave the level out, then the code tells.
        level = (row.get("LVL_REFNIS") or "").strip()
        if level and level != "4":
            continue
        if not code.isdigit() or code.endswith("000"):
            continue
        start = _date(row.get("DT_VLDT_START") or "01/01/1970")
        end = _date(row.get("DT_VLDT_END") or "31/12/9999")
        if start <= on <= end:
            found[code] = (row["TX_REFNIS_NL"].strip(), row["TX_REFNIS_FR"].strip())
    return found


def read_municipalities(path: Path) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {r["nis"]: (r["name_nl"], r["name_fr"]) for r in csv.DictReader(fh)}


def read_mergers(path: Path) -> dict[str, tuple[str, str, str]]:
    """old nis -> (new nis, old Dutch name, old French name)."""
    with path.open(encoding="utf-8") as fh:
        return {r["old_nis"]: (r["new_nis"], r["old_name_nl"], r["old_name_fr"]) for r in csv.DictReader(fh)}


def build(
    municipalities: dict[str, tuple[str, str]],
    mergers: dict[str, tuple[str, str, str]],
    postcode_rows: list[dict[str, str]],
) -> tuple[list[tuple[str, str]], list[str]]:
    """[(postcode, nis)] and the problems (rows whose municipality is not found)."""
    names: dict[str, set[str]] = {}
    for nis, (nl, fr) in municipalities.items():
        for name in (nl, fr):
            names.setdefault(postcodes.fold(name), set()).add(nis)
    for new, nl, fr in mergers.values():
        for name in (nl, fr):
            names.setdefault(postcodes.fold(name), set()).add(new)

    def current(nis: str) -> str:
        seen = set()
        while nis in mergers and nis not in seen:
            seen.add(nis)
            nis = mergers[nis][0]
        return nis

    pairs: list[tuple[str, str]] = []
    problems: list[str] = []
    for row in postcode_rows:
        code = postcodes.normalise(row["postcode"])
        if row.get("nis"):
            candidates = {current(row["nis"].strip().zfill(5))}
        else:
            candidates = {current(n) for n in names.get(postcodes.fold(row.get("municipality", "")), set())}
        candidates &= set(municipalities)
        if len(candidates) > 1:
            # The same name in two regions (Saint-Nicolas in Liège, Sint-Niklaas/Saint-Nicolas in
            # East Flanders): the postal plan's first digit settles it, for building only.
            region = postcodes.postal_region(code)
            candidates = {n for n in candidates if postcodes.province_for_nis(n) in region}
        if len(candidates) != 1:
            problems.append(
                f"{code} {row.get('nis') or row.get('municipality')}: {sorted(candidates) or '?'}"
            )
            continue
        pair = (code, candidates.pop())
        if pair not in pairs:
            pairs.append(pair)
    return sorted(pairs), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refnis", type=Path, help="Statbel REFNIS file (TU_COM_REFNIS)")
    parser.add_argument(
        "--date", type=_date, default=dt.date(2025, 1, 1), help="state date (default 2025-01-01)"
    )
    parser.add_argument("--postcodes", type=Path, default=postcodes.POSTCODE_FILE)
    parser.add_argument("--out", type=Path, default=postcodes.POSTCODE_FILE.parent, help="folder to write")
    args = parser.parse_args(argv)

    if args.refnis:
        municipalities = read_refnis(args.refnis, args.date)
    else:
        municipalities = read_municipalities(postcodes.MUNICIPALITY_FILE)
    mergers = read_mergers(postcodes.MERGER_FILE)
    with args.postcodes.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pairs, problems = build(municipalities, mergers, rows)
    if problems:
        print("municipality not found for:", *problems, sep="\n  ", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / postcodes.MUNICIPALITY_FILE.name).open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["nis", "name_nl", "name_fr", "province"])
        for nis in sorted(municipalities):
            out.writerow([nis, *municipalities[nis], postcodes.province_for_nis(nis)])
    with (args.out / postcodes.POSTCODE_FILE.name).open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["postcode", "nis", "name_nl", "name_fr"])
        for code, nis in pairs:
            out.writerow([code, nis, *municipalities[nis]])
    flemish = sum(1 for nis in municipalities if postcodes.region_for_nis(nis) == "VLA")
    without = sorted(set(municipalities) - {nis for _c, nis in pairs})
    print(
        f"{len(municipalities)} municipalities ({flemish} in Flanders), {len(pairs)} postcode rows, "
        f"{len({c for c, _n in pairs})} postcodes; municipalities without a postcode: {without or 'none'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
