"""Keep every catalogue (en, fr, …) in step with the Dutch texts in the code.

    python scripts/translations.py update   # add new message ids to every .po, drop stale ones
    python scripts/translations.py check    # list ids without a translation, per language

Message ids are the Dutch texts (see app/i18n.py), so Dutch needs no catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES  # noqa: E402

SOURCES = ("app", "ui", "server", "db")
LOCALE_DIR = ROOT / "resources" / "locale"
TRANSLATED = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
KEYWORDS = {"_": None, "ngettext": (1, 2)}
# French has two plural forms like Dutch and English (0 and 1 singular): Babel's CLDR
# default for fr (three forms) would make every plural entry look half-translated.
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);"}


def po_path(language: str = "en") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "digibank.po"


PO = po_path("en")  # kept for callers that know only English


def extract(folders: tuple[str, ...] = SOURCES) -> Catalog:
    catalog = Catalog(locale=None, project="digibank-balie", charset="utf-8")
    for folder in folders:
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


def load_po(language: str = "en") -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="digibank-balie")
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def update() -> None:
    template = extract()
    for language in TRANSLATED:
        catalog = load_po(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
        if language in PLURAL_FORMS:
            text = path.read_text(encoding="utf-8")
            start = text.index('"Plural-Forms: ')
            end = text.index('\\n"', start)
            path.write_text(
                text[:start] + f'"Plural-Forms: {PLURAL_FORMS[language]}' + text[end:], encoding="utf-8"
            )


def untranslated(message_ids: list, catalog: Catalog) -> list[str]:
    out = []
    for message_id in message_ids:
        translated = catalog.get(message_id)
        if (
            translated is None
            or not translated.string
            or (isinstance(translated.string, tuple) and not all(translated.string))
            or translated.fuzzy
        ):
            out.append(message_id if isinstance(message_id, str) else message_id[0])
    return out


def missing(language: str = "en", folders: tuple[str, ...] = SOURCES) -> list[str]:
    """The ids used in `folders` that have no (complete, non-fuzzy) translation in `language`."""
    return untranslated([m.id for m in extract(folders) if m.id], load_po(language))


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    failed = False
    for code in TRANSLATED:
        todo = missing(code)
        for text in todo:
            print(f"{code}: {text}")
        print(f"{code}: {len(todo)} untranslated", file=sys.stderr)
        failed = failed or bool(todo)
    sys.exit(1 if failed and sys.argv[1:] == ["check"] else 0)
