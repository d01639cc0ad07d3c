"""Translations through gettext catalogues.

Message ids are the Dutch texts: Dutch is the language of the counter, so a
missing translation still shows correct Dutch on screen. English and French come
from `resources/locale/<lang>/LC_MESSAGES/digibank.po`, compiled in memory with
Babel on first use (no compiled .mo files in the repository).

Documents handed to a borrower or donor (contract, receipt, certificates, letters)
are rendered in *strict* mode: there a missing translation raises
`MissingTranslation` instead of silently printing Dutch to a French speaker.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

DOMAIN = "digibank"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
LANGUAGES = ("nl", "en", "fr")
DEFAULT_LANGUAGE = "nl"

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_language = DEFAULT_LANGUAGE
_strict = False


class MissingTranslation(LookupError):
    """A document asked for a text that has no translation in its language."""


def load(language: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return _gettext.NullTranslations()
    # Babel only when a catalogue is compiled: Dutch (the default) needs none.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def set_language(language: str | None) -> str:
    """Switch every later `_()` to `language` (nl/en/fr); unknown ones fall back to Dutch."""
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


@contextmanager
def strict() -> Iterator[None]:
    """Within this block a text without translation in the current language raises."""
    global _strict
    previous = _strict
    _strict = True
    try:
        yield
    finally:
        _strict = previous


def _check(key: str) -> None:
    # Dutch needs no catalogue; in any other language an absent or empty entry is a bug.
    if _strict and _current_language != DEFAULT_LANGUAGE:
        catalog = getattr(_current, "_catalog", {})
        if not catalog.get(key):
            raise MissingTranslation(f"no {_current_language} translation for {key!r}")


def _(message: str) -> str:
    _check(message)
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    _check_plural(singular)
    return _current.ngettext(singular, plural, n)


def _check_plural(singular: str) -> None:
    if _strict and _current_language != DEFAULT_LANGUAGE:
        catalog = getattr(_current, "_catalog", {})
        if not catalog.get((singular, 0)):
            raise MissingTranslation(f"no {_current_language} translation for {singular!r}")
