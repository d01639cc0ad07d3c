"""Keep the English catalogue in step with the Dutch texts in the code.

    python scripts/translations.py update   # add new message ids to en.po, drop stale ones
    python scripts/translations.py check    # list ids without an English translation

Message ids are the Dutch texts (see app/i18n.py), so Dutch needs no catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app", "ui", "server", "db")
PO = ROOT / "resources" / "locale" / "en" / "LC_MESSAGES" / "digibank.po"
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(locale=None, project="digibank-balie", charset="utf-8")
    for folder in SOURCES:
        path = ROOT / folder
        if not path.exists():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(path), method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(
                message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return catalog


def load_po() -> Catalog:
    if not PO.exists():
        return Catalog(locale="en", project="digibank-balie")
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def update() -> None:
    template = extract()
    catalog = load_po()
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)


def missing() -> list[str]:
    template = extract()
    catalog = load_po()
    out = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if (
            translated is None
            or not translated.string
            or (isinstance(translated.string, tuple) and not all(translated.string))
            or translated.fuzzy
        ):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    todo = missing()
    for text in todo:
        print(text)
    print(f"{len(todo)} untranslated", file=sys.stderr)
    sys.exit(1 if todo and sys.argv[1:] == ["check"] else 0)
