"""Translations through gettext catalogues.

Message ids are the Dutch texts: Dutch is the language of the counter, so a
missing translation still shows correct Dutch. English (and later French) come
from `resources/locale/<lang>/LC_MESSAGES/digibank.po`, compiled in memory with
Babel on first use (no compiled .mo files in the repository).
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DOMAIN = "digibank"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_language = DEFAULT_LANGUAGE


def load(language: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def set_language(language: str | None) -> str:
    """Switch every later `_()` to `language` (nl/en); unknown ones fall back to Dutch."""
    global _current, _current_language
    lang = (language or DEFAULT_LANGUAGE).split("_")[0].split("-")[0].lower()
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _current = load(lang)
    _current_language = lang
    return lang


def language() -> str:
    return _current_language


def language_from_environment() -> str:
    """DIGIBANK_LANG, then the usual locale variables; Dutch when nothing says English."""
    # Only an explicit setting counts: Python maps the "C" locale to en_US, and a
    # counter PC with an unset locale must still speak Dutch.
    for var in ("DIGIBANK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and not value.upper().startswith(("C.", "POSIX")) and value.upper() != "C":
            return value
    return DEFAULT_LANGUAGE


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)
